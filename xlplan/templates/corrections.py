"""The Corrections sheet of a return template (layout in xlplan/contract/corrections.py).

Last quarter's figure for each of the service's measures, as the store holds it, read-only and
covered by the row digest, beside a yellow "Q1 corrected" cell (checked as the To date cell is)
and a yellow "Reason for correction" cell. Only written when there are figures to offer: the first
quarter collected, or a template made without a store, has no Corrections sheet.
"""

from __future__ import annotations

from xlplan.contract import corrections as sheet
from xlplan.templates.sheets import (HEADER_ROW, DataRow, SheetContext, _a1, _banner, finish_sheet,
                                     _headers, _to_date_validation, _write_figure, row_height)
from xlplan.templates.style import input_format

WIDTHS = {"Code": 9, "Measure": 50, "Unit": 7, sheet.REASON: 60}

Offers = dict[str, tuple[object, str]]   # Code → (last quarter's figure or None, its text as shown)


def write_corrections(wb, ctx: SheetContext, offers: Offers | None) -> tuple[list[str], list[DataRow]] | None:
    """Write the Corrections sheet for the service's measures that have a figure (or a no-data word)
    stored for the quarter before; (headers, rows) for the identity sheet, or None when there is
    nothing to offer (no sheet is written)."""
    measures = [m for m in ctx.plan.measures_for(ctx.service) if m.code in (offers or {})]
    if not measures:
        return None
    ws = wb.add_worksheet(sheet.CORRECTIONS_SHEET)
    fm = ctx.formats
    q = sheet.quarter_name(ctx.period)
    headers = sheet.headers(ctx.period)
    col = {h: i for i, h in enumerate(headers)}
    _banner(ws, fm, f"{ctx.service}: corrections to {q} as reported",
            f"Only if a figure you reported for {q} has changed since: a late correction, a system figure "
            f"finalised, or a result that was not yet available.",
            f"Type the corrected figure in {sheet.corrected_header(ctx.period)} and say why in {sheet.REASON}. "
            f"Leave both blank if nothing changed: the {q} report keeps the figure as reported.")
    _headers(ws, fm, headers, {**WIDTHS, sheet.reported_header(ctx.period): 12,
                               sheet.corrected_header(ctx.period): 12},
             inputs=sheet.inputs(ctx.period),
             notes={sheet.reported_header(ctx.period): f"The figure reported for {q}, as the store holds it.",
                    sheet.corrected_header(ctx.period): f"The corrected figure for {q}, typed as in To date "
                                                        "(e.g. 85%). Leave blank if it has not changed.",
                    sheet.REASON: "Why the figure changed, e.g. late recording found, system figure finalised. "
                                  "Needed for every correction."})
    rows: list[DataRow] = []
    r = HEADER_ROW + 1
    hashed = sheet.hashed_columns(ctx.period)
    for m in measures:
        figure, text = offers[m.code]
        values: dict[str, object] = {"Code": m.code, "Measure": m.name, "Unit": m.unit.value}
        for h in sheet.LOCKED:
            ws.write_string(r, col[h], values[h], fm.text(align="center") if h != "Measure" else fm.text())
        values[hashed[-1]] = _write_figure(ws, fm, r, col[hashed[-1]],
                                           figure if figure is not None else (text or None), m.unit)
        corrected = col[sheet.corrected_header(ctx.period)]
        ws.write_blank(r, corrected, None, fm.input(input_format(m.unit), align="right"))
        _to_date_validation(ws, ctx, r, corrected, m.unit, _a1(r, corrected), month=f"{q} corrected")
        ws.write_blank(r, col[sheet.REASON], None, fm.input(wrap=True))
        ws.set_row(r, row_height(m.name, WIDTHS["Measure"]))
        rows.append(DataRow(m.code, r + 1, [values.get(h) for h in hashed]))
        r += 1
    finish_sheet(ws, ctx, headers, r - 1, freeze_cols=2, title=f"Corrections to {q}")
    return headers, rows
