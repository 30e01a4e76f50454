"""Risks in a return: the template's Risks sheet (locked and keyed like the Measures sheet),
collect's checks naming file, sheet and cell, the stored assessment with its lineage and rule,
the warnings on a score that went up, and a return typed and saved in LibreOffice."""

from __future__ import annotations

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from lo import lo_type, needs_lo
from quarter import CJ, make_plan, make_templates
from builders import risk
from risk_cases import Q1, Q2, RISKS, cell_of, returns, risk_plan, templates
from xlplan import store
from xlplan.collect import collect
from xlplan.contract import risks as sheet
from xlplan.contract.identity import Identity
from xlplan.plan import read_plan
from xlplan.store import load_results
from xlplan.store.read import table_contents


def risk_rows(db: str, period) -> dict[str, tuple]:
    rows = table_contents(db)["risk_updates"]
    names = list(store.risk_updates.columns.keys())
    return {r[1]: dict(zip(names, r)) for r in rows if r[0] == period.id}


def identity(path) -> Identity:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("xlplan").to_python()
    return Identity.from_rows([(r[0], r[1]) for r in rows])


def test_the_template_asks_each_service_for_its_risks(tmp_path):
    paths = templates(risk_plan(tmp_path), Q1)
    wb = openpyxl.load_workbook(paths[CJ])
    assert wb.sheetnames == ["Instructions", "Measures", "Actions", "Risks", "xlplan"]
    ws = wb["Risks"]
    assert ws.protection.sheet
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    assert list(rows[0]) == sheet.headers()
    assert [r[:8] for r in rows[1:]] == [("R1", "Risk R1", "What could happen", "Alex Manager", 4, 2, 3, 6),
                                          ("R2", "Insufficient care at home", "What could happen", "Alex Manager",
                                           4, 3, 3, 9)]
    like = cell_of(paths[CJ], "R1", sheet.LIKELIHOOD)
    assert ws[like].protection.locked is False and ws[cell_of(paths[CJ], "R1", "Risk")].protection.locked
    rules = {str(dv.sqref): (dv.type, dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation}
    assert rules[like] == ("whole", "1", "5")
    assert ws[cell_of(paths[CJ], "R1", sheet.BAND)].value.startswith('=IF(K5="","",IF(K5<=4,"Green"')
    rows = [r for r in identity(paths[CJ]).rows if r.sheet == "Risks"]
    assert [(r.key, r.row) for r in rows] == [("R1", 5), ("R2", 6)]
    assert "2 risks on the Risks sheet" in str(list(wb["Instructions"].values))


def test_a_plan_without_risks_has_no_risks_sheet(tmp_path):
    paths = make_templates(make_plan(tmp_path))
    assert "Risks" not in openpyxl.load_workbook(paths[CJ]).sheetnames
    assert not [r for r in identity(paths[CJ]).rows if r.sheet == "Risks"]


def test_assessments_are_stored_with_their_score_band_rule_and_lineage(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    paths = templates(risk_plan(tmp_path), Q1)
    folder = returns(paths, tmp_path / "q1", {"R1": {"Likelihood": "4", "Impact": "3", "Commentary": "Worse"},
                                              "R2": {"Likelihood": 1, "Impact": 2}},
                     {"R3": {"Likelihood": "5", "Impact": "5", "Commentary": "=see attached"}})
    result = collect(tmp_path / "plan.xlsx", Q1, folder, db)
    assert not [i for i in result.issues if i.is_error]
    rows = risk_rows(db, Q1)
    r1 = rows["R1"]
    assert (r1["likelihood"], r1["impact"], r1["score"], r1["band"], r1["status"], r1["commentary"]) == \
        (4, 3, 12, "Amber", "assessed", "Worse")
    assert (r1["source_file"], r1["source_sheet"], r1["source_cell"]) == ("cj.xlsx", "Risks",
                                                                          cell_of(paths[CJ], "R1", sheet.LIKELIHOOD))
    assert r1["source_sha256"] == next(r.sha256 for r in result.records if r.file == "cj.xlsx")
    assert r1["rule"] == "1-5; 1-4 Green; 5-12 Amber; 15-25 Red"
    assert (rows["R2"]["score"], rows["R2"]["band"]) == (2, "Green")
    assert (rows["R3"]["score"], rows["R3"]["band"], rows["R3"]["commentary"]) == (25, "Red", "=see attached")
    before = table_contents(db)
    collect(tmp_path / "plan.xlsx", Q1, folder, db)
    assert table_contents(db) == before                     # a re-run changes nothing


def test_bad_ratings_name_the_cell_and_blanks_are_listed_as_not_assessed(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = risk_plan(tmp_path, risks=[*RISKS, risk("R4"), risk("R5")])
    paths = templates(plan_path, Q1)
    folder = returns(paths, tmp_path / "q1", {"R1": {"Likelihood": 7, "Impact": 3}, "R2": {"Likelihood": "high",
                                                                                         "Impact": 2.5},
                                              "R4": {"Likelihood": 3}, "R5": {"Commentary": "Not reviewed yet"}})
    result = collect(plan_path, Q1, folder, db)
    found = [(i.code, i.file, i.sheet, i.cell) for i in result.issues if i.code.startswith("risk.")]
    cell = lambda code, column: cell_of(paths[CJ], code, column)   # noqa: E731
    assert found == [
        ("risk.bad-rating", "cj.xlsx", "Risks", cell("R1", "Likelihood")),
        ("risk.bad-rating", "cj.xlsx", "Risks", cell("R2", "Likelihood")),
        ("risk.bad-rating", "cj.xlsx", "Risks", cell("R2", "Impact")),
        ("risk.not-assessed", "cj.xlsx", "Risks", cell("R4", "Impact")),
        ("risk.not-assessed", "cj.xlsx", "Risks", cell("R5", "Likelihood")),
    ]
    assert result.issues[0].message.startswith("R1: Likelihood '7' in Risks!I5 is not a whole number from 1 to 5")
    rows = risk_rows(db, Q1)
    assert [(c, rows[c]["score"], rows[c]["status"]) for c in ("R1", "R2", "R3", "R4", "R5")] == [
        ("R1", None, "in error"), ("R2", None, "in error"), ("R3", None, "not assessed"),
        ("R4", None, "not assessed"), ("R5", None, "not assessed")]
    assert rows["R3"]["source_file"] is None              # no return from the service at all
    stored = {(i.code, i.cell) for i in load_results(db, read_plan(plan_path), Q1).issues}
    assert ("risk.bad-rating", cell("R1", "Likelihood")) in stored       # the Data quality sheet lists them


def test_a_score_that_went_up_needs_new_commentary(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = risk_plan(tmp_path)
    q1 = templates(plan_path, Q1, db)
    collect(plan_path, Q1, returns(q1, tmp_path / "q1", {"R1": {"Likelihood": 2, "Impact": 3, "Commentary": "Stable"},
                                                         "R2": {"Likelihood": 3, "Impact": 3, "Commentary": "Same"}},
                                   {"R3": {"Likelihood": 4, "Impact": 4, "Commentary": "Busy"}}), db)
    q2 = templates(plan_path, Q2, db)
    ws = openpyxl.load_workbook(q2[CJ])["Risks"]
    assert ws[cell_of(q2[CJ], "R1", "Previous likelihood")].value == 2      # Q1's, from the store
    collect(plan_path, Q2, returns(q2, tmp_path / "q2", {"R1": {"Likelihood": 3, "Impact": 3, "Commentary": "Stable"},
                                                         "R2": {"Likelihood": 4, "Impact": 3}},
                                   {"R3": {"Likelihood": 2, "Impact": 4, "Commentary": "Busy"}}), db)
    results = load_results(db, read_plan(plan_path), Q2)
    warned = [(i.code, i.key, i.cell) for i in results.issues if i.code.startswith("risk.")]
    assert warned == [("risk.comment-unchanged", "R1", cell_of(q2[CJ], "R1", "Commentary")),
                      ("risk.no-comment", "R2", cell_of(q2[CJ], "R2", "Commentary"))]
    assert "went up from 6 to 9" in next(i.message for i in results.issues if i.key == "R1")
    moved = {r.code: (r.score, r.previous_score, r.movement, r.movement_text()) for r in results.risks}
    assert moved == {"R1": (9, 6, "up", "↑ up from 6 (Q1)"), "R2": (12, 9, "up", "↑ up from 9 (Q1)"),
                     "R3": (8, 16, "down", "↓ down from 16 (Q1)")}


def test_an_edited_locked_cell_is_named(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    paths = templates(risk_plan(tmp_path), Q1)
    folder = tmp_path / "q1"
    returns(paths, folder, {"R1": {"Likelihood": 2, "Impact": 2}})
    wb = openpyxl.load_workbook(folder / "cj.xlsx")
    wb["Risks"][cell_of(paths[CJ], "R2", "Previous likelihood")] = 1
    wb["Risks"][cell_of(paths[CJ], "R1", "Risk")] = "A milder risk"
    wb.save(folder / "cj.xlsx")
    result = collect(tmp_path / "plan.xlsx", Q1, folder, db)
    assert [(i.code, i.cell, i.row, i.key) for i in result.issues if i.code.startswith("return.")] == [
        ("return.locked-edited", cell_of(paths[CJ], "R1", "Risk"), 5, "R1"), ("return.row-edited", None, 6, "R2")]
    assert "now 'A milder risk'" in result.issues[0].message
    assert risk_rows(db, Q1)["R1"]["score"] == 4          # the other rows still count


@needs_lo[0]
@needs_lo[1]
def test_ratings_typed_and_saved_in_libreoffice(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    paths = templates(risk_plan(tmp_path), Q1)
    folder = tmp_path / "q1"
    folder.mkdir()
    cell = lambda code, column: cell_of(paths[CJ], code, column)   # noqa: E731
    lo_type(paths[CJ], folder / "cj.xlsx", {
        ("Risks", cell("R1", "Likelihood")): "4", ("Risks", cell("R1", "Impact")): "3",
        ("Risks", cell("R1", "Commentary")): "Two providers handed back packages",
        ("Risks", cell("R2", "Likelihood")): "6", ("Risks", cell("R2", "Impact")): "2"})
    result = collect(tmp_path / "plan.xlsx", Q1, folder, db)
    assert [(i.code, i.cell) for i in result.issues if i.is_error] == [("risk.bad-rating", cell("R2", "Likelihood"))]
    assert not [i for i in result.issues if i.code.startswith("return.")]   # the re-save changed no locked cell
    r1 = risk_rows(db, Q1)["R1"]
    assert (r1["score"], r1["band"], r1["commentary"], r1["source_cell"]) == (
        12, "Amber", "Two providers handed back packages", cell("R1", "Likelihood"))
    wb = openpyxl.load_workbook(folder / "cj.xlsx", data_only=True)["Risks"]
    assert (wb[cell("R1", sheet.SCORE)].value, wb[cell("R1", sheet.BAND)].value) == (12, "Amber")   # live formulas
