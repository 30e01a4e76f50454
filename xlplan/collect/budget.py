"""Check the Budget sheet of one return, and make the budget rows a collect stores.

The sheet (xlplan/contract/budget.py) has, per budget line of the service, the line's budget from
the plan (locked, covered by a row digest on the identity sheet) beside Spend to date, Forecast
outturn and Comments. Each amount is read as money is everywhere (xlplan/values.py: 1250000,
£1,250,000, £1.25 million); a formula counts by its calculated value; blank or a no-data word
means not known yet. Anything else is an error naming the file, sheet and cell, and the line is
shown as Report later. Rows are matched by Line, never by position.
Pure per file, like the rest of examine; the rows stored are made across files in budget_rows.py.
"""

from __future__ import annotations


from xlplan.collect.entries import BudgetEntry, SpendCorrection
from xlplan.collect.identify import row_code
from xlplan.collect.read import ReturnFile
from xlplan.collect.validate import _comment, _formula
from xlplan.contract import budget as sheet
from xlplan.contract.identity import row_digest
from xlplan.errors import (BUDGET_NEGATIVE, BUDGET_NOT_A_FIGURE, BUDGET_NO_COMMENT, CELL_FORMULA_NO_VALUE,
                           CELL_FORMULA_USED, CORRECTION_NO_FIGURE, CORRECTION_NO_REASON, RETURN_MISSING_COLUMN, RETURN_MISSING_SHEET, RETURN_ROW_DELETED,
                           RETURN_ROW_EDITED, RETURN_ROW_INSERTED, Issue, issue, suggestion)
from xlplan.periods import Period
from xlplan.plan.budget import judge, variance_text
from xlplan.status import Status
from xlplan.values import Unit, ValueProblem, format_value, parse_value


def check_budget(rf: ReturnFile, plan, service: str, period: Period,
                 key: bytes) -> tuple[dict[str, BudgetEntry], list[Issue]]:
    """The budget lines a return reports (by Line) and the issues its Budget sheet raises. A return
    whose template had no Budget sheet reports none."""
    entries = {e.key: e for e in rf.identity.rows if e.sheet == sheet.BUDGET_SHEET} if rf.identity else {}
    lines = {b.line: b for b in plan.budget.for_service(service)} if plan.budget is not None else {}
    if not entries or not lines:
        return {}, []
    file = rf.name
    sd = rf.sheets.get(sheet.BUDGET_SHEET)
    if sd is None or not sd.header_row:
        others = [s for s in rf.sheet_names if s != "xlplan"]
        return {}, [issue(RETURN_MISSING_SHEET, file=file, sheet=sheet.BUDGET_SHEET,
                          suggestion=suggestion(sheet.BUDGET_SHEET, others))]
    found: list[Issue] = []
    restating = period.quarter > 1 and sheet.reported_header(period) in sd.headers
    lost = [h for h in sheet.headers(period, restating) if sd.col(h) is None]
    for h in lost:
        found.append(issue(RETURN_MISSING_COLUMN, file=file, sheet=sd.name, column=h,
                           suggestion=suggestion(h, [x for x in sd.headers if x])))
    if lost:
        return {}, found
    hashed = [sd.col(h) for h in sheet.hashed_columns(period, restating)]
    got: dict[str, BudgetEntry] = {}
    tolerance = plan.budget.tolerance
    for row, values in sd.rows:
        name = row_code(values[sd.col(sheet.KEY)])
        entry = entries.get(name)
        if entry is None or name in got or name not in lines:
            found.append(issue(RETURN_ROW_INSERTED, file=file, sheet=sd.name, row=row, key=name[:40]))
            continue
        cells = [values[i] if i < len(values) else None for i in hashed]
        trusted = row_digest(key, sd.name, name, cells) == entry.digest
        if not trusted:
            found.append(issue(RETURN_ROW_EDITED, file=file, sheet=sd.name, row=row, key=name))
        got[name] = e = _entry(sd, row, values, name, file)
        if restating:
            e.correction = _correction(sd, row, values, name, file, period, cells[-1] if trusted else None, e)
        line = lines[name]
        verdict = judge(line, period.quarter, e.spend, e.forecast, tolerance)
        if verdict.status in (Status.RED, Status.AMBER) and not e.comment:
            e.issues.append(issue(BUDGET_NO_COMMENT, file=file, sheet=sd.name, cell=sd.ref(row, sheet.COMMENTS),
                                  row=row, key=f"Budget: {name}", status=verdict.status.value,
                                  variance=variance_text(verdict.variance, line.income_line) or
                                  "forecast " + variance_text(verdict.forecast_variance, line.income_line)))
        found.extend(e.issues)
    for name, line in lines.items():
        if name not in got:
            found.append(issue(RETURN_ROW_DELETED, file=file, sheet=sd.name, key=name, name=name[:80],
                               what="spend"))
    return got, found


def _entry(sd, row: int, values: list, name: str, file: str) -> BudgetEntry:
    e = BudgetEntry(name, None, None, "", sd.name, sd.ref(row, sheet.SPEND), sd.ref(row, sheet.FORECAST), row)
    where = dict(file=file, sheet=sd.name, key=f"Budget: {name}", row=row)
    amounts = []
    for header, ref in ((sheet.SPEND, e.spend_cell), (sheet.FORECAST, e.forecast_cell)):
        raw = sd.value(values, header)
        if ref in sd.formulas:
            shown, usable = _formula(sd, ref, raw)
            if not usable:
                e.issues.append(issue(CELL_FORMULA_NO_VALUE, cell=ref, formula=shown, **where))
                e.in_error = True
                amounts.append(None)
                continue
            e.issues.append(issue(CELL_FORMULA_USED, cell=ref, found=str(raw)[:80], **where))
        amounts.append(_amount(raw, header, ref, where, e))
    e.spend, e.forecast = amounts
    e.comment = _comment(sd, row, values, f"Budget: {name}", file, e.issues, sd.ref(row, sheet.COMMENTS),
                         sd.col(sheet.COMMENTS))
    return e


def _correction(sd, row: int, values: list, name: str, file: str, period: Period, reported,
                e: BudgetEntry) -> SpendCorrection | None:
    """Last quarter's spend corrected on this row: None when nothing is corrected (blank, a no-data
    word, the figure as reported) or the correction cannot be used (said in `e.issues`)."""
    header, q = sheet.corrected_header(period), sheet.quarter_name(period)
    ref, reason_ref = sd.ref(row, header), sd.ref(row, sheet.REASON)
    where = dict(file=file, sheet=sd.name, key=f"Budget: {name}", row=row)
    before = len(e.issues)
    raw = sd.value(values, header)
    if ref in sd.formulas:
        shown, usable = _formula(sd, ref, raw)
        if not usable:
            e.issues.append(issue(CELL_FORMULA_NO_VALUE, cell=ref, formula=shown, **where))
            return None
    in_error = e.in_error
    spend = _amount(raw, header, ref, where, e)
    bad = any(i.is_error for i in e.issues[before:])
    e.in_error = in_error                       # a bad correction leaves this quarter's spend usable
    reason = _comment(sd, row, values, f"Budget: {name}", file, e.issues, reason_ref, sd.col(sheet.REASON))
    was = reported if isinstance(reported, (int, float)) and not isinstance(reported, bool) else None
    if spend is None or bad:
        if reason and not bad:
            e.issues.append(issue(CORRECTION_NO_FIGURE, cell=reason_ref, quarter=f"{q} spend",
                                  corrected_cell=f"{sd.name}!{ref}", **where))
        return None
    if was is not None and abs(spend - float(was)) < 0.005:
        return None                              # the spend as reported: nothing changed
    if not reason:
        e.issues.append(issue(CORRECTION_NO_REASON, cell=reason_ref, quarter=f"{q} spend", corrected_cell=f"{sd.name}!{ref}",
                              reported=format_value(was, Unit.MONEY) if was is not None else "no figure",
                              corrected=format_value(spend, Unit.MONEY), **where))
        return None
    return SpendCorrection(spend, float(was) if was is not None else None, reason, ref, reason_ref)


def _amount(raw, header: str, ref: str, where: dict, e: BudgetEntry) -> float | None:
    """An amount typed in Spend to date or Forecast outturn; None when blank, a no-data word or in error."""
    if raw is None:
        return None
    try:
        value = parse_value(raw, Unit.MONEY)
    except ValueProblem as p:
        e.issues.append(issue(BUDGET_NOT_A_FIGURE, cell=ref, column=header, found=p.found[:80], **where))
        e.in_error = True
        return None
    if value.figure is None:
        return None
    x = float(value.figure)
    if x < 0:
        e.issues.append(issue(BUDGET_NEGATIVE, cell=ref, column=header, found=format_value(x, Unit.MONEY), **where))
        e.in_error = True
        return None
    return x
