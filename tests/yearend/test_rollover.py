"""`xlplan rollover --to 2024-25`: next year's plan, re-read by load_plan and checked; the old year
stays readable after the new year's first quarter is collected into the same store."""

from __future__ import annotations

import docx
import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from click.testing import CliRunner

from year_cases import AOP, CJ, NEXT, YEAR, run_quarter, run_year
from xlplan.cli import main
from xlplan.errors import PLAN_BAD_CARRIED_STATUS, PLAN_NO_YEAR_TARGET
from xlplan.plan import load_plan, read_plan
from xlplan.status import ProfileKind
from xlplan.store import load_year
from xlplan.values import TargetKind


def roll(root, db, *extra):
    result = CliRunner().invoke(main, ["rollover", "--to", "2024-25", "--plan", str(root / "plan.xlsx"), "--db", db,
                                       *extra])
    return result


@pytest.fixture
def rolled(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    run_year(tmp_path, db)
    result = roll(tmp_path, db)
    assert result.exit_code == 0, result.output
    return tmp_path, db, tmp_path / "plan 2024-25.xlsx", result.output


def test_the_new_plan_reads_back_with_the_outturns_as_history(rolled):
    root, db, new, _ = rolled
    old = read_plan(root / "plan.xlsx")
    plan, report = load_plan(new)
    assert plan is not None and report.valid, [str(i) for i in report]
    assert plan.year == NEXT and len(plan.measures) == len(old.measures)
    outturns = load_year(db, old, YEAR).outturns()
    for m in plan.measures:
        assert m.outturn(YEAR) == pytest.approx(outturns[m.code]), m.code
        assert m.history.keys() >= old.measures[[x.code for x in old.measures].index(m.code)].history.keys()
    assert {m.code: m.outturn(YEAR) for m in plan.measures}["M01"] == 1320


def test_targets_come_from_the_new_years_column_or_are_left_for_the_officer(rolled):
    _, _, new, output = rolled
    plan, report = load_plan(new)
    m = {x.code: x for x in plan.measures}
    assert m["Q02"].target.figure == 120000 and m["Q02"].target_for(NEXT)[0].figure == 120000
    assert m["A01"].target_for(NEXT)[0].figure == pytest.approx(0.95)
    assert m["D01"].target.kind is TargetKind.INCREASE               # a direction: judged on 2023/24's outturn
    assert m["D01"].rule(NEXT.quarter(4)).target == 106
    for code in ("Q01", "P01", "M02", "S01"):                          # never made up
        assert m[code].target.kind is TargetKind.NONE and NEXT not in m[code].year_targets
        assert m[code].rule(NEXT.quarter(1)).target is None, code
    assert m["Q01"].year_targets[YEAR].figure == pytest.approx(0.75)   # last year's, kept in its column
    assert m["M01"].target.kind is TargetKind.NONE and YEAR not in m["M01"].year_targets   # never had one
    # the quarterly targets were 2023/24's: P01 accrues evenly now, until the officer sets a profile
    assert m["P01"].profile.kind is ProfileKind.CUMULATIVE
    flagged = {i.key: i.cell for i in report if i.code == PLAN_NO_YEAR_TARGET}
    assert set(flagged) == {"Q01", "P01", "M02", "S01"}
    ws = openpyxl.load_workbook(new)["Measures"]
    header = {c.value: c.column_letter for c in ws[1]}
    assert all(cell.startswith(header["Target 2024/25"]) for cell in flagged.values())
    assert "4 left blank for you to set" in output and "P01: the quarterly targets" in output


def test_check_accepts_the_plan_once_the_targets_are_set(rolled):
    _, _, new, _ = rolled
    before = CliRunner().invoke(main, ["check", str(new), "--json"])
    assert before.exit_code == 0 and PLAN_NO_YEAR_TARGET in before.output
    _, report = load_plan(new)
    wb = openpyxl.load_workbook(new)
    ws = wb["Measures"]
    for i in report:
        if i.code == PLAN_NO_YEAR_TARGET:
            ws[i.cell].value = {"Q01": "77%", "P01": "820", "M02": "82%", "S01": "72%"}[i.key]
    wb.save(new)
    plan, report = load_plan(new)
    assert report.valid and not [i for i in report if i.code == PLAN_NO_YEAR_TARGET], [str(i) for i in report]
    assert {x.code: x for x in plan.measures}["Q01"].target_for(NEXT)[0].figure == pytest.approx(0.77)
    after = CliRunner().invoke(main, ["check", str(new)])
    assert after.exit_code == 0 and "OK" in after.output


def test_completed_actions_are_closed_and_open_ones_carried(rolled):
    _, _, new, _ = rolled
    plan, _ = load_plan(new)
    assert [a.ref for a in plan.actions] == ["A2", "A4"]
    wb = openpyxl.load_workbook(new)
    ws = wb["Actions"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["A2"]["Carried status"] == "Amber" and rows["A2"]["Carried progress"] == "A2 at 2023-24-Q4: Amber"
    assert rows["A4"]["Carried status"] is None and "No update" in rows["A4"]["Carried progress"]
    closed = wb["Closed actions"]
    ch = [c.value for c in closed[1]]
    done = {r[0]: dict(zip(ch, r)) for r in closed.iter_rows(min_row=2, values_only=True)}
    assert set(done) == {"A1", "A3"}
    assert done["A3"]["Closed at"] == "2023-24-Q2" and done["A1"]["Final progress"] == "A1 at 2023-24-Q4: Completed"
    assert read_plan(new).settings.year == NEXT


def test_the_old_plan_and_store_are_left_as_they_were(rolled):
    root, db, new, _ = rolled
    old = read_plan(root / "plan.xlsx")
    assert old.year == YEAR and [a.ref for a in old.actions] == ["A1", "A2", "A3", "A4"]


def test_the_old_year_stays_readable_after_next_years_first_quarter(rolled):
    root, db, new, _ = rolled
    before = CliRunner().invoke(main, ["report", "--period", "2023-24-Q4", "--plan", str(root / "plan.xlsx"),
                                       "--db", db, "--out", str(root / "before")])
    assert before.exit_code == 0, before.output
    # 2024-25 Q1 collected into the same store with the new plan; its return corrects 2023-24's Q4 of Q01
    figures = {CJ: {"Q01": "78%", "Q02": "£30,000", "P01": "210", "D01": "107"},
               AOP: {"M01": [100, 100, 100], "M02": ["80%", "80%", "80%"]}}
    result = run_quarter(new, NEXT.quarter(1), db, root / "2024-25-Q1" / "returns", figures, {CJ: {"A2": "Green"}},
                         {CJ: {"Q01": ("77%", "Two late audits were found in April.")}})
    assert result.exit_code == 0, [str(i) for i in result.issues]
    after = CliRunner().invoke(main, ["report", "--period", "2023-24-Q4", "--plan", str(root / "plan.xlsx"),
                                      "--db", db, "--out", str(root / "after")])
    assert after.exit_code == 0, after.output

    def tables(folder):
        d = docx.Document(str(folder / "2023-24-Q4 performance report.docx"))
        return [[c.text for c in r.cells] for t in d.tables for r in t.rows]
    assert tables(root / "before") == tables(root / "after")       # a past quarter's report never changes
    year = load_year(db, read_plan(root / "plan.xlsx"), YEAR)       # the year uses the latest version of Q4
    q01 = {m.code: m for m in year.measures}["Q01"]
    assert q01.quarters[4].restated and q01.outturn.figure == pytest.approx(0.77)
    annual = CliRunner().invoke(main, ["report", "--year", "2023-24", "--plan", str(root / "plan.xlsx"), "--db", db,
                                       "--out", str(root / "annual")])
    assert annual.exit_code == 0, annual.output
    new_year = load_year(db, read_plan(new), NEXT)
    assert new_year.collected == [1] and {m.code: m for m in new_year.measures}["Q01"].quarters[1].text == "78%"


def test_rollover_refuses_the_wrong_year_and_an_existing_file(rolled):
    root, db, new, _ = rolled
    wrong = CliRunner().invoke(main, ["rollover", "--to", "2025-26", "--plan", str(root / "plan.xlsx"), "--db", db])
    assert wrong.exit_code == 2 and "rolls over to 2024-25" in wrong.output
    again = roll(root, db)
    assert again.exit_code == 2 and "exists already" in again.output
    itself = roll(root, db, "--out", str(root / "plan.xlsx"))
    assert itself.exit_code == 2 and "the old year's plan is kept" in itself.output
    forced = roll(root, db, "--force")
    assert forced.exit_code == 0


def test_a_carried_status_that_is_not_a_status_is_named(rolled):
    _, _, new, _ = rolled
    wb = openpyxl.load_workbook(new)
    ws = wb["Actions"]
    col = next(c.column_letter for c in ws[1] if c.value == "Carried status")
    ws[f"{col}2"] = "Greenish"
    wb.save(new)
    _, report = load_plan(new)
    found = [i for i in report if i.code == PLAN_BAD_CARRIED_STATUS]
    assert len(found) == 1 and found[0].cell == f"{col}2" and "Greenish" in found[0].message and report.valid


def test_rollover_of_a_libreoffice_saved_plan(tmp_path):
    lo = pytest.importorskip("lo")
    if lo.SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    db = f"sqlite:///{tmp_path}/xlplan.db"
    run_year(tmp_path, db)
    saved = lo.resave(tmp_path / "plan.xlsx", tmp_path / "lo")
    result = CliRunner().invoke(main, ["rollover", "--to", "2024-25", "--plan", str(saved), "--db", db,
                                       "--out", str(tmp_path / "next.xlsx")])
    assert result.exit_code == 0, result.output
    plan, report = load_plan(tmp_path / "next.xlsx")
    assert plan is not None and report.valid and plan.year == NEXT
    assert {m.code: m for m in plan.measures}["Q02"].outturn(YEAR) == 101500
    again = lo.resave(tmp_path / "next.xlsx", tmp_path / "lo2")       # and the new plan survives LibreOffice
    plan2, report2 = load_plan(again)
    assert report2.valid and [m.outturn(YEAR) for m in plan2.measures] == [m.outturn(YEAR) for m in plan.measures]


def test_the_new_plan_keeps_its_dropdowns_on_their_columns(rolled):
    _, _, new, _ = rolled
    ws = openpyxl.load_workbook(new)["Measures"]
    letter = {c.value: c.column_letter for c in ws[1]}
    seen = set()
    for dv in ws.data_validations.dataValidation:
        cols = {get_column_letter(c) for r in dv.sqref.ranges for c in range(r.min_col, r.max_col + 1)}
        if dv.formula1 == '"%,£,number,ratio"':
            assert cols == {letter["Unit"]}
            seen.add("Unit")
        if dv.formula1 == '"Higher,Lower,Monitor"':
            assert cols == {letter["Polarity"]}
            seen.add("Polarity")
        if dv.formula1 == '"Quarterly,Monthly,Six-monthly,Annual,Annual (Q2)"':
            assert cols == {letter["Frequency"]}
            seen.add("Frequency")
    assert seen == {"Unit", "Polarity", "Frequency"}
    assert list(letter).index("2023/24") == list(letter).index("2022/23") + 1     # beside the other years
    assert ws[f"{letter['2023/24']}1"].comment is not None


def test_the_starter_plan_explains_the_carried_columns(tmp_path):
    from xlplan.plan import write_starter
    ws = openpyxl.load_workbook(write_starter(tmp_path))["Actions"]
    notes = {c.value: c.comment.text for c in ws[1] if c.comment}
    assert "xlplan rollover" in notes["Carried status"] and "xlplan rollover" in notes["Carried progress"]


def test_a_column_inserted_before_a_dropdown_moves_the_dropdown(tmp_path):
    from year_cases import make_year_plan
    from xlplan.plan.rollover import _Sheet
    ws = openpyxl.load_workbook(make_year_plan(tmp_path))["Measures"]
    s = _Sheet(ws, ("Code", "Unit"))
    unit = s.col("Unit")
    s.insert(1, "New")
    assert s.col("Unit") == unit + 1 and ws.cell(1, 1).value == "New"
    dv = next(d for d in ws.data_validations.dataValidation if d.formula1 == '"%,£,number,ratio"')
    assert {r.min_col for r in dv.sqref.ranges} == {unit + 1}


def test_a_plan_with_title_rows_and_no_store_rolls_over_and_says_so(tmp_path):
    from year_cases import make_year_plan
    plan_path = make_year_plan(tmp_path)
    wb = openpyxl.load_workbook(plan_path)
    for name in ("Measures", "Actions"):
        wb[name].insert_rows(1)
        wb[name]["A1"] = f"Anytown Council — {name} 2023-24"
    wb.save(plan_path)
    result = roll(tmp_path, f"sqlite:///{tmp_path}/empty.db")
    assert result.exit_code == 0, result.output
    assert "Nothing has been collected for 2023-24" in result.output
    plan, report = load_plan(tmp_path / "plan 2024-25.xlsx")
    assert report.valid and plan.year == NEXT and len(plan.actions) == 4
    assert all(m.outturn(YEAR) is None for m in plan.measures)
    ws = openpyxl.load_workbook(tmp_path / "plan 2024-25.xlsx")["Measures"]
    assert ws["A1"].value == "Anytown Council — Measures 2023-24" and "2023/24" in [c.value for c in ws[2]]
    q02 = {m.code: m for m in plan.measures}["Q02"]
    assert q02.target.figure == 120000                                   # targets roll over all the same


def test_rollover_before_q4_is_collected_says_what_is_missing(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    run_year(tmp_path, db, quarters=(1, 2, 3))
    result = roll(tmp_path, db)
    assert result.exit_code == 0 and "2023-24 Q4 has not been collected" in result.output
    plan, _ = load_plan(tmp_path / "plan 2024-25.xlsx")
    # nothing is taken from Q3 in place of Q4: the year's level or total is not known yet
    assert all(m.outturn(YEAR) is None for m in plan.measures if m.code != "M01")
    assert {m.code: m for m in plan.measures}["M01"].outturn(YEAR) is None


def test_a_budget_carried_into_the_new_year_is_pointed_out(tmp_path):
    from builders import SERVICES, budget_line, build_plan
    services = [s["Service"] for s in SERVICES]
    build_plan(tmp_path / "plan.xlsx", budget=[budget_line(services[0], "Youth Justice"),
                                               budget_line(services[1], "Care homes", Expenditure="£24.99 million",
                                                           Income="-2,133,000", Net=None)])
    result = roll(tmp_path, f"sqlite:///{tmp_path}/empty.db")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert ("Budget: 2 lines carried with their 2023/24 figures; put the 2024/25 budget on the Budget sheet "
            "before `xlplan templates`") in said
    plan, report = load_plan(tmp_path / "plan 2024-25.xlsx")
    assert report.valid, [str(i) for i in report]
    assert [(b.line, b.expenditure) for b in plan.budget.lines] == [("Youth Justice", 1_000_000),
                                                                   ("Care homes", 24_990_000)]


def test_a_plan_without_a_budget_says_nothing_of_one(rolled):
    assert "Budget" not in rolled[3]
