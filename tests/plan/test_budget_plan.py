"""The plan's optional Budget sheet (plan/budget.py, plan/budget_sheet.py): read as the seeds'
activity budget tables are typed, every problem named by sheet and cell, and a plan without the
sheet exactly as before."""

from __future__ import annotations

import json

import openpyxl
import pytest

from builders import SERVICES, budget_line, build_plan
from xlplan.plan import load_plan
from xlplan.plan.budget import BudgetLine, judge, parse_profile
from xlplan.plan.model import _canonical
from xlplan.status import Status, Tolerance

CJ, AOP = SERVICES[0]["Service"], SERVICES[1]["Service"]


def read(tmp_path, rows, **kw):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", budget=rows, **kw))
    return plan, report


def test_lines_are_read_as_the_seeds_type_them(tmp_path):
    plan, report = read(tmp_path, [
        budget_line(CJ, "Youth Justice", FTE=10.5, Expenditure="494,347", Income="0", Net="494,347"),
        budget_line(CJ, "Addiewell", FTE=7, Expenditure="410,165", Income="(390,000)", Net="20,165"),
        budget_line(AOP, "Care homes", FTE="177.0", Expenditure="£24.99 million", Income="-2,133,000", Net=None,
                    Profile="22%; 24%; 26%; 28%"),
        budget_line(AOP, "Charges", FTE=None, Expenditure=None, Income="£165k", Net=None, Type="Income"),
        {"Service": "", "Line": "Total :-", "FTE": 199, "Expenditure": "26,000,000"},
    ])
    assert report.codes() == []
    lines = {b.line: b for b in plan.budget.lines}
    assert list(lines) == ["Youth Justice", "Addiewell", "Care homes", "Charges"]
    assert (lines["Addiewell"].income, lines["Addiewell"].net) == (390_000, 20_165)
    care = lines["Care homes"]
    assert (care.expenditure, care.income, care.net, care.fte) == (24_990_000, 2_133_000, 22_857_000, 177.0)
    assert care.profile == (0.22, 0.46, 0.72, 1.0) and care.profiled(2) == round(22_857_000 * 0.46, 2)
    charges = lines["Charges"]
    assert charges.income_line and charges.budget == 165_000 and charges.net == -165_000
    assert plan.budget.tolerance == plan.settings.amber_tolerance         # no Budget tolerance setting
    assert [s.name for s in plan.services_with_returns()] == [CJ, AOP]


def test_headers_of_a_pasted_management_plan_table_are_recognised(tmp_path):
    rows = [{"Service": CJ, "Activity": "Youth Justice", "Staff Resource (FTE)": 10.5,
             "Revenue Expenditure Budget 2020/21": "494,347", "Revenue Income Budget 2020/21": "0",
             "Net Revenue Budget 2020/21": "494,347"}]
    plan, report = read(tmp_path, rows)
    assert report.codes() == []
    assert plan.budget.lines[0] == BudgetLine(CJ, "Youth Justice", 10.5, 494_347, 0, 494_347, None, False, 2)


def test_every_problem_names_its_cell(tmp_path):
    plan, report = read(tmp_path, [
        budget_line(CJ, "Throughcare", Net="900,000"),                 # row 2: Net is not Exp − Inc
        budget_line(CJ, "Throughcare"),                                # row 3: the line twice
        budget_line(AOP, "OT", Expenditure="about a million"),         # row 4
        budget_line(AOP, "Respite", Profile="25%; 25%; 25%"),          # row 5: three parts
        budget_line(AOP, "Day care", Profile="10%; 10%; 10%; 10%"),    # row 6: adds to 40%
        budget_line("Adult Services", "Bad"),                          # row 7: no such service
        budget_line(CJ, "Grant", Type="Grant"),                        # row 8: Type word
        budget_line(CJ, "", FTE=-2),                                   # row 9: no line, FTE below zero
    ], settings={"Budget tolerance": "a little"})
    assert report.codes() == [
        ("plan.bad-setting", "Settings:10"),
        ("plan.budget-net-mismatch", "Budget!F2"),
        ("plan.duplicate-key", "Budget!B3"),
        ("plan.budget-bad-figure", "Budget!D4"),
        ("plan.budget-bad-profile", "Budget!G5"),
        ("plan.budget-bad-profile", "Budget!G6"),
        ("plan.unknown-service", "Budget!A7"),
        ("plan.unknown-word", "Budget!H8"),
        ("plan.required-value", "Budget!B9"),
        ("plan.budget-bad-figure", "Budget!C9"),
    ]
    mismatch = report.issues[1]
    assert "£1,000,000 − £200,000 = £800,000" in mismatch.message and "F2" in mismatch.hint
    assert "adds up" in report.issues[5].message or "add up to 40%" in report.issues[5].message
    assert [b.line for b in plan.budget.lines] == []
    assert not report.valid


def test_a_misspelt_column_is_named_with_a_near_miss(tmp_path):
    rows = [{"Service": CJ, "Line": "Youth Justice", "Expenditur": "494,347"}]
    plan, report = read(tmp_path, rows)
    assert report.codes() == [("plan.missing-column", "Budget!C1")]
    assert "'Expenditur' in C1 meant to be 'Expenditure'" in report.issues[0].message
    assert plan.budget.lines == ()


def test_budget_tolerance_setting(tmp_path):
    plan, report = read(tmp_path, [budget_line(CJ, "A")], settings={"Budget tolerance": "£50,000"})
    assert report.codes() == [] and plan.budget.tolerance == Tolerance(50_000, True)


def test_a_plan_without_a_budget_sheet_is_as_before(tmp_path):
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx"))
    assert report.codes() == [] and plan.budget is None
    assert "budget" not in json.loads(plan.canonical_json())
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames == ["Settings", "Themes", "Services",
                                                                          "Measures", "Actions"]
    with_budget, _ = read(tmp_path / "b", [budget_line(CJ, "A")])
    assert with_budget.fingerprint != plan.fingerprint
    assert with_budget.canonical_json() == json.dumps(_canonical(with_budget), sort_keys=True, default=str)


def test_the_budget_survives_the_plan_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XLPLAN_SECRET", "test-key")
    path = build_plan(tmp_path / "plan.xlsx", budget=[budget_line(CJ, "A", Profile="10%; 20%; 30%; 40%")])
    first, _ = load_plan(path)
    again, _ = load_plan(path)          # from the signed cache
    assert again.budget == first.budget and again.fingerprint == first.fingerprint


@pytest.mark.parametrize("text, annual, expected", [
    ("Even", 100, None), ("", 100, None),
    ("25%; 25%; 25%; 25%", 100, (0.25, 0.5, 0.75, 1.0)),
    ("25%; 50%; 75%; 100%", 100, (0.25, 0.5, 0.75, 1.0)),
    ("£100k; £200k; £300k; £400k", 1_000_000, (0.1, 0.3, 0.6, 1.0)),
])
def test_profiles(text, annual, expected):
    assert parse_profile(text, annual) == expected


@pytest.mark.parametrize("text", ["20%; 20%", "abc; 1; 2; 3", "£1; £2; £3; £4", "40%; 30%; 20%; 10%x"])
def test_profiles_that_are_not(text):
    with pytest.raises(ValueError):
        parse_profile(text, 1_000_000)


def test_spend_is_judged_against_the_profiled_budget_and_the_year():
    line = BudgetLine(CJ, "A", None, 1_000_000, 0, 1_000_000)         # Q2 profiled: £500,000
    tol = Tolerance(0.02)
    assert judge(line, 2, 500_000, 1_000_000, tol).status is Status.GREEN     # on budget is Green
    assert judge(line, 2, 480_000, None, tol).status is Status.GREEN
    assert judge(line, 2, 510_000, None, tol).status is Status.AMBER          # £10,000 = 2% over
    assert judge(line, 2, 510_001, None, tol).status is Status.RED
    assert judge(line, 2, 500_000, 1_030_000, tol).status is Status.RED       # the forecast is over by 3%
    assert judge(line, 2, None, 1_000_000, tol).status is Status.REPORT_LATER
    v = judge(line, 2, 510_000, 990_000, tol)
    assert (v.profiled, v.variance, v.forecast_variance) == (500_000, 10_000, -10_000)
    income = BudgetLine(CJ, "Charges", None, 0, 165_000, -165_000, income_line=True)   # Q2: £82,500 due
    assert judge(income, 2, 90_000, None, tol).status is Status.GREEN          # more income is better
    assert judge(income, 2, 81_000, None, tol).status is Status.AMBER          # short by £1,500 (< 2%: £1,650)
    assert judge(income, 2, 70_000, None, tol).status is Status.RED


def test_a_misnamed_budget_sheet_is_pointed_out(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Budjet").append(["Service", "Line", "Expenditure"])
    wb.save(path)
    plan, report = load_plan(path)
    assert report.codes() == [("plan.budget-sheet-name", "Budjet")] and plan.budget is None
    assert report.valid
