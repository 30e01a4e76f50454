"""`xlplan import`: store a quarter's figures from a system extract (extract.py reads the file).

Every row is checked against the plan: its Code must be a measure, its Period (when the extract
has one) this quarter, its Value a figure read by the measure's unit exactly as a return's To date
is (no-data words are Report later, never 0). A bad row is listed with its row number and what is
wrong, and left out; the good ones are stored. A measure the plan marks as coming from a system
(its Source column) takes the figure; one its service's return reports is refused (listed) unless
`override`. Each stored figure has its status by the measure's stored rule, as collect gives it,
and its lineage: the file, its sha256, the row and the Value cell, and the system. An import
replaces only the figures it carries: collect never wipes them, nor they a returned figure of
another measure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from xlplan.collect import rows
from xlplan.collect.examine import _archive
from xlplan.collect.extract import Extract, period_of, read_extract
from xlplan.collect.pipeline import _plan_for, _prepare, _ready_for_workers
from xlplan.collect.validate import clean_comment
from xlplan.errors import did_you_mean
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.status import measure_status, target_text
from xlplan.values import ValueProblem, check_range, format_value, parse_value
from xlplan import store


@dataclass
class RowNote:
    """A row of the extract that was not stored (or was stored with something to say): why."""

    row: int
    text: str                          # "row 7: Value 'abc' for CF01 is not …"
    kind: str                          # error | refused | other period | read as


@dataclass
class ImportResult:
    """One import: the extract as read, the figures stored (code → (row, value shown, status)) and
    every row left out, with why."""

    extract: Extract
    period: Period
    stored: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    notes: list[RowNote] = field(default_factory=list)
    override: bool = False

    @property
    def left_out(self) -> list[RowNote]:
        return [n for n in self.notes if n.kind in ("error", "refused")]

    @property
    def other_periods(self) -> list[RowNote]:
        return [n for n in self.notes if n.kind == "other period"]

    @property
    def exit_code(self) -> int:
        """0 when every row for the quarter was stored, 1 when any was left out."""
        return 1 if self.left_out else 0


def import_extract(plan_path: str | Path, period: Period | str, path: str | Path, db_url: str, *,
                   override: bool = False) -> ImportResult:
    """Import the system extract at `path` into the store at `db_url` for `period` (see the
    module's docstring). XlplanError for what stops the whole file (unreadable, no Code or Value
    column, another plan year); a bad row only leaves that row out."""
    period = Period.parse(period) if isinstance(period, str) else period
    plan_path, path = Path(plan_path), Path(path)
    plan = _plan_for(plan_path, period)
    ex = read_extract(path)
    archive = store.archive_dir(db_url)
    archive.mkdir(parents=True, exist_ok=True)
    _archive(archive, ex.sha256 or hashlib.sha256(ex.data).hexdigest(), path, ex.data)
    result = ImportResult(ex, period, override=override)
    value_rows = _value_rows(ex, plan, period, override, result)
    if value_rows:
        snapshot = _prepare(plan, db_url, _ready_for_workers(plan))
        store.write_import(db_url, period=period.id, plan_fingerprint=plan.fingerprint,
                           plan_row=lambda: rows.plan_row(plan, snapshot), value_rows=value_rows,
                           history_rows=lambda: rows.history_rows(plan))
    return result


def _value_rows(ex: Extract, plan: Plan, period: Period, override: bool, result: ImportResult) -> list:
    """The ValueRows of the extract's good rows for `period`; every other row noted in `result`."""
    by_code = {m.code.casefold(): m for m in plan.measures}
    codes = [m.code for m in plan.measures]
    tolerance = plan.settings.amber_tolerance
    first: dict[str, int] = {}
    found = []
    note = lambda row, text, kind="error": result.notes.append(RowNote(row, f"row {row}: {text}", kind))  # noqa: E731
    for r in ex.rows:
        raw_code = r.cells.get("Code")
        code_text = " ".join(str(raw_code).split()) if raw_code is not None else ""
        if isinstance(raw_code, float) and raw_code.is_integer():
            code_text = str(int(raw_code))
        if not code_text:
            note(r.row, f"no Code in {r.refs['Code']}")
            continue
        m = by_code.get(code_text.casefold())
        if m is None:
            near = did_you_mean(code_text, codes)
            note(r.row, f"Code '{code_text[:40]}' is not a measure in the plan"
                 + (f" (did you mean {near}?)" if near else ""))
            continue
        if "Period" in r.cells:
            raw_period = r.cells["Period"]
            if raw_period is None:
                note(r.row, f"no Period in {r.refs['Period']} for {m.code}")
                continue
            p = period_of(raw_period, period.year)
            if p is None:
                note(r.row, f"Period '{str(raw_period)[:40]}' for {m.code} is not a quarter (expected e.g. "
                            f"{period.id}, Q{period.quarter} {period.year.slash} or Q{period.quarter})")
                continue
            if p != period:
                note(r.row, f"{m.code} is for {p.id}, not {period.id}; skipped", "other period")
                continue
        if not m.source and not override:
            note(r.row, f"{m.code} is reported in the {m.service} return, not by a system (the plan gives it no "
                        f"Source); left out. Use --override to store the system's figure instead", "refused")
            continue
        if m.code in first:
            note(r.row, f"{m.code} is in the extract again (first in row {first[m.code]}); left out")
            continue
        raw = r.cells.get("Value")
        try:
            value = parse_value(raw, m.unit, percent_format=False)   # not a percent-formatted cell
        except ValueProblem as p:
            hint = f"; {p.hint}" if p.hint else ""
            note(r.row, f"Value '{p.found[:60]}' in {r.refs['Value']} for {m.code} is not {p.expected}{hint}")
            continue
        problem = check_range(value, m.unit)
        if problem:
            note(r.row, f"Value '{value.raw[:60]}' in {r.refs['Value']} for {m.code}: {problem}")
            continue
        if value.note:
            note(r.row, f"{m.code}: {value.note}", "read as")
        first[m.code] = r.row
        due = m.due_in(period)
        rule = m.rule(period, tolerance)
        assessment = measure_status(value, rule, due=due)
        system = " ".join(str(r.cells.get("Source") or "").split())[:100] or m.source or "System"
        found.append(store.ValueRow(
            period=period.id, code=m.code, service=m.service, name=m.name,
            figure=store.figure_json(value.figure), missing=value.missing.value if value.missing else None,
            raw=value.raw, status=assessment.status.value, basis=assessment.basis, reason=assessment.reason,
            assessed=None, rule=rows.rule_json(rule), rule_text=rule.describe(), target_text=target_text(rule, m.unit),
            annual_target_text=m.target_for(period.year)[0].describe(m.unit),
            comment=clean_comment(r.cells.get("Comment")), in_error=False, source_file=ex.name,
            source_sha256=ex.sha256, source_sheet=ex.sheet, source_cell=r.refs["Value"],
            plan_fingerprint=plan.fingerprint, origin="import", source_system=system, source_row=r.row))
        shown = format_value(value.figure, m.unit) if value.figure is not None else (value.raw or "blank")
        result.stored[m.code] = (r.row, shown, assessment.status.value)
    return found
