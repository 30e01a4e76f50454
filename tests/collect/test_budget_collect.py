"""Spend against the activity budget through templates and collect: the protected Budget sheet,
its figures checked and judged, stored with lineage and rule in budget_lines; a LibreOffice-saved
return reads the same; a plan without a Budget sheet writes and stores none."""

from __future__ import annotations

import json

import openpyxl
import pytest
from sqlalchemy import create_engine, inspect

from builders import budget_line
from lo import SOFFICE, resave
from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, Q2, fill, make_plan, make_templates, row_of, run
from xlplan.contract import budget as sheet
from xlplan.demo.fill import fill_return
from xlplan.store import table_contents

BUDGET = [
    budget_line(CJ, "Youth Justice", Expenditure="494,347", Income="0", Net="494,347"),          # Q2: £247,173.50
    budget_line(CJ, "Community Payback", Expenditure="992,016", Income="(329,776)", Net="662,240",
                Profile="20%; 30%; 25%; 25%"),                                                     # Q2: 50%
    budget_line(AOP, "Charges", FTE=None, Expenditure=None, Income="£165k", Net=None, Type="Income"),
]


def budget_quarter(root, spend_cj, spend_aop=None):
    t = make_templates(make_plan(root, budget=BUDGET, settings={"Budget tolerance": "2%"}))
    fill_return(t[CJ], root / "returns" / "cj.xlsx", measures=_text(GOOD_CJ), budget=spend_cj)
    fill_return(t[AOP], root / "returns" / "aop.xlsx", measures=_text(GOOD_AOP), budget=spend_aop or {})
    return t


def _text(entries):
    return {k: {c: v for c, v in cells.items()} for k, cells in entries.items()}


def stored(root):
    rows = table_contents(f"sqlite:///{root}/xlplan.db")["budget_lines"]
    names = [c["name"] for c in inspect(create_engine(f"sqlite:///{root}/xlplan.db")).get_columns("budget_lines")]
    return {r[names.index("line")]: dict(zip(names, r)) for r in rows}


def test_the_budget_sheet_is_protected_and_locked_but_for_spend_and_forecast(tmp_path):
    t = make_templates(make_plan(tmp_path, budget=BUDGET))
    wb = openpyxl.load_workbook(t[CJ])
    assert sheet.BUDGET_SHEET in wb.sheetnames
    ws = wb[sheet.BUDGET_SHEET]
    assert ws.protection.sheet
    head, cols = 4, {c.value: c.column for c in ws[4] if c.value}
    assert list(cols) == sheet.headers()
    r = row_of(ws, "Line", "Community Payback")
    assert ws.cell(r, cols["Net budget"]).value == 662_240 and ws.cell(r, cols[sheet.PROFILED]).value == 331_120
    for h in sheet.headers():
        assert ws.cell(r, cols[h]).protection.locked == (h not in sheet.INPUTS), h
    rules = {str(dv.sqref): (dv.type, dv.operator, dv.formula1) for dv in ws.data_validations.dataValidation}
    spend = f"{openpyxl.utils.get_column_letter(cols[sheet.SPEND])}{r}"
    assert rules[spend] == ("decimal", "greaterThanOrEqual", "0")
    total = ws.cell(r + 1, cols[sheet.PROFILED]).value
    assert ws.cell(r + 1, cols["Line"]).value is None and total.startswith("=SUMIF(")
    ident = {row[1] for row in wb["xlplan"].iter_rows(values_only=True) if row[0] == "row"}
    assert any(v.startswith("Budget|Community Payback|") for v in ident)


def test_spend_is_judged_and_stored_with_its_source_and_rule(tmp_path):
    budget_quarter(tmp_path, {
        "Youth Justice": {sheet.SPEND: "252,000", sheet.FORECAST: "£0.5 million"},       # 1.95% over: Amber
        "Community Payback": {sheet.SPEND: "340000", sheet.FORECAST: "700000",           # Red, explained
                              sheet.COMMENTS: "Overtime while two posts were vacant"}},
        {"Charges": {sheet.SPEND: "70000", sheet.FORECAST: "150000"}})                   # income short: Red
    result = run(tmp_path)
    rows = stored(tmp_path)
    yj, cp, ch = rows["Youth Justice"], rows["Community Payback"], rows["Charges"]
    assert (yj["status"], yj["profiled"], yj["variance"]) == ("Amber", 247_173.5, 4_826.5)
    assert yj["source_file"] == "cj.xlsx" and yj["source_sheet"] == "Budget" and yj["source_cell"] == "H5"
    assert yj["forecast_cell"] == "I5" and yj["forecast"] == 500_000
    assert (cp["status"], cp["profiled"], cp["comment"]) == ("Red", 331_120, "Overtime while two posts were vacant")
    assert (ch["status"], ch["kind"], ch["variance"]) == ("Red", "Income", -12_500)
    assert json.loads(ch["rule"])["income_line"] is True and json.loads(yj["rule"])["tolerance"] == 0.02
    warned = [(i.code, i.file, i.sheet, i.cell) for i in result.issues if i.code.startswith("budget.")]
    assert warned == [("budget.no-comment", "aop.xlsx", "Budget", "J5"), ("budget.no-comment", "cj.xlsx", "Budget", "J5")]
    again = table_contents(f"sqlite:///{tmp_path}/xlplan.db")
    run(tmp_path)
    assert table_contents(f"sqlite:///{tmp_path}/xlplan.db") == again             # a re-run changes nothing


def test_bad_figures_are_errors_naming_file_sheet_and_cell(tmp_path):
    budget_quarter(tmp_path, {"Youth Justice": {sheet.SPEND: "about 250k"},
                              "Community Payback": {sheet.SPEND: "-5", sheet.FORECAST: "TBC"}})
    result = run(tmp_path)
    errors = [(i.code, i.file, i.sheet, i.cell) for i in result.issues if i.is_error]
    assert errors == [("budget.not-a-figure", "cj.xlsx", "Budget", "H5"),
                      ("budget.negative", "cj.xlsx", "Budget", "H6")]
    rows = stored(tmp_path)
    assert rows["Youth Justice"]["status"] == "Report later" and rows["Youth Justice"]["in_error"]
    assert rows["Community Payback"]["forecast"] is None                        # TBC: not known yet
    assert rows["Charges"]["status"] == "Report later"                          # nothing returned for it
    assert result.exit_code == 1


def test_a_locked_budget_edited_or_a_line_deleted_is_named(tmp_path):
    t = make_templates(make_plan(tmp_path, budget=BUDGET))

    def tamper(wb):
        ws = wb[sheet.BUDGET_SHEET]
        r = row_of(ws, "Line", "Youth Justice")
        ws.cell(r, 6).value = 1                            # Net budget
        ws.delete_rows(row_of(ws, "Line", "Community Payback"))

    fill(t[CJ], tmp_path / "returns" / "cj.xlsx", GOOD_CJ, edit=tamper)
    result = run(tmp_path)
    found = [(i.code, i.sheet, i.key) for i in result.issues if i.sheet == sheet.BUDGET_SHEET]
    assert ("return.row-edited", "Budget", "Youth Justice") in found
    assert ("return.row-deleted", "Budget", "Community Payback") in found


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_a_return_saved_by_libreoffice_reads_the_same(tmp_path):
    budget_quarter(tmp_path, {"Youth Justice": {sheet.SPEND: "252000", sheet.FORECAST: "500000",
                                                sheet.COMMENTS: "Agency cover"}})
    run(tmp_path)
    before = stored(tmp_path)
    lo = tmp_path / "lo"
    resave(tmp_path / "returns" / "cj.xlsx", lo)
    (tmp_path / "returns" / "cj.xlsx").unlink()
    (lo / "cj.xlsx").rename(tmp_path / "returns" / "cj.xlsx")
    result = run(tmp_path)
    assert not [i for i in result.issues if i.sheet == sheet.BUDGET_SHEET and i.code.startswith("return.")]
    after = stored(tmp_path)
    keep = ("status", "spend", "forecast", "variance", "comment", "source_cell")
    assert {k: {c: v[c] for c in keep} for k, v in after.items()} == \
        {k: {c: v[c] for c in keep} for k, v in before.items()}


def test_a_plan_without_a_budget_sheet_has_no_budget_sheet_or_rows(tmp_path):
    t = make_templates(make_plan(tmp_path))
    assert sheet.BUDGET_SHEET not in openpyxl.load_workbook(t[CJ]).sheetnames
    fill(t[CJ], tmp_path / "returns" / "cj.xlsx", GOOD_CJ)
    run(tmp_path)
    assert table_contents(f"sqlite:///{tmp_path}/xlplan.db")["budget_lines"] == []


def test_budget_lines_on_every_backend_and_a_rerun_changes_nothing(tmp_path, db_url):
    budget_quarter(tmp_path, {"Youth Justice": {sheet.SPEND: "252000", sheet.FORECAST: "500000"}})
    run(tmp_path, db=db_url)
    first = table_contents(db_url)
    rows = {r[2]: r for r in first["budget_lines"]}
    assert set(rows) == {"Youth Justice", "Community Payback", "Charges"}
    assert rows["Youth Justice"][11:16] == (252_000, 500_000, 4_826.5, 5_653, "Amber")
    run(tmp_path, db=db_url)
    assert table_contents(db_url) == first


def test_a_signed_off_quarter_covers_its_budget_lines(tmp_path):
    from xlplan.store import sign_off
    from xlplan.store.schema import budget_lines, engine
    from xlplan.store.signoff import quarter_fingerprint
    budget_quarter(tmp_path, {"Youth Justice": {sheet.SPEND: "252000"}})
    db = f"sqlite:///{tmp_path}/xlplan.db"
    run(tmp_path)
    sign_off(db, Q2.id, "Head of Service")
    eng = engine(db)
    with eng.begin() as conn:
        before = quarter_fingerprint(conn, Q2.id)
        conn.execute(budget_lines.update().where(budget_lines.c.line == "Youth Justice").values(spend=1.0))
        assert quarter_fingerprint(conn, Q2.id) != before
        conn.rollback()
    eng.dispose()


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_figures_typed_in_libreoffice_formulas_and_words_included(tmp_path):
    from lo import lo_type
    t = make_templates(make_plan(tmp_path, budget=BUDGET))
    lo_type(t[CJ], tmp_path / "returns" / "cj.xlsx", {
        ("Budget", "H5"): "=250000+2000", ("Budget", "I5"): "£0.5 million",
        ("Budget", "H6"): "TBC", ("Budget", "J6"): "=see the attached note"})
    result = run(tmp_path)
    rows = stored(tmp_path)
    assert (rows["Youth Justice"]["spend"], rows["Youth Justice"]["forecast"]) == (252_000, 500_000)
    assert rows["Community Payback"]["spend"] is None and rows["Community Payback"]["status"] == "Report later"
    found = [(i.code, i.cell) for i in result.issues if i.sheet == "Budget"]
    assert ("cell.formula-used", "H5") in found and ("cell.formula-in-text", "J6") in found
    assert not [i for i in result.issues if i.is_error]


def test_last_quarters_spend_is_offered_and_a_correction_is_stored_as_a_restatement(tmp_path):
    from quarter import make_plan as plan_in
    from xlplan.periods import Period
    from xlplan.plan import read_plan
    from xlplan.reports import write_reports
    from xlplan.store import budget_offers, load_results
    from xlplan.templates.build import write_templates
    q1 = Period.parse("2023-24-Q1")
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = plan_in(tmp_path, budget=BUDGET, settings={"Budget tolerance": "2%"})
    plan = read_plan(plan_path)
    t1 = {p.name.split(" return")[0].split(" ", 1)[1]: p
          for p in write_templates(plan, q1, tmp_path / "t1", plan_path=plan_path)}
    fill_return(t1[CJ], tmp_path / "r1" / "cj.xlsx", measures=GOOD_CJ,
                budget={"Youth Justice": {sheet.SPEND: "126,000"}, "Community Payback": {sheet.SPEND: "130,000"}})
    from xlplan.collect import collect
    collect(plan_path, q1, tmp_path / "r1", db)
    offers = budget_offers(db, plan, Q2)
    assert offers == {(CJ, "Youth Justice"): 126_000, (CJ, "Community Payback"): 130_000}
    t2 = {p.name.split(" return")[0].split(" ", 1)[1]: p
          for p in write_templates(plan, Q2, tmp_path / "t2", plan_path=plan_path, budget_offers=offers)}
    ws = openpyxl.load_workbook(t2[CJ])[sheet.BUDGET_SHEET]
    head = [c.value for c in ws[4]]
    assert head[-3:] == ["Q1 spend as reported", "Q1 spend corrected", "Reason for correction"]
    assert sheet.BUDGET_SHEET in openpyxl.load_workbook(t2[AOP]).sheetnames
    assert "Q1 spend as reported" not in [c.value for c in openpyxl.load_workbook(t2[AOP])[sheet.BUDGET_SHEET][4]]
    fill_return(t2[CJ], tmp_path / "returns" / "cj.xlsx", measures=GOOD_CJ, budget={
        "Youth Justice": {sheet.SPEND: "250,000", "Q1 spend corrected": "124,500",
                          "Reason for correction": "A journal for agency staff moved to Q2."},   # its own full stop
        "Community Payback": {sheet.SPEND: "331,000", "Q1 spend corrected": "135,000"}})      # no reason
    result = run(tmp_path, Q2, db)
    errors = [(i.code, i.sheet, i.cell) for i in result.issues if i.is_error]
    assert errors == [("correction.no-reason", "Budget", "M6")]            # the reason cell
    rows = table_contents(db)["budget_restatements"]
    assert [(r[0], r[1], r[3], r[5], r[6], r[7], r[13]) for r in rows] == [
        ("2023-24-Q2", "2023-24-Q1", "Youth Justice", 126_000, 124_500, "Amber", "L5")]   # £913 over Q1's £123,587
    results = load_results(db, plan, Q2)
    assert [r.line_text() for r in results.budget_restatements] == [
        "Q1 spend restated: £126,000 → £124,500, reason: A journal for agency staff moved to Q2."]
    assert load_results(db, plan, q1).budget_restatements == []          # Q1's own report is unchanged
    again = table_contents(db)
    run(tmp_path, Q2, db)
    assert table_contents(db) == again
    docx, xlsx = write_reports(results, tmp_path / "out")
    restated = list(openpyxl.load_workbook(xlsx)["Budget restated"].iter_rows(values_only=True))
    assert restated[1][:7] == (CJ, "Youth Justice", "Alex Manager", "Q1", 126_000, 124_500, "Amber")
    from docx import Document
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "Youth Justice (Children and Justice): Q1 spend restated: £126,000 → £124,500" in text
    assert "moved to Q2." in text and "moved to Q2.." not in text       # one full stop, not the reason's and ours
