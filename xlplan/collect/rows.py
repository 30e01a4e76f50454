"""The rows one collect writes to the store (see xlplan/store/schema.py for the tables): returns,
values' rules and sources, issues, the plan snapshot and its history columns; and each file's
ReturnRecord as the CLI shows it."""

from __future__ import annotations

import json

from xlplan.collect.examined import Examined, Outcome, Scope
from xlplan.errors import RETURN_DUPLICATE, RETURN_SUPERSEDED, Issue, Severity
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan import store
from xlplan.store import ReturnRecord


def rule_json(rule) -> str:
    return json.dumps({
        "unit": rule.unit.value, "polarity": rule.polarity.value, "target": store.figure_json(rule.target),
        "target_kind": rule.target_kind.value, "tolerance": rule.tolerance.amount,
        "tolerance_absolute": rule.tolerance.absolute, "tolerance_text": rule.tolerance.describe(rule.unit),
        "basis": rule.basis, "target_column": rule.target_column}, sort_keys=True)


def source(f: Examined | None, sheet: str | None, cell: str | None) -> dict:
    if f is None or sheet is None:
        return {"source_file": None, "source_sha256": None, "source_sheet": None, "source_cell": None}
    return {"source_file": f.name, "source_sha256": f.sha256, "source_sheet": sheet, "source_cell": cell}


def source_values(f: Examined | None, sheet: str | None, cell: str | None) -> tuple:
    """`source` as a tuple, in the same (column) order."""
    return tuple(source(f, sheet, cell).values())


def record(f: Examined) -> ReturnRecord:
    counted = f.outcome.counted
    errors = [i for i in f.issues if i.severity is Severity.ERROR]
    warnings = [i for i in f.issues if i.severity is Severity.WARNING]
    if f.outcome is Outcome.REJECTED:
        reasons = [errors[0].message] if errors else []
    elif f.outcome is Outcome.SUPERSEDED:
        reasons = [i.message for i in f.issues if i.code in (RETURN_SUPERSEDED, RETURN_DUPLICATE)]
    elif f.outcome is Outcome.SKIPPED:
        reasons = [f"{f.name} is {f.skipped}; skipped"]
    else:
        reasons = []
    return ReturnRecord(service=f.service or f.claimed_service, file=f.name, sha256=f.sha256, received=f.received, outcome=f.outcome,
                        reasons=reasons, errors=len(errors) if counted else 0,
                        warnings=len(warnings) if counted else 0, superseded_by=f.superseded_by)


def return_row(f: Examined, period: Period, scope: Scope = Scope(), folder: str | None = None) -> store.ReturnRow:
    """The returns row of one file, recording the department whose collect found it and the folder."""
    r = record(f)
    return store.ReturnRow(period=period.id, sha256=f.sha256, file=f.name, received=f.received,
                           saved_at=f.saved_at, size=f.size, service=r.service, outcome=f.outcome.value,
                           reasons=json.dumps(r.reasons), errors=r.errors, warnings=r.warnings,
                           superseded_by=f.superseded_by, plan_fingerprint=f.plan_fingerprint, archive=f.archive,
                           department=scope.department, folder=folder)


def issue_rows(files: list[Examined], period: Period,
               scope: Scope = Scope()) -> tuple[list[store.IssueRow], list[Issue]]:
    rows, counted = [], []
    department = scope.department
    for f in files:
        keep = f.outcome.counted
        service = f.service or f.claimed_service
        for i in f.issues:
            rows.append(store.IssueRow(period=period.id, seq=len(rows) + 1, sha256=f.sha256 or None, file=f.name,
                                       code=i.code, severity=i.severity.value, message=i.message, hint=i.hint,
                                       sheet=i.sheet, cell=i.cell, row=i.row, key=i.key, counted=keep,
                                       department=department, service=service))
            if keep:
                counted.append(i)
    return rows, counted


def pack(text: str) -> store.PackedText:
    """`text` compressed (fast zlib) until it is stored: the plan snapshot is held while the pool runs."""
    return store.PackedText.of(text)


def plan_row(plan: Plan, packed: store.PackedText | None = None) -> dict:
    """The plans row; its snapshot is `packed` (as `pack(plan.canonical_json())` gave it) if built."""
    return {"fingerprint": plan.fingerprint, "identity": plan.identity, "organisation": plan.settings.organisation,
            "title": plan.settings.plan, "year": plan.year.label if plan.year else "",
            "snapshot": packed if packed is not None else plan.canonical_json()}


def history_rows(plan: Plan) -> list[store.HistoryRow]:
    """Each measure's history columns, by year: rows of store.history.
    Measures share their years (the plan's year columns): the order and labels of a history's
    years are worked out once per distinct set of year objects, not once per measure."""
    layouts: dict[tuple, list] = {}      # ids of a history's years, in its order → [(index, label)] by year
    figure_json, row, make = store.figure_json, store.HistoryRow, tuple.__new__   # (a national plan: 150,000 rows)
    found = []
    add = found.append
    for m in plan.measures:
        history = m.history
        ids = tuple(map(id, history))
        layout = layouts.get(ids)
        if layout is None:
            years = list(history)
            layout = layouts[ids] = [(i, years[i].slash) for i in sorted(range(len(years)),
                                                                          key=lambda i: years[i].start)]
        values = list(history.values())
        code = m.code
        for i, label in layout:      # HistoryRow(code, year, figure, source), without the keyword machinery
            add(make(row, (code, label, figure_json(values[i].figure), "plan")))
    return found
