"""The risk register in the reports: the heat map's counts (picture and grid), the register ordered
by score with its movement (↑ ↓ →) and band in colour and words, from two collected quarters; a
plan without risks has none of it."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import docx
import openpyxl
import pytest
from PIL import Image

from quarter import AOP, CJ
from results_factory import make_results
from risk_cases import Q1, Q2, returns, risk_plan, templates
from xlplan.collect import collect
from xlplan.plan import read_plan
from xlplan.plan.model import RiskRules
from xlplan.reports import write_reports
from xlplan.reports.heatmap import CELL, counts, describe, heat_map_png
from xlplan.reports.docx_tables import FILLS
from xlplan.store import RiskResult, load_results


def risk(code, likelihood, impact, **more) -> RiskResult:
    score = likelihood * impact if likelihood is not None else None
    return RiskResult(code=code, name=f"Risk {code}", service=CJ, likelihood=likelihood, impact=impact, score=score,
                      band=RiskRules().band(score), status="assessed" if score else "not assessed", **more)


def test_heat_map_counts_each_cell():
    risks = [risk("A", 2, 3), risk("B", 2, 3), risk("C", 5, 5), risk("D", None, None)]
    assert counts(risks) == {(2, 3): 2, (5, 5): 1}
    assert describe(risks, RiskRules()).endswith("3 risks assessed by likelihood (1 to 5, up the side) and impact "
                                                 "(along the bottom): 1 Red, 2 Amber.")


def test_heat_map_picture_colours_cells_by_band_and_marks_the_counted_ones():
    rules = RiskRules()
    img = Image.open(io.BytesIO(heat_map_png([risk("A", 2, 3), risk("B", 2, 3), risk("C", 5, 1)], rules)))
    left, top = 150, 20

    def cell(likelihood, impact) -> tuple[int, int]:     # top-left corner of a grid cell
        return left + (impact - 1) * CELL, top + (5 - likelihood) * CELL

    def fill(likelihood, impact):
        x, y = cell(likelihood, impact)
        return img.getpixel((x + CELL - 12, y + CELL - 12))        # a corner away from the text

    def inked(likelihood, impact) -> bool:                       # dark text drawn in the cell's middle
        x, y = cell(likelihood, impact)
        box = img.crop((x + 40, y + 40, x + CELL - 40, y + CELL - 30)).convert("L")
        return box.getextrema()[0] < 100

    rgb = {w: tuple(int(FILLS[w][i:i + 2], 16) for i in (0, 2, 4)) for w in ("Green", "Amber", "Red")}
    assert fill(1, 1) == rgb["Green"] and fill(2, 3) == rgb["Amber"] and fill(5, 5) == rgb["Red"]
    assert fill(5, 3) == rgb["Red"] and fill(1, 4) == rgb["Green"] and fill(1, 5) == rgb["Amber"]
    assert inked(2, 3) and inked(5, 1)
    assert not inked(3, 3) and not inked(5, 5)


@pytest.fixture
def two_quarters(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = risk_plan(tmp_path)
    q1 = templates(plan_path, Q1, db)
    collect(plan_path, Q1, returns(q1, tmp_path / "q1", {"R1": {"Likelihood": 2, "Impact": 3, "Commentary": "Stable"},
                                                         "R2": {"Likelihood": 3, "Impact": 3, "Commentary": "Same"}},
                                   {"R3": {"Likelihood": 4, "Impact": 4, "Commentary": "Busy"}}), db)
    q2 = templates(plan_path, Q2, db)
    collect(plan_path, Q2, returns(q2, tmp_path / "q2", {"R1": {"Likelihood": 3, "Impact": 3, "Commentary": "Worse"},
                                                         "R2": {"Likelihood": 3, "Impact": 3, "Commentary": "Same"}},
                                   {"R3": {"Commentary": "Review due"}}), db)
    results = load_results(db, read_plan(plan_path), Q2)
    return results, write_reports(results, tmp_path / "reports")


def test_register_is_ordered_by_score_with_its_movement(two_quarters):
    results, _ = two_quarters
    assert [(r.code, r.score, r.band, r.movement_text()) for r in results.risks] == [
        ("R1", 9, "Amber", "↑ up from 6 (Q1)"), ("R2", 9, "Amber", "→ unchanged at 9 (Q1)"),
        ("R3", None, None, "not assessed (last 16, Q1)")]


def test_the_word_report_has_the_heat_map_and_the_register(two_quarters):
    results, (docx_path, _) = two_quarters
    with zipfile.ZipFile(docx_path) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) > 0
        xml = z.read("word/document.xml").decode()
        assert 'descr="Risk heat map: 2 risks assessed' in xml
        picture = Image.open(io.BytesIO(z.read(media[-1])))
        assert picture.format == "PNG" and picture.width > 600
    doc = docx.Document(str(docx_path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Risk register" in text
    assert "3 risks in the register: 2 Amber; since the last assessment 1 went up (R1), 1 unchanged; " \
           "1 not assessed this quarter." in text
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Risk")
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[0].split("\n")[0] for r in rows] == ["Risk R1", "Insufficient care at home", "Risk R3"]
    assert [r[3] for r in rows] == ["9 Amber", "9 Amber", "Not assessed"]
    assert [r[4] for r in rows] == ["↑ up from 6 (Q1)", "→ unchanged at 9 (Q1)", "not assessed (last 16, Q1)"]
    fills = [row.cells[3]._tc.xpath(".//w:shd/@w:fill") for row in table.rows[1:]]
    assert fills == [[FILLS["Amber"]], [FILLS["Amber"]], [FILLS["Report later"]]]


def test_the_summary_workbook_has_the_register_and_a_heat_map_grid(two_quarters):
    results, (_, xlsx_path) = two_quarters
    wb = openpyxl.load_workbook(xlsx_path)
    assert wb.sheetnames[-2:] == ["Risks", "Risk heat map"]
    ws = wb["Risks"]
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r["Code"], r["Score"], r["Band"], r["Movement"]) for r in rows] == [
        ("R1", 9, "Amber", "↑ up from 6 (Q1)"), ("R2", 9, "Amber", "→ unchanged at 9 (Q1)"),
        ("R3", None, None, "not assessed (last 16, Q1)")]
    quality = [r for r in wb["Data quality"].iter_rows(min_row=2, values_only=True)]
    assert [(r[1], r[3], r[6]) for r in quality if str(r[1]).startswith("risk.")] == [
        ("risk.not-assessed", "Risks", "R3")]                                   # listed with its sheet and risk
    grid = wb["Risk heat map"]
    # likelihood 5 on row 4 down to 1 on row 8; impact 1 in column C to 5 in column G
    values = {(6 - (r - 3), c - 2): grid.cell(r, c).value for r in range(4, 9) for c in range(3, 8)}
    assert {k: v for k, v in values.items() if v} == {(3, 3): 2}
    assert grid.cell(6, 5).fill.fgColor.rgb.endswith(FILLS["Amber"])      # likelihood 3, impact 3
    assert grid.cell(4, 7).fill.fgColor.rgb.endswith(FILLS["Red"])        # 5 x 5
    assert grid.cell(8, 3).fill.fgColor.rgb.endswith(FILLS["Green"])      # 1 x 1


def test_a_plan_without_risks_has_no_risk_section(tmp_path):
    results = make_results(tmp_path)
    assert results.risks == []
    docx_path, xlsx_path = write_reports(results, tmp_path / "out")
    assert "Risk register" not in "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    with zipfile.ZipFile(docx_path) as z:
        assert "Risk heat map" not in z.read("word/document.xml").decode()
    assert "Risks" not in openpyxl.load_workbook(xlsx_path).sheetnames


def test_a_register_under_the_councils_own_scale(tmp_path):
    rules = RiskRules.default_for(1, 4)
    results = dataclasses.replace(make_results(tmp_path), risks=[
        dataclasses.replace(risk("A", 4, 4), band="Red", rule=rules.describe())])
    img = Image.open(io.BytesIO(heat_map_png(results.risks, rules)))
    assert img.width == 150 + 4 * CELL + 30
    _, xlsx_path = write_reports(results, tmp_path / "out")
    grid = openpyxl.load_workbook(xlsx_path)["Risk heat map"]
    assert grid.cell(4, 6).value == 1                                     # 4 x 4: the top right cell
    assert [grid.cell(r, 2).value for r in range(4, 8)] == [4, 3, 2, 1]   # four rows of likelihood
    assert [grid.cell(8, c).value for c in range(3, 8)] == [1, 2, 3, 4, None]   # then the impacts
