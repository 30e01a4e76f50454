"""The summary workbook's risk register: a `Risks` sheet (every risk, highest score first, with
its movement, band, commentary and where the assessment was typed) and a `Risk heat map` sheet
(likelihood x impact as a grid of cells in their band's colour holding the number of risks).

Written only for a plan with a risk register. Text from a return (commentary) is written as a
string, never a formula.
"""

from __future__ import annotations

from typing import Callable

from xlplan.reports.docx_tables import FILLS
from xlplan.reports.heatmap import counts
from xlplan.reports.risks import rules_of
from xlplan.reports.xlsx_sheets import FastSheet, StreamSheet
from xlplan.store import PeriodResults

HEADERS = ["Code", "Risk", "Service", "Owner", "Likelihood", "Impact", "Score", "Band", "Previous score",
           "Previous assessment", "Movement", "Target score", "Commentary", "Status", "Controls", "Description",
           "Source file", "Source sheet", "Source cell", "Rule"]
WIDTHS = {"Code": 10, "Risk": 44, "Service": 22, "Owner": 20, "Likelihood": 10, "Impact": 8, "Score": 8,
          "Band": 10, "Previous score": 10, "Previous assessment": 12, "Movement": 22, "Target score": 9,
          "Commentary": 60, "Status": 12, "Controls": 50, "Description": 50, "Source file": 34, "Rule": 34}


def write_risk_sheets(wb, f, results: PeriodResults, table: Callable) -> None:
    """Both sheets (nothing for a plan without a risk register). `table` is workbook.table."""
    if not results.risks:
        return
    rows = [[r.code, r.name, r.service, r.owner, r.likelihood, r.impact, r.score, r.band or "",
             r.previous_score, r.previous_when, r.movement_text(), r.target_score, r.commentary, r.status,
             r.controls, r.description, r.source.file if r.source else "", r.source.sheet if r.source else "",
             r.source.cell if r.source else "", r.rule] for r in results.risks]
    table(wb.add_worksheet("Risks", StreamSheet), f, HEADERS, rows, WIDTHS, status_cols=("Band",))
    heat_map_sheet(wb.add_worksheet("Risk heat map", FastSheet), wb, f, results)


def heat_map_sheet(ws, wb, f, results: PeriodResults) -> None:
    """Likelihood (highest at the top) by impact: each cell filled in its score's band colour with
    the number of risks assessed there (its note says the score and band), then the bands' key."""
    rules = rules_of(results)
    found = counts(results.risks)
    levels = list(rules.levels)
    base = {"font_name": "Arial", "border": 2, "border_color": "#FFFFFF", "align": "center", "valign": "vcenter"}
    looks = {b.word: wb.add_format({**base, "bg_color": "#" + FILLS[b.word], "bold": True, "font_size": 16})
             for b in rules.bands}
    key = {b.word: wb.add_format({**base, "bg_color": "#" + FILLS[b.word], "bold": True}) for b in rules.bands}
    none = wb.add_format({**base, "bg_color": "#EDEDED", "font_size": 16})
    axis = wb.add_format({"font_name": "Arial", "bold": True, "align": "center", "valign": "vcenter"})
    side = wb.add_format({"font_name": "Arial", "bold": True, "align": "center", "valign": "vcenter", "rotation": 90})
    ws.write_string(0, 0, f"Risk heat map – {results.period.label}", f.title)
    ws.write_string(1, 0, "The number of risks assessed at each likelihood and impact; each cell is coloured by "
                          "its score's band (score = likelihood x impact).", f.plain)
    top, left = 3, 2
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, 5)
    ws.set_column(left, left + len(levels) - 1, 11)
    ws.merge_range(top, 0, top + len(levels) - 1, 0, "Likelihood", side)
    for i, likelihood in enumerate(reversed(levels)):
        r = top + i
        ws.set_row(r, 48)
        ws.write_number(r, 1, likelihood, axis)
        for j, impact in enumerate(levels):
            n = found.get((likelihood, impact), 0)
            look = looks.get(rules.band(likelihood * impact), none)
            if n:
                ws.write_number(r, left + j, n, look)
            else:
                ws.write_blank(r, left + j, None, look)
            ws.write_comment(r, left + j, f"Likelihood {likelihood} x impact {impact} = score {likelihood * impact} "
                                          f"({rules.band(likelihood * impact) or 'no band'}): {n} risk"
                                          f"{'s' if n != 1 else ''}", {"author": "xlplan"})
    bottom = top + len(levels)
    for j, impact in enumerate(levels):
        ws.write_number(bottom, left + j, impact, axis)
    ws.merge_range(bottom + 1, left, bottom + 1, left + len(levels) - 1, "Impact", axis)
    r = bottom + 3
    ws.write_string(r, 0, "Bands", f.bold)
    for k, band in enumerate(rules.bands):
        ws.write_string(r + 1 + k, left, band.word, key[band.word])
        ws.write_string(r + 1 + k, left + 1, f"{band.low}-{band.high}", f.plain)
    unassessed = sum(1 for x in results.risks if not x.assessed)
    if unassessed:
        ws.write_string(r + 2 + len(rules.bands), 0, f"{unassessed} risk{'s' if unassessed != 1 else ''} not assessed "
                        "this quarter (not in the grid): see the Risks sheet.", f.plain)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
