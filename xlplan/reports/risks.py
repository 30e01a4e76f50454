"""The risk register in the reports: which risks moved, and where they sit.

The Word report's cover says in a sentence how many risks are in each band and which moved up;
Appendix 1 has a "Risk register" part: the heat map as a picture (likelihood x impact, the number
of risks in each cell, in its band's colour) and a table of every risk, highest score first, with
its score and band (colour and word), its movement since the previous assessment (↑ up from 6,
↓ down from 9, → unchanged), target score and the owner's commentary. The summary workbook's
sheets are workbook_risks.py's. A plan without a register has none of this.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from xlplan.plan.model import RiskRules
from xlplan.reports.docx_tables import FILLS, Cell, Column, cm
from xlplan.reports.narrative import Block
from xlplan.store import PeriodResults, RiskResult

if TYPE_CHECKING:
    from xlplan.reports.docx_writer import Writer

TITLE = "Risk register"


def rules_of(results: PeriodResults) -> RiskRules:
    """The scale and bands the quarter's assessments were banded by (as stored), else the plan's."""
    for r in results.risks:
        if r.assessed:
            found = RiskRules.from_text(r.rule)
            if found is not None:
                return found
    return results.plan.risk_rules


def summary(results: PeriodResults) -> str:
    """`7 risks: 2 Red, 4 Amber, 1 Green; since the last assessment 1 went up (CCOP002), 2 down,
    3 unchanged; 1 not assessed this quarter.`"""
    risks = results.risks
    bands = Counter(r.band for r in risks if r.assessed)
    order = sorted(rules_of(results).bands, key=lambda b: -b.low)
    parts = [f"{bands[b.word]} {b.word}" for b in order if bands[b.word]]
    moved = Counter(r.movement for r in risks if r.movement)
    up = [r.code for r in risks if r.movement == "up"]
    text = f"{len(risks)} risk{'s' if len(risks) != 1 else ''} in the register"
    text += (": " + ", ".join(parts)) if parts else ""
    if moved:
        text += "; since the last assessment " + ", ".join(
            p for p in (f"{moved['up']} went up ({', '.join(up)})" if moved["up"] else "",
                        f"{moved['down']} came down" if moved["down"] else "",
                        f"{moved['same']} unchanged" if moved["same"] else "") if p)
    unassessed = sum(1 for r in risks if not r.assessed)
    if unassessed:
        text += f"; {unassessed} not assessed this quarter"
    return text + "."


def write_cover(w: "Writer", results: PeriodResults) -> None:
    """The cover report's paragraph on the risk register (nothing for a plan without one)."""
    if not results.risks:
        return
    w.runs(Block("p", [("Risks", True)]))
    w.paragraph(summary(results) + f" The register, its heat map and each risk's movement are in Appendix 1 "
                f"({TITLE}).")


def write_section(w: "Writer", results: PeriodResults) -> None:
    """Appendix 1's risk register: the heat map and the table, highest score first."""
    if not results.risks:
        return
    from xlplan.reports.heatmap import describe, heat_map_png
    rules = rules_of(results)
    w.page_break()
    w.heading(TITLE, 2)
    w.paragraph(summary(results) + f" Each risk is scored likelihood x impact ({rules.low} to {rules.high} each); "
                "the bands are " + "; ".join(f"{b.low}-{b.high} {b.word}" for b in rules.bands) + ".")
    w.paragraph("Heat map: the number of risks at each likelihood and impact this quarter", "Table Heading",
                keep_with_next=True)
    w.picture(heat_map_png(results.risks, rules), 11.5, describe(results.risks, rules))
    columns = [Column("Risk", cm(7.2)), Column("Likelihood", cm(2.4), "center"), Column("Impact", cm(1.8), "center"),
               Column("Score", cm(2.4), "center"), Column("Movement", cm(3.4), "center"),
               Column("Target", cm(1.9), "center"), Column("Commentary", cm(7.6))]
    w.table(columns, (risk_row(r) for r in results.risks))


def risk_row(r: RiskResult) -> list:
    who = " · ".join(x for x in (r.code, r.service, r.owner) if x)
    if r.assessed:
        score = Cell(f"{r.score} {r.band or ''}".strip(), FILLS.get(r.band or ""), True)
    else:
        score = Cell("Not assessed", FILLS["Report later"], True)
    return [Cell(r.name, note=who), "" if r.likelihood is None else str(r.likelihood),
            "" if r.impact is None else str(r.impact), score, r.movement_text(),
            "" if r.target_score is None else str(r.target_score), r.commentary]
