"""Resources in the reports: a table per service of its activity budget against spend to date.

For each service with budget lines (the plan's Budget sheet, stored by collect): Line, FTE, Budget
(the year's net budget), Profiled to date, Spend to date, Variance, Forecast outturn and Status (the
word on its colour), with a Total row. An Income line's amounts are income: shown in brackets and
taken off the net totals, as the plan's own tables show them. The totals are the sums of the lines
as shown (whole pounds), and are checked again from the rendered cells before the table is
written: a table whose total row does not add up is an error (REPORT_TOTALS_MISMATCH), never
printed. The summary workbook has a Budget sheet with every line and its source.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from xlplan.errors import REPORT_TOTALS_MISMATCH, XlplanError, issue
from xlplan.plan.budget import variance_text
from xlplan.reports.docx_tables import Cell, Column, cm, status_cell
from xlplan.reports.narrative import xml_safe
from xlplan.status import Status
from xlplan.store import BudgetResult, PeriodResults

if TYPE_CHECKING:
    from xlplan.reports.docx_writer import Writer

TITLE = "Resources"
COLUMNS = [("Line", 7.4, "left"), ("FTE", 1.5, "right"), ("Budget", 2.7, "right"),
           ("Profiled to date", 2.7, "right"), ("Spend to date", 2.7, "right"), ("Variance", 3.2, "right"),
           ("Forecast outturn", 2.7, "right"), ("Status", 2.4, "center")]
SUMMED = {"FTE": 1, "Budget": 2, "Profiled to date": 3, "Spend to date": 4, "Forecast outturn": 6}


def services(results: PeriodResults) -> list[str]:
    """Services with budget lines, in the plan's Services order."""
    have = by_service(results)
    return [s.name for s in results.plan.services if s.name in have]


def by_service(results: PeriodResults) -> dict[str, list[BudgetResult]]:
    """Each service's budget lines, in plan order (grouped once: a national report has thousands)."""
    found: dict[str, list[BudgetResult]] = {}
    for b in results.budget:
        found.setdefault(b.service, []).append(b)
    return found


def pounds(x: float | None, blank: str = "–") -> str:
    """Whole pounds as a table shows them: £1,234,567; below zero in brackets, (£82,500)."""
    if x is None:
        return blank
    n = round(x)
    return f"(£{-n:,})" if n < 0 else f"£{n:,}"


def _fte(x: float | None) -> str:
    return "–" if x is None else f"{x:,.1f}"


def table_rows(results: PeriodResults, service: str, lines: list[BudgetResult] | None = None) -> list[list]:
    """The rows of a service's resources table (`lines`: its budget lines, if already grouped), its
    Total row last."""
    lines = lines if lines is not None else by_service(results).get(service, [])
    rows = [_row(b) for b in lines]
    rows.append(_total(lines))
    return rows


def _row(b: BudgetResult) -> list:
    name = Cell(b.line, note="Income" if b.income_line else "") if b.income_line else b.line
    variance = b.signed(b.variance)
    shown_var = pounds(variance, "")
    words = variance_text(None if b.variance is None else round(b.variance), b.income_line)
    return [name, _fte(b.fte), pounds(b.net), pounds(b.signed(b.profiled)), pounds(b.signed(b.spend)),
            Cell(shown_var, note=words) if words else "–", pounds(b.signed(b.forecast)),
            status_cell(b.status.value)]


def _total(lines: list[BudgetResult]) -> list:
    """The Total row: the sums of the whole pounds the rows show (spend and forecast only when every
    line has one, else the sum so far, marked)."""
    def whole(x):
        return 0 if x is None else round(x)
    fte = sum(b.fte or 0 for b in lines)
    spend = [b.signed(b.spend) for b in lines]
    forecast = [b.signed(b.forecast) for b in lines]
    partial = any(x is None for x in spend)
    spend_total = sum(whole(x) for x in spend)
    variance_total = sum(whole(b.signed(b.variance)) for b in lines if b.variance is not None)
    return ["Total" + (" (lines returned)" if partial else ""), _fte(fte), pounds(sum(whole(b.net) for b in lines)),
            pounds(sum(whole(b.signed(b.profiled)) for b in lines)),
            pounds(spend_total) if any(x is not None for x in spend) else "–",
            pounds(variance_total) if any(b.variance is not None for b in lines) else "–",
            pounds(sum(whole(x) for x in forecast)) if any(x is not None for x in forecast) else "–", ""]


_AMOUNT = re.compile(r"^\((£[\d,]+)\)$|^(£[\d,]+)$|^([\d,]+\.\d)$")


def _number(text) -> float | None:
    """The figure a rendered cell shows (£1,234, (£82,500), 58.2), or None for –, blank or words."""
    if isinstance(text, Cell):
        text = text.text
    m = _AMOUNT.match(str(text))
    if not m:
        return None
    if m.group(1):
        return -float(m.group(1)[1:].replace(",", ""))
    if m.group(2):
        return float(m.group(2)[1:].replace(",", ""))
    return float(m.group(3).replace(",", ""))


def check_totals(service: str, rows: list[list]) -> None:
    """Raise XlplanError (REPORT_TOTALS_MISMATCH) unless each summed column of the Total row is the
    sum of the figures the lines above it show."""
    *lines, total = rows
    for column, i in {**SUMMED, "Variance": 5}.items():
        shown = _number(total[i])
        found = [_number(r[i]) for r in lines]
        if shown is None and all(x is None for x in found):
            continue
        added = round(sum(x for x in found if x is not None), 1)
        if shown is None or abs(added - shown) > 0.05:
            got = issue(REPORT_TOTALS_MISMATCH, key=service, column=column,
                        total=str(total[i].text if isinstance(total[i], Cell) else total[i]),
                        sum=f"{added:,.1f}" if column == "FTE" else pounds(added))
            raise XlplanError(f"{got.message}. {got.hint}")


def cover_lines(results: PeriodResults) -> tuple[str, list[str]]:
    """The cover report's words on resources: a summary sentence (how the lines stand, net spend
    against the profiled budget) and one line per line over budget (Red); ('', []) with no budget."""
    if not results.budget:
        return "", []
    counts = {s: sum(1 for b in results.budget if b.status is s) for s in Status}
    summary = f"Of {len(results.budget)} budget lines, " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    returned = [b for b in results.budget if b.spend is not None]
    if returned:
        spend = sum(round(b.signed(b.spend)) for b in returned)
        profiled = sum(round(b.signed(b.profiled)) for b in returned)
        diff = spend - profiled
        summary += (f". Net spend to {results.period.end:%B %Y} on the lines returned is {pounds(spend)} against "
                    f"{pounds(profiled)} profiled: " + ("on budget" if not diff else
                                                       f"{pounds(abs(diff))} {'over' if diff > 0 else 'under'}"))
    reds = [f"{b.line} ({b.service}): {variance_text(round(b.variance), b.income_line)} to date"
            + (f", forecast {variance_text(round(b.forecast_variance), b.income_line)} for the year"
               if b.forecast_variance is not None else "") + "."
            for b in results.budget if b.status is Status.RED and b.variance is not None]
    return summary + ". The tables are in Appendix 1.", reds


def write_cover(w: "Writer", results: PeriodResults) -> None:
    """The cover report's "Resources" paragraphs (in its terms), when the plan has a budget."""
    summary, reds = cover_lines(results)
    if not summary:
        return
    from xlplan.reports.narrative import Block, sentence
    w.runs(Block("p", [(TITLE, True)]))
    w.paragraph(summary)
    numbered = bool(w.doc.styles["List Bullet"].element.xpath(".//w:numPr"))
    for line in reds + [sentence(f"{r.line} ({r.service}): {r.line_text()}") for r in results.budget_restatements]:
        w.runs(Block("bullet", [(line if numbered else "• " + line, False)]), "List Bullet")


def write_section(w: "Writer", results: PeriodResults) -> None:
    """The appendix's Resources part: a table per service (nothing when the plan has no budget)."""
    if not results.budget:
        return
    w.page_break()                                   # the resources tables start on a fresh page
    w.heading(TITLE, 2)
    counts = {s: sum(1 for b in results.budget if b.status is s) for s in Status}
    from xlplan.values import Unit
    tolerance = results.plan.budget.tolerance.describe(Unit.MONEY) if results.plan.budget is not None else "10%"
    said = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    w.paragraph(f"Spend to {results.period.end:%B %Y} against each service's activity budget profiled to "
                f"Q{results.period.quarter}, and the forecast outturn against the year's budget: {said}. Over "
                f"budget by up to {tolerance} is Amber, by more Red; for an income line, falling short is. "
                "Income is shown in brackets and taken off the net totals.", keep_with_next=True)
    columns = [Column(h, cm(width), align) for h, width, align in COLUMNS]
    grouped = by_service(results)
    for service in services(results):
        rows = table_rows(results, service, grouped[service])
        check_totals(service, rows)
        w.heading(service, 3)
        w.table(columns, rows, total_row=True)
        notes = [b for b in grouped[service] if b.comment and b.status in (Status.RED, Status.AMBER)]
        for b in notes:
            w.paragraph(f"{b.line}: {xml_safe(b.comment)}", "Table Text")
        for r in (r for r in results.budget_restatements if r.service == service):
            w.paragraph(f"{r.line}: {xml_safe(r.line_text())} ({r.status.value} under {r.quarter}'s budget; "
                        f"from {r.source}).", "Table Text")


# --- the summary workbook --------------------------------------------------------------------------

HEADERS = ["Service", "Line", "Type", "FTE", "Expenditure", "Income", "Net budget", "Profile", "Profiled to date",
           "Spend to date", "Variance", "Forecast outturn", "Forecast variance", "Status", "Reason", "Comments",
           "Source file", "Source sheet", "Source cell"]
RESTATED_HEADERS = ["Service", "Line", "Manager", "Quarter restated", "Spend as reported", "Spend restated", "Status",
                    "Reason", "Collected", "Source file", "Source sheet", "Source cell", "sha256"]
WIDTHS = {"Service": 24, "Line": 40, "Reason": 60, "Type": 9, "FTE": 8, "Profile": 18, "Comments": 50,
          "Source file": 34}


def write_sheet(wb, f, results: PeriodResults, table) -> None:
    """The summary workbook's Budget sheet (only when the plan has a budget). `f`: reports/workbook.Formats;
    `table`: its filterable table writer."""
    if not results.budget:
        return
    money = f.numbers["£0"]

    def cell(x):
        return (x, money) if x is not None else None

    rows = [[b.service, b.line, b.kind, b.fte, cell(b.expenditure), cell(b.income), cell(b.net), b.profile,
             cell(b.profiled), cell(b.spend), cell(b.variance), cell(b.forecast), cell(b.forecast_variance),
             b.status.value, b.reason, b.comment, b.source.file if b.source else "",
             b.source.sheet if b.source else "", b.source.cell if b.source else ""] for b in results.budget]
    table(wb.add_worksheet("Budget"), f, HEADERS, rows, WIDTHS)
    if results.budget_restatements:
        restated = [[r.service, r.line, r.manager, r.quarter, cell(r.reported), cell(r.spend), r.status.value,
                     r.reason, r.collected, r.source.file, r.source.sheet, r.source.cell, r.source.sha256]
                    for r in results.budget_restatements]
        table(wb.add_worksheet("Budget restated"), f, RESTATED_HEADERS, restated, WIDTHS)
