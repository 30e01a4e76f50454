"""The example plan (Glenburn Council) through a whole quarter: templates, returns filled in as the
managers typed them (figures/*.csv), one of them through LibreOffice and renamed, collected with
exit 0 and every status exactly what the status engine prescribes for what was typed."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from lo import needs_lo
from lo import lo_type
from xlplan import store
from xlplan.collect import collect
from xlplan.demo.fill import fill_return
from xlplan.frequency import combine_months, quarter_months
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.status import ActionStatus, Status, measure_status
from xlplan.templates.build import write_templates
from xlplan.values import parse_value

EXAMPLE = Path(__file__).resolve().parents[2] / "examples"
Q1, Q2 = Period.parse("2023-24-Q1"), Period.parse("2023-24-Q2")


def typed(period: Period) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """service → sheet → key → {column: text typed}, from the example's figures file."""
    found: dict = {}
    with open(EXAMPLE / "figures" / f"{period.id}.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            columns = {c: row[c] for c in ("To date", "Status", "Comments/Progress")
                       if row.get(c) and not (row["Sheet"] == "Actions" and c == "To date")}
            if ";" in columns.get("To date", ""):    # a monthly measure: a figure for each month
                columns.update(zip(quarter_months(period), (v.strip() for v in columns.pop("To date").split(";"))))
            found.setdefault(row["Service"], {}).setdefault(row["Sheet"], {})[row["Key"]] = columns
    return found


def expected_statuses(plan, period: Period) -> dict[str, Status]:
    """What the status engine prescribes for each measure from the text typed (no workbook involved)."""
    out = {}
    entries = {k: v for s in typed(period).values() for k, v in s.get("Measures", {}).items()}
    for m in plan.measures:
        e = entries.get(m.code, {})
        if m.frequency.monthly:
            value = combine_months([(label, parse_value(e.get(label) or None, m.unit))
                                    for label in quarter_months(period)], m.quarter_rule, m.unit)
        else:
            value = parse_value(e.get("To date") or None, m.unit)
        assessed = Status.parse_assessment(e.get("Status"))
        out[m.code] = measure_status(value, m.rule(period, plan.settings.amber_tolerance), assessed,
                                     due=m.due_in(period)).status
    return out


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    root = tmp_path_factory.mktemp("example")
    shutil.copy(EXAMPLE / "plan.xlsx", root / "plan.xlsx")
    return root, read_plan(root / "plan.xlsx")


def fill_quarter(root: Path, plan, period: Period, *, skip: str | None = None) -> dict[str, Path]:
    templates = write_templates(plan, period, root / "templates" / period.id, plan_path=root / "plan.xlsx")
    by_service = {s.name: next(p for p in templates if s.name in p.name) for s in plan.services_with_returns()}
    for service, sheets in typed(period).items():
        if service != skip:
            fill_return(by_service[service], root / period.id / f"{service} return.xlsx",
                        sheets.get("Measures"), sheets.get("Actions"))
    return by_service


def collect_quarter(root: Path, period: Period):
    return collect(root / "plan.xlsx", period, root / period.id, f"sqlite:///{root}/xlplan.db")


def test_example_quarters_collect_with_the_engine_statuses(example):
    root, plan = example
    fill_quarter(root, plan, Q1)
    q1 = collect_quarter(root, Q1)
    assert q1.exit_code == 0, [str(i) for i in q1.issues if i.is_error]
    fill_quarter(root, plan, Q2)
    q2 = collect_quarter(root, Q2)
    assert q2.exit_code == 0, [str(i) for i in q2.issues if i.is_error]
    for period, result in ((Q1, q1), (Q2, q2)):
        got = {m.code: m.status for m in store.load_results(f"sqlite:///{root}/xlplan.db", plan, period).measures}
        assert got == expected_statuses(plan, period)
    assert Counter(m.status.value for m in q2.results.measures) == {
        "Green": 14, "Amber": 10, "Red": 4, "Report later": 3, "Contextual": 5, "Not due": 1}
    worked = {m.code: (m.display, m.status.value) for m in q2.results.measures}
    assert worked["PS01"] == ("£91,748", "Amber") and worked["CF01"] == ("63%", "Red")
    assert worked["PS05"][1] == "Green" and worked["CF08"] == ("£161,000", "Amber")
    overdue = {a.ref for a in q2.results.actions if a.overdue}
    assert overdue == {"CF-A3", "AOP-A1", "PS-A3"}
    said = {k: v.get("Status") for s in typed(Q2).values() for k, v in s.get("Actions", {}).items()}
    assert {a.ref: a.status for a in q2.results.actions} == {
        a.ref: ActionStatus.parse(said.get(a.ref)) or ActionStatus.REPORT_LATER for a in plan.actions}


def _lo(test):
    for mark in needs_lo:
        test = mark(test)
    return test


def typed_cells(template: Path, sheets: dict) -> dict[tuple[str, str], str]:
    """{(sheet, A1): text} for LibreOffice to type, found by header and Code/Ref as collect does."""
    import openpyxl
    from quarter import header, row_of
    wb = openpyxl.load_workbook(template)
    found = {}
    for sheet, key in (("Measures", "Code"), ("Actions", "Ref")):
        ws = wb[sheet]
        _, cols = header(ws, key)
        for code, columns in sheets.get(sheet, {}).items():
            r = row_of(ws, key, code)
            found |= {(sheet, ws.cell(r, cols[c]).coordinate): text for c, text in columns.items()}
    return found


@_lo
def test_example_return_typed_in_libreoffice_and_renamed(tmp_path):
    shutil.copy(EXAMPLE / "plan.xlsx", tmp_path / "plan.xlsx")
    plan = read_plan(tmp_path / "plan.xlsx")
    service = "Children and Families"
    templates = fill_quarter(tmp_path, plan, Q2, skip=service)
    sheets = typed(Q2)[service]
    lo_type(templates[service], tmp_path / Q2.id / "CF return - FINAL (2) agreed by HoS.xlsx",
            typed_cells(templates[service], sheets))
    result = collect_quarter(tmp_path, Q2)
    assert result.exit_code == 0, [str(i) for i in result.issues if i.is_error]
    assert {m.code: m.status for m in result.results.measures} == expected_statuses(plan, Q2)
    cf = [r for r in result.records if r.service == service]
    assert [(r.file, r.outcome) for r in cf] == [("CF return - FINAL (2) agreed by HoS.xlsx", "accepted")]
