"""The Budget sheet of a return template (layout in xlplan/contract/budget.py).

The service's activity budget from the plan, locked and covered by the row digest: each line's
type, FTE, expenditure, income, net budget and the budget profiled to the quarter's end; beside
them yellow Spend to date and Forecast outturn cells (validated: an amount of £0 or more) and a
Comments cell; under them a Total row of formulas. Only written when the service has budget lines.
"""

from __future__ import annotations

from xlplan.contract import budget as sheet
from xlplan.templates.sheets import (HEADER_ROW, DataRow, SheetContext, _a1, _banner, finish_sheet,
                                     _comment_validation, _headers, row_height)
from xlplan.values import Unit, format_value

WIDTHS = {sheet.KEY: 46, "Type": 9, "FTE": 8, "Expenditure": 14, "Income": 13, "Net budget": 14,
          sheet.PROFILED: 14, sheet.SPEND: 14, sheet.FORECAST: 14, sheet.COMMENTS: 50}
MONEY = "£#,##0"
INPUT_MONEY = "£#,##0.00"
SUMMED = ["FTE", "Expenditure", "Income", "Net budget", sheet.PROFILED, sheet.SPEND, sheet.FORECAST]


def notes(ctx: SheetContext) -> dict[str, str]:
    q = f"Q{ctx.period.quarter}"
    return {
        "Type": "Service: spending over the budget is worse. Income: a budget of income to recover, where "
                "falling short is worse.",
        "Net budget": "The net revenue budget for the year: expenditure less income (an Income line's is the "
                      "income to recover, shown below zero).",
        sheet.PROFILED: f"The share of the year's budget due to be spent (for an Income line: the income due to be "
                        f"recovered) by the end of {q}, by the line's profile in the plan (even, unless the plan "
                        "profiles it by quarter). The Total row is net: service lines less income lines.",
        sheet.SPEND: f"Net spend to the end of {ctx.period.end:%B %Y} (for an Income line, income received to "
                     "date), in pounds. Leave blank if not known yet.",
        sheet.FORECAST: "What you expect the year's net spend (or income) to be, in pounds.",
        sheet.COMMENTS: "Explain any variance from the profiled budget or the annual budget, and what is being done.",
    }


Offers = dict[tuple[str, str], float]    # (service, line) → last quarter's spend as the store holds it


def write_budget(wb, ctx: SheetContext, offers: Offers | None = None) -> tuple[list[str], list[DataRow]] | None:
    """Write the Budget sheet for the service's budget lines; (headers, rows) for the identity sheet,
    or None when it has none (no sheet is written). `offers`: last quarter's stored spend, offered
    for correction in three more columns (only when the store holds some for the service)."""
    budget = ctx.plan.budget
    lines = budget.for_service(ctx.service) if budget is not None else []
    if not lines:
        return None
    offered = {b.line: offers[(b.service, b.line)] for b in lines if (b.service, b.line) in (offers or {})} \
        if ctx.period.quarter > 1 else {}
    restating = bool(offered)
    ws = wb.add_worksheet(sheet.BUDGET_SHEET)
    fm = ctx.formats
    headers = sheet.headers(ctx.period, restating)
    col = {h: i for i, h in enumerate(headers)}
    tolerance = budget.tolerance.describe(Unit.MONEY)
    _banner(ws, fm, f"{ctx.service}: budget for {ctx.period.label}",
            f"Spend to the end of {ctx.period.end:%B %Y} against the budget profiled to Q{ctx.period.quarter}"
            + (f". Return by {ctx.deadline}." if ctx.deadline else "."),
            f"Type Spend to date and Forecast outturn for each line (in pounds). Over the profiled budget by up to "
            f"{tolerance} is Amber, by more Red; for an Income line, falling short is.")
    q = sheet.quarter_name(ctx.period)
    widths = {**WIDTHS, sheet.COMMENTS: 40, sheet.REASON: 36, sheet.reported_header(ctx.period): 13,
              sheet.corrected_header(ctx.period): 13} if restating else WIDTHS
    _headers(ws, fm, headers, widths, inputs=sheet.inputs(ctx.period, restating),
             notes={**notes(ctx), **({sheet.reported_header(ctx.period): f"The spend to date you reported for {q}, "
                                      "as the store holds it.",
                                      sheet.corrected_header(ctx.period): f"Only if the {q} spend has changed since "
                                      "(e.g. a late invoice or journal): the corrected figure, in pounds.",
                                      sheet.REASON: "Why the figure changed. Needed for every correction."}
                                     if restating else {})})
    money = fm.figure(MONEY)
    rows: list[DataRow] = []
    r = HEADER_ROW + 1
    hashed = sheet.hashed_columns(ctx.period, restating)
    for line in lines:
        values: dict[str, object] = {sheet.KEY: line.line, "Type": line.kind, "FTE": line.fte,
                                     "Expenditure": line.expenditure, "Income": line.income,
                                     "Net budget": line.net, sheet.PROFILED: line.profiled(ctx.period.quarter)}
        ws.write_string(r, col[sheet.KEY], line.line, fm.text())
        ws.write_string(r, col["Type"], line.kind, fm.text(align="center"))
        for h in sheet.LOCKED[2:]:
            if values[h] is None:
                ws.write_blank(r, col[h], None, fm.text())
            else:
                ws.write_number(r, col[h], values[h], fm.figure("#,##0.0") if h == "FTE" else money)
        for h in (sheet.SPEND, sheet.FORECAST):
            ws.write_blank(r, col[h], None, fm.input(INPUT_MONEY, align="right"))
            _money_validation(ws, r, col[h], h, line.income_line)
        ws.write_blank(r, col[sheet.COMMENTS], None, fm.input(wrap=True))
        _comment_validation(ws, r, col[sheet.COMMENTS])
        if restating:
            values[hashed[-1]] = _restating_cells(ws, fm, r, col, ctx, offered.get(line.line), line.income_line)
        ws.set_row(r, row_height(line.line, WIDTHS[sheet.KEY]))
        rows.append(DataRow(line.line, r + 1, [values.get(h) for h in hashed]))
        r += 1
    _total_row(ws, ctx, r, col, len(lines))
    finish_sheet(ws, ctx, headers, r, freeze_cols=1, title=f"Budget for {ctx.period.label}")
    return headers, rows


def _restating_cells(ws, fm, r: int, col: dict[str, int], ctx: SheetContext, reported, income: bool):
    """Last quarter's spend as reported (locked; blank when none was stored), and the yellow corrected
    figure and reason; the value written to the reported cell (for the row digest)."""
    c = col[sheet.reported_header(ctx.period)]
    if reported is None:
        ws.write_blank(r, c, None, fm.text())
    else:
        ws.write_number(r, c, reported, fm.figure(MONEY))
    corrected = col[sheet.corrected_header(ctx.period)]
    ws.write_blank(r, corrected, None, fm.input(INPUT_MONEY, align="right"))
    _money_validation(ws, r, corrected, sheet.corrected_header(ctx.period), income)
    ws.write_blank(r, col[sheet.REASON], None, fm.input(wrap=True))
    _comment_validation(ws, r, col[sheet.REASON])
    return reported


def _total_row(ws, ctx: SheetContext, r: int, col: dict[str, int], n: int) -> None:
    """The Total row: its Line cell blank (collect reads it as no line), sums of the lines as formulas."""
    fm = ctx.formats
    bold = fm.get(bold=True, border=1, border_color="#BFBFBF", top=2)
    ws.write_blank(r, col[sheet.KEY], None, bold)
    ws.write_string(r, col["Type"], sheet.TOTAL + " (net)", bold)
    first, last = HEADER_ROW + 1, HEADER_ROW + n
    lines = ctx.plan.budget.for_service(ctx.service)
    q = ctx.period.quarter
    kinds = f"{_a1(first, col['Type'])}:{_a1(last, col['Type'])}"
    for h in SUMMED:
        c = col[h]
        cells = f"{_a1(first, c)}:{_a1(last, c)}"
        cached = {"FTE": sum(b.fte or 0 for b in lines), "Expenditure": sum(b.expenditure for b in lines),
                  "Income": sum(b.income for b in lines), "Net budget": sum(b.net for b in lines),
                  sheet.PROFILED: sum(-b.profiled(q) if b.income_line else b.profiled(q) for b in lines)}.get(h, 0)
        # the amounts typed (and profiled) for an Income line are income: the total is net of them
        formula = f'=SUMIF({kinds},"Service",{cells})-SUMIF({kinds},"Income",{cells})' \
            if h in (sheet.PROFILED, sheet.SPEND, sheet.FORECAST) else f"=SUM({cells})"
        ws.write_formula(r, c, formula,
                         fm.get(bold=True, border=1, border_color="#BFBFBF", top=2, align="right",
                                num_format="#,##0.0" if h == "FTE" else MONEY), cached)
    ws.write_blank(r, col[sheet.COMMENTS], None, bold)


def _money_validation(ws, r: int, c: int, header: str, income: bool) -> None:
    what = "income received" if income else "net spend"
    ws.data_validation(r, c, r, c, {
        "validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": True,
        "input_title": header[:32],
        "input_message": (f"The {what} in pounds, e.g. 1250000 or 1,250,000. Leave blank if not known yet."
                          if header == sheet.SPEND else
                          f"The {what} you expect for the whole year, in pounds." if header == sheet.FORECAST else
                          "The corrected figure in pounds; leave blank if it has not changed.")[:255],
        "error_title": "Not an amount"[:32], "error_type": "stop",
        "error_message": "Type an amount in pounds of 0 or more, e.g. 1250000. Explain in Comments."[:255]})


def budget_lines_text(ctx: SheetContext) -> str:
    """`5 budget lines (£1,234,567 net)` for the Instructions sheet."""
    lines = ctx.plan.budget.for_service(ctx.service) if ctx.plan.budget is not None else []
    total = sum(b.budget for b in lines if not b.income_line)
    return f"{len(lines)} budget line{'s' if len(lines) != 1 else ''} ({format_value(total, Unit.MONEY)} net)"
