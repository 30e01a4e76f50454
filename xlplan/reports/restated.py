"""Restated figures in the reports: an earlier quarter's figure changed after it was reported.

The quarter whose returns carried the corrections says so: a short "Restated figures" part of the
cover report's terms (one line each: `Q1 restated: 82% → 85%, reason: …`), a table in Appendix 1
with both statuses in colour and words, who gave the correction and where, and a "Restated
figures" sheet in the summary workbook. The earlier quarter's own report is never changed: its
figures stay as reported there. Text from a return (the reason) is written as plain text only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlplan.reports.docx_tables import Cell, Column, cm, status_cell
from xlplan.reports.narrative import Block, sentence, xml_safe
from xlplan.store import PeriodResults, Restatement
from xlplan.values import Ratio, Unit

if TYPE_CHECKING:
    from xlplan.reports.docx_writer import Writer

TITLE = "Restated figures"
SHEET = "Restated figures"


def lines(results: PeriodResults) -> list[str]:
    """One sentence per restatement: `Name (CODE, Service): Q1 restated: 71% → 76%, reason: …`."""
    found = []
    for r in results.restatements:
        status = f" Status {r.reported_status.value} → {r.status.value}." \
            if r.reported_status is not None and r.reported_status is not r.status else ""
        found.append(sentence(f"{r.name} ({r.code}, {r.service}): {r.line()}") + status)
    return found


def write_cover(w: "Writer", results: PeriodResults) -> None:
    """The cover report's "Restated figures" paragraphs, when this quarter's returns restated any."""
    if not results.restatements:
        return
    n = len(results.restatements)
    quarters = sorted({r.quarter for r in results.restatements})
    w.runs(Block("p", [(TITLE, True)]))
    w.paragraph(f"{n} figure{'s' if n != 1 else ''} reported for {' and '.join(quarters)} "
                f"{'were' if n != 1 else 'was'} corrected by the service{'s' if n != 1 else ''} in this quarter's "
                f"returns and {'are' if n != 1 else 'is'} restated below. The figures as first reported are kept; "
                "comparisons with last quarter in this report use the restated figures.")
    numbered = bool(w.doc.styles["List Bullet"].element.xpath(".//w:numPr"))
    for line in lines(results):
        w.runs(Block("bullet", [(line if numbered else "• " + line, False)]), "List Bullet")


def write_table(w: "Writer", results: PeriodResults) -> None:
    """Appendix 1's table of the restatements this quarter's returns carried (nothing when none)."""
    if not results.restatements:
        return
    w.heading(TITLE, 2)
    w.paragraph("Figures for an earlier quarter corrected in this quarter's returns. The figure as reported "
                "is kept in the store beside the restated one.", keep_with_next=True)
    columns = [Column("Performance Indicator", cm(6.5)), Column("Quarter", cm(1.8), "center"),
               Column("As reported", cm(2.6), "center"), Column("Restated", cm(2.6), "center"),
               Column("Reason", cm(7.5)), Column("Provided by", cm(4.5))]
    w.table(columns, (_row(r) for r in results.restatements))


def _row(r: Restatement) -> list:
    before = status_cell(r.reported_status.value, r.reported_text) if r.reported_status is not None \
        else Cell(r.reported_text)
    return [Cell(r.name, note=f"{r.code} · {r.service}"), r.quarter, before, status_cell(r.status.value, r.display),
            r.reason, Cell(r.manager or r.service, note=f"{r.collected:%d/%m/%Y} · {r.source}")]


# --- the summary workbook --------------------------------------------------------------------------

HEADERS = ["Code", "Measure", "Service", "Manager", "Quarter restated", "As reported", "Status as reported",
           "Restated", "Status restated", "Reason", "Collected", "Source file", "Source sheet", "Source cell",
           "sha256"]
WIDTHS = {"Measure": 44, "Service": 22, "Manager": 18, "Reason": 60, "Source file": 34, "sha256": 30,
          "Collected": 17}


def write_sheet(wb, f, results: PeriodResults) -> None:
    """The summary workbook's "Restated figures" sheet (written only when there are restatements).
    `f` is the workbook's Formats (reports/workbook.py)."""
    if not results.restatements:
        return
    ws = wb.add_worksheet(SHEET)
    ws.set_row(0, 30)
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h, f.header)
        ws.set_column(c, c, WIDTHS.get(h, 13))
    status_cols = (HEADERS.index("Status as reported"), HEADERS.index("Status restated"))
    for row, r in enumerate(results.restatements, 1):
        cells = [r.code, r.name, r.service, r.manager, r.quarter, _figure(r.reported, r.unit, f) or r.reported_text,
                 r.reported_status.value if r.reported_status else "", _figure(r.figure, r.unit, f),
                 r.status.value, r.reason, (r.collected, f.date), r.source.file, r.source.sheet, r.source.cell,
                 r.source.sha256]
        for col, cell in enumerate(cells):
            value, fmt = cell if isinstance(cell, tuple) else (cell, f.text)
            if isinstance(value, str):
                ws.write_string(row, col, xml_safe(value), fmt)
            elif hasattr(value, "year"):
                ws.write_datetime(row, col, value, fmt)
            elif value is not None:
                ws.write_number(row, col, value, fmt)
    last = len(results.restatements)
    for col in status_cols:
        for word, fmt in f.rag.items():
            ws.conditional_format(1, col, last, col, {"type": "cell", "criteria": "==", "value": f'"{word}"',
                                                      "format": fmt})
    ws.autofilter(0, 0, last, len(HEADERS) - 1)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _figure(figure, unit: Unit, f):
    """(value, format) for a figure as the summary writes one: a ratio as its text."""
    if figure is None:
        return None
    if isinstance(figure, Ratio):
        return str(figure), f.text
    x = float(figure)
    if unit is Unit.PERCENT:
        return x, f.numbers["%0" if round(x * 100, 1).is_integer() else "%1"]
    return x, f.numbers[("£" if unit is Unit.MONEY else "n") + ("0" if round(x, 2).is_integer() else "2")]


def last_quarter_note(m, results: PeriodResults) -> str:
    """The summary's mark beside last quarter's figure when it is shown restated."""
    r = m.restated.get(results.period.previous().id)
    return f"Restated ({r.reason[:200]}); reported {r.reported_text}" if r is not None else ""
