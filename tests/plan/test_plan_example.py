"""The Glenburn example plan and its figures, and the starter plan of `xlplan init`."""

import csv
import importlib.util
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from xlplan.errors import XlplanError
from xlplan.periods import FinancialYear, Period
from xlplan.plan import SETTINGS, load_plan
from xlplan.plan.writer import COLUMN_NOTES
from xlplan.plan import write_starter
from xlplan.status import (ActionStatus, Polarity, ProfileKind, Status, action_overdue,
        measure_status)
from xlplan.values import TargetKind, Unit, parse_value

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Q1, Q2 = Period.parse("2023-24-Q1"), Period.parse("2023-24-Q2")


@pytest.fixture(scope="module")
def example():
    plan, report = load_plan(EXAMPLES / "plan.xlsx")
    assert report.codes() == []
    return plan


def test_example_covers_every_unit_polarity_profile_and_target_kind(example):
    ms = example.measures
    assert len(ms) >= 24 and len(example.actions) >= 12 and len(example.services) >= 3
    assert {m.unit for m in ms} == set(Unit)
    assert {m.polarity for m in ms} == set(Polarity)
    assert {m.profile.kind for m in ms} == set(ProfileKind)
    kinds = Counter(m.target.kind for m in ms)
    assert kinds[TargetKind.INCREASE] and kinds[TargetKind.REDUCE] and kinds[TargetKind.TBC] and kinds[TargetKind.NONE]
    tolerances = [m.tolerance for m in ms if m.tolerance]
    assert any(t.absolute for t in tolerances) and any(not t.absolute for t in tolerances)
    assert all(s.manager and s.email.endswith("@glenburn.example") for s in example.services)


def test_example_history_and_an_empty_theme(example):
    years = set(FinancialYear(2023).prior_years(3))
    assert all(set(m.history) <= years for m in example.measures)
    assert {y for m in example.measures for y in m.history} == years
    assert any(v.is_missing for m in example.measures for v in m.history.values())   # "Not yet available"
    used = {m.theme for m in example.measures} | {a.theme for a in example.actions}
    assert [t for t in example.themes if t not in used] == ["Improve the availability, quality and access of housing"]


def test_example_settings_have_every_row(example):
    wb = openpyxl.load_workbook(EXAMPLES / "plan.xlsx", read_only=True)
    names = [r[0] for r in wb["Settings"].iter_rows(min_row=2, values_only=True)]
    assert names == list(SETTINGS)
    assert example.settings.organisation == "Glenburn Council" and example.year == FinancialYear(2023)


def test_the_committed_workbook_matches_its_script(tmp_path):
    spec = importlib.util.spec_from_file_location("make_example", EXAMPLES / "make_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.main(tmp_path / "plan.xlsx")
    again = module.main(tmp_path / "again.xlsx")
    assert fresh.read_bytes() == again.read_bytes(), "the script is deterministic"
    committed, regenerated = (openpyxl.load_workbook(p) for p in (EXAMPLES / "plan.xlsx", fresh))
    assert committed.sheetnames == regenerated.sheetnames
    for name in committed.sheetnames:
        assert list(committed[name].values) == list(regenerated[name].values), \
            f"examples/plan.xlsx is stale on {name}: run python examples/make_example.py"


def figures(period):
    with (EXAMPLES / "figures" / f"{period.id}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("period", [Q1, Q2])
def test_figures_cover_every_measure_and_action_of_each_service(example, period):
    rows = [r for r in figures(period) if r["Sheet"] != "Corrections"]   # last quarter's, corrected
    assert list(rows[0]) == ["Service", "Sheet", "Key", "To date", "Status", "Comments/Progress"]
    keys = {(r["Service"], r["Sheet"], r["Key"]) for r in rows}
    assert len(keys) == len(rows)
    expected = {(m.service, "Measures", m.code) for m in example.measures} | \
               {(a.service, "Actions", a.ref) for a in example.actions}
    assert keys == expected
    for r in rows:
        assert r["Comments/Progress"].strip(), f"{r['Key']} has a comment"
        if r["Sheet"] == "Actions":
            assert r["To date"] == "" and ActionStatus.parse(r["Status"]) is not None


def q_statuses(example, period):
    ms = {m.code: m for m in example.measures}
    out = {}
    for r in figures(period):
        if r["Sheet"] == "Measures":
            m = ms[r["Key"]]
            if ";" in r["To date"]:      # a monthly measure's months, combined by its Aggregate
                from xlplan.frequency import combine_months, quarter_months
                value = combine_months([(label, parse_value(v.strip(), m.unit)) for label, v in
                                        zip(quarter_months(period), r["To date"].split(";"))], m.quarter_rule, m.unit)
            else:
                value = parse_value(r["To date"], m.unit)
            out[m.code] = measure_status(value, m.rule(period, example.settings.amber_tolerance),
                                         Status.parse_assessment(r["Status"]), due=m.due_in(period)).status
    return out


def test_q2_gives_a_spread_of_statuses_with_the_worked_cases(example):
    statuses = q_statuses(example, Q2)
    assert set(statuses.values()) == set(Status)
    assert (statuses["PS01"], statuses["CF01"], statuses["CF02"], statuses["PS05"], statuses["CF08"]) == \
        (Status.AMBER, Status.RED, Status.AMBER, Status.GREEN, Status.AMBER)


@pytest.mark.parametrize("period", [Q1, Q2])
def test_managers_statuses_agree_with_the_computed_ones(example, period):
    typed = {r["Key"]: Status.parse_assessment(r["Status"]) for r in figures(period) if r["Sheet"] == "Measures"}
    computed = q_statuses(example, period)
    assert {k: v for k, v in typed.items() if v and v is not computed[k]} == {}


def test_some_actions_are_overdue_at_q2(example):
    status = {r["Key"]: ActionStatus.parse(r["Status"]) for r in figures(Q2) if r["Sheet"] == "Actions"}
    overdue = sorted(a.ref for a in example.actions if action_overdue(status[a.ref], a.due, Q2))
    assert overdue == ["AOP-A1", "CF-A3", "PS-A3"]


# --- the starter plan of `xlplan init` ------------------------------------------------------------

def test_starter_plan_is_valid_and_guides_the_officer(tmp_path):
    path = write_starter(tmp_path, year=FinancialYear(2024))
    plan, report = load_plan(path)
    assert report.codes() == []
    assert plan.year == FinancialYear(2024) and len(plan.measures) >= 2 and len(plan.actions) >= 2
    assert all(plan.measures_for(s.name) or plan.actions_for(s.name) for s in plan.services)
    assert {y for m in plan.measures for y in m.history} == set(FinancialYear(2024).prior_years(3))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Settings", "Themes", "Services", "Measures", "Actions"]
    assert [r[0] for r in wb["Settings"].iter_rows(min_row=2, values_only=True)] == list(SETTINGS)
    for ws in wb.worksheets:
        for cell in ws[1]:
            if cell.value in COLUMN_NOTES:
                assert cell.comment is not None and cell.comment.text == COLUMN_NOTES[cell.value]
    lists = {str(dv.formula1) for dv in wb["Measures"].data_validations.dataValidation}
    assert {'"%,£,number,ratio"', '"Higher,Lower,Monitor"', '"Level,Cumulative"'} <= lists
    assert wb["Actions"]["I2"].number_format == "DD/MM/YYYY"
    assert plan.actions[0].due == date(2024, 11, 1)


def test_starter_refuses_to_overwrite_unless_forced(tmp_path):
    path = write_starter(tmp_path)
    edited = path.read_bytes()
    with pytest.raises(XlplanError, match="already exists.*--force"):
        write_starter(tmp_path)
    assert path.read_bytes() == edited
    write_starter(tmp_path, force=True)
    assert load_plan(path)[1].valid
