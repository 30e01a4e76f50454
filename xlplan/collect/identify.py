"""Identify one return and verify it against the plan: which service and quarter it is for, whether
its identity sheet is genuine, and which locked rows were edited, deleted, inserted or moved.

Rows are matched by Code/Ref, never by position; targets and names always come from the plan.
"""

from __future__ import annotations

import hmac
import operator

from xlplan.contract import layout
from xlplan.errors import (
    RETURN_BAD_IDENTITY, RETURN_LOCKED_EDITED, RETURN_NO_IDENTITY, RETURN_ROW_DELETED, RETURN_ROW_EDITED,
    RETURN_ROW_INSERTED, RETURN_ROW_MOVED, RETURN_STALE_TEMPLATE, RETURN_UNKNOWN_SERVICE, RETURN_WRONG_PERIOD,
    RETURN_WRONG_PLAN, Issue, issue, suggestion,
)
from xlplan.contract.identity import canonical, content_hash, row_digest
from xlplan.collect.read import ReturnFile, SheetData
from xlplan.status import Polarity
from xlplan.values import Ratio, TargetKind, Unit, clean_text, format_value


def identify(rf: ReturnFile, plan, period) -> tuple[str | None, list[Issue]]:
    """Which service `rf` is the return of, checked against the plan and period.

    Returns (service name as on the plan, issues); service is None when the file is rejected, and
    the first error issue is the reason. A return made from an earlier version of the plan is
    accepted with a warning (targets and names always come from the current plan).
    """
    if rf.problem is not None:
        return None, [rf.problem]
    ident = rf.identity
    file = rf.name
    if ident is None or not ident["format"]:
        return None, [issue(RETURN_NO_IDENTITY, file=file, sheet=layout.IDENTITY_SHEET)]
    if ident["plan_identity"] != plan.identity:
        found = " ".join(x for x in (ident["organisation"], ident["plan"]) if x) or "an unknown plan"
        expected = " ".join(x for x in (plan.settings.organisation, plan.settings.plan) if x)
        if ident["plan"] and plan.year and ident["period"][:7] != plan.year.label:
            found += f" {ident['period'][:7]}"
            expected += f" {plan.year.label}"
        return None, [issue(RETURN_WRONG_PLAN, file=file, found=found, expected=expected or "this plan")]
    if ident["period"] != period.id:
        return None, [issue(RETURN_WRONG_PERIOD, file=file, found=ident["period"] or "no period",
                            expected=period.id)]
    svc = plan.service(ident["service"]) if ident["service"] else None
    if svc is None:
        names = [s.name for s in plan.services]
        return None, [issue(RETURN_UNKNOWN_SERVICE, file=file, service=ident["service"],
                            suggestion=suggestion(ident["service"], names))]
    found: list[Issue] = []
    if ident["plan_fingerprint"] != plan.fingerprint:
        found.append(issue(RETURN_STALE_TEMPLATE, file=file))
    return svc.name, found


def verify_content(rf: ReturnFile, key: bytes, headers: dict[str, list[str]]) -> Issue | None:
    """Check the identity sheet's keyed content hash (it covers the identity fields, the header rows
    the template was written with and every row digest)."""
    ident = rf.identity
    expected = content_hash(key, ident.fields, headers, ident.rows)
    if not hmac.compare_digest(expected, ident["content_hash"]):
        return issue(RETURN_BAD_IDENTITY, file=rf.name,
                     reason="its check code does not match; it was edited, or made with another key")
    return None


def locked_headers(sheet_name: str, period, found: list[str] = ()) -> list[str]:
    """The hashed (locked, non-formula) columns of a data sheet, in the template's header order
    (`found`: the return's own header row, which tells whether it has the Due and month columns)."""
    headers = layout.measure_headers_like(period, list(found)) if sheet_name == layout.MEASURES_SHEET \
        else layout.action_headers()
    return layout.hashed_columns(headers)


def match_rows(rf: ReturnFile, plan, service: str, period, key: bytes) -> tuple[dict[str, dict], list[Issue]]:
    """Match the return's rows to the plan's measures and actions by Code/Ref (never by position)
    and verify each locked row's digest.

    Returns ({sheet: {code: (excel row, values)}}, issues): rows deleted, inserted, repeated or
    moved, and locked cells edited (named by column where the plan shows what changed).
    """
    file = rf.name
    issues: list[Issue] = []
    entries = {(e.sheet, e.key): e for e in rf.identity.rows} if rf.identity else {}
    expected = {layout.MEASURES_SHEET: {m.code: m for m in plan.measures_for(service)},
                layout.ACTIONS_SHEET: {a.ref: a for a in plan.actions_for(service)}}
    matched: dict[str, dict] = {}
    for sheet_name, items in expected.items():
        sd = rf.sheets.get(sheet_name)
        matched[sheet_name] = {}
        if sd is None or not sd.header_row:
            continue
        key_header = "Code" if sheet_name == layout.MEASURES_SHEET else "Ref"
        locked = locked_headers(sheet_name, period, sd.headers)
        key_idx = sd.col(key_header)
        locked_cells = _cells_getter([sd.col(h) for h in locked])
        due_idx = sd.col(layout.DUE) if layout.DUE in locked else None
        if due_idx is not None:      # a row not due this quarter: its locked To date is covered too
            plain, to_idx = locked_cells, sd.col(layout.TO_DATE)
            locked_cells = lambda values: _with_to_date(plain(values), values, due_idx, to_idx)  # noqa: E731
        for row, values in sd.rows:
            key_cell = values[key_idx] if key_idx is not None and key_idx < len(values) else None
            code = row_code(key_cell)
            if code not in items or code in matched[sheet_name]:
                issues.append(issue(RETURN_ROW_INSERTED, file=file, sheet=sheet_name, row=row, key=code[:40]))
                continue
            matched[sheet_name][code] = (row, values)
            entry = entries.get((sheet_name, code))
            if entry is None:
                continue
            if entry.row != row:
                issues.append(issue(RETURN_ROW_MOVED, file=file, sheet=sheet_name, row=row, key=code,
                                    was=entry.row))
            if row_digest(key, sheet_name, code, locked_cells(values)) != entry.digest:
                issues.extend(_edited_cells(sd, row, values, items[code], file, code, plan, period))
        for code, item in items.items():
            if code not in matched[sheet_name]:
                what = "figure" if sheet_name == layout.MEASURES_SHEET else "update"
                issues.append(issue(RETURN_ROW_DELETED, file=file, sheet=sheet_name, key=code,
                                    name=item.name[:80], what=what))
    return matched, issues


def _with_to_date(cells, values: list, due_idx: int, to_idx: int | None) -> list:
    """The locked cells of a row, and its To date when its Due cell says it is not due."""
    n = len(values)
    if not layout.not_due(values[due_idx] if due_idx < n else None):
        return cells
    return [*cells, values[to_idx] if to_idx is not None and to_idx < n else None]


def row_code(cell) -> str:
    """A row's Code/Ref as matched against the plan: a numeric code 101.0 reads "101"."""
    if type(cell) is str and cell.isascii() and cell.isprintable() and "  " not in cell:
        return cell.strip()                      # what clean_text(canonical(...)) gives for plain text
    return clean_text(canonical(cell))


def _cells_getter(indexes: list[int | None]):
    """values → the cells at `indexes` as row_digest reads them (a missing column or a short row
    gives None, which canonicalises like the blank SheetData.value gives for '')."""
    if len(indexes) > 1 and None not in indexes:
        pick, last = operator.itemgetter(*indexes), max(indexes)
        return lambda values: pick(values) if last < len(values) else _cells(values, indexes)
    return lambda values: _cells(values, indexes)


def _cells(values: list, indexes: list[int | None]) -> list:
    n = len(values)
    return [values[i] if i is not None and i < n else None for i in indexes]


def _edited_cells(sd: SheetData, row: int, values: list, item, file: str, code: str, plan, period) -> list[Issue]:
    """Name the locked cells of a row whose digest failed, by comparing them with what the plan says;
    when no single column can be named (e.g. a history figure), report the row."""
    def same_text(got, want) -> bool:
        return clean_text(canonical(got)).casefold() == clean_text(canonical(want)).casefold()

    def same_parsed(parse, want):
        def check(got, _want) -> bool:
            try:
                return parse(canonical(got)) is want
            except ValueError:
                return False
        return check

    is_measure = hasattr(item, "unit")
    checks = {"Measure" if is_measure else "Action": (item.name, same_text),
              "Theme": (item.theme, same_text), "Outcome": (item.outcome, same_text)}
    if is_measure:
        checks["Unit"] = (item.unit.value, same_parsed(Unit.parse, item.unit))
        checks["Polarity"] = (item.polarity.value, same_parsed(Polarity.parse, item.polarity))
        rule = item.rule(period, plan.settings.amber_tolerance)
        if rule.target_kind is TargetKind.FIGURE and rule.target is not None:
            checks["Target"] = (rule.target, _same_figure)
    else:
        checks["Measures"] = (item.measures, same_text)
    found = []
    for column, (want, same) in checks.items():
        if sd.col(column) is None:
            continue
        got = sd.value(values, column)
        if same(got, want):
            continue
        shown = canonical(got)[:60] if got is not None else ""
        found.append(issue(RETURN_LOCKED_EDITED, file=file, sheet=sd.name, cell=sd.ref(row, column),
                           key=code, row=row, what=f"The {column.lower()} of {code}",
                           found=f"now '{shown}'" if shown else "now blank", column=column.lower(),
                           expected=f"'{_shown_plan(want, item)}'"))
    if not found:
        found.append(issue(RETURN_ROW_EDITED, file=file, sheet=sd.name, row=row, key=code))
    return found


def _same_figure(got, want) -> bool:
    if isinstance(want, Ratio):
        return clean_text(str(got or "")).replace(" ", "") == str(want)
    return isinstance(got, (int, float)) and abs(float(got) - float(want)) <= 1e-9 * max(1.0, abs(float(want)))


def _shown_plan(want, item) -> str:
    if isinstance(want, (int, float)) and hasattr(item, "unit"):
        return format_value(want, item.unit)
    return clean_text(str(want))[:60]
