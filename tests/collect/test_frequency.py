"""Issue #16 (first parts): measures reported monthly, six-monthly and annually beside quarterly
ones, and targets by year, through templates, collect and the reports."""

from __future__ import annotations

import json

import openpyxl
import pytest

from builders import action, build_plan, measure
from lo import lo_type, needs_lo
from quarter import CJ, fill, header, make_templates, row_of, run
from xlplan.contract import layout
from xlplan.periods import Period
from xlplan.plan.reader import read_plan_workbook
from xlplan.status import Status
from xlplan import store

Q1, Q2, Q4 = (Period.parse(f"2023-24-Q{q}") for q in (1, 2, 4))
MONTHS_Q1 = ["Apr 2023", "May 2023", "Jun 2023"]

MEASURES = [
    measure("QT1", Target="75%"),                                                    # quarterly
    measure("MO1", Unit="number", Target="300", Frequency="Monthly"),                # Sum: 3 months
    measure("MO2", Unit="%", Target="80%", Frequency="monthly", Aggregate="Last"),
    measure("SIX", Target="60%", Frequency="6 monthly"),                             # Q2 and Q4
    measure("ANN", Target="70%", Frequency="Annual",
            **{"Target 2023/24": "85%", "Target 2024/25": "90%", "2022/23": "66%"}),  # Q4; year target
]


@pytest.fixture()
def plan_path(tmp_path):
    return build_plan(tmp_path / "plan.xlsx", measures=MEASURES, actions=[action("A1")],
                      services=[{"Service": CJ, "Manager": "Alex", "Email": "alex@anytown.gov.uk"}])


def measures_sheet(path):
    ws = openpyxl.load_workbook(path)[layout.MEASURES_SHEET]
    return ws, header(ws, "Code")[1]


def test_the_plan_reads_frequencies_and_year_targets(plan_path):
    plan, report = read_plan_workbook(plan_path)
    assert report.valid, [str(i) for i in report.issues]
    ms = {m.code: m for m in plan.measures}
    assert [ms[c].frequency.quarters for c in ("QT1", "MO1", "SIX", "ANN")] == [(1, 2, 3, 4), (1, 2, 3, 4), (2, 4), (4,)]
    assert ms["MO1"].quarter_rule.value == "Sum" and ms["MO2"].quarter_rule.value == "Last"
    rule = ms["ANN"].rule(Q4)
    assert rule.target == pytest.approx(0.85) and rule.target_column == "Target 2023/24"
    assert ms["QT1"].rule(Q4).target_column == "Target"


def test_bad_words_and_a_missing_year_target_name_the_cell(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Frequency="fortnightly"), measure("SW02", Unit="%", Frequency="Monthly", Aggregate="Sum"),
        measure("SW03", Target="", **{"Target 2024/25": "80%"}), measure("SW04", Aggregate="Middle"),
        measure("SW05", Unit="number", Target="400", Profile="Cumulative", Frequency="Monthly"),
        measure("SW99", Service="Adult and Older People")])
    _, report = read_plan_workbook(path)
    found = {(i.code.value, i.severity.value): f"{i.sheet}!{i.cell}" for i in report.issues}
    ws = openpyxl.load_workbook(path)["Measures"]
    heads = {c.value: c.column_letter for c in ws[1]}
    assert found[("plan.unknown-word", "error")] in (f"Measures!{heads['Frequency']}2", f"Measures!{heads['Aggregate']}5")
    assert found[("plan.bad-aggregate", "error")] == f"Measures!{heads['Aggregate']}3"
    assert found[("plan.no-year-target", "warning")] == f"Measures!{heads['Target']}4"
    assert found[("plan.monthly-cumulative", "warning")] == f"Measures!{heads['Profile']}6"
    words = [i for i in report.issues if i.code.value == "plan.unknown-word"]
    assert {i.cell for i in words} == {f"{heads['Frequency']}2", f"{heads['Aggregate']}5"}
    assert "Six-monthly" in words[0].message and "Annual (Q2)" in words[0].message


def test_templates_ask_only_for_what_is_due(plan_path):
    q1 = make_templates(plan_path, Q1)[CJ]
    ws, cols = measures_sheet(q1)
    assert [h for h in cols if h in MONTHS_Q1] == MONTHS_Q1 and layout.DUE in cols
    def row(code):
        return row_of(ws, "Code", code)
    due = {c: ws.cell(row(c), cols[layout.DUE]).value for c in ("QT1", "MO1", "SIX", "ANN")}
    assert due["ANN"] == "Annual: next due Q4" and due["SIX"] == "Six-monthly: next due Q2"
    locked = {c: ws.cell(row(c), cols[layout.TO_DATE]).protection.locked for c in ("QT1", "SIX", "ANN")}
    assert locked == {"QT1": False, "SIX": True, "ANN": True}
    assert ws.cell(row("ANN"), cols[layout.TO_DATE]).value == pytest.approx(0.66)   # latest: last year's outturn
    assert [ws.cell(row("MO1"), cols[m]).protection.locked for m in MONTHS_Q1] == [False] * 3
    assert [ws.cell(row("QT1"), cols[m]).protection.locked for m in MONTHS_Q1] == [True] * 3
    assert str(ws.cell(row("MO1"), cols[layout.TO_DATE]).value).startswith("=IF(COUNT(")
    q4 = make_templates(plan_path, Q4, out=plan_path.parent / "t4")[CJ]
    ws4, cols4 = measures_sheet(q4)
    r = row_of(ws4, "Code", "ANN")
    assert ws4.cell(r, cols4[layout.DUE]).value == "Annual: due this quarter"
    assert ws4.cell(r, cols4[layout.TO_DATE]).protection.locked is False
    assert ws4.cell(r, cols4["Annual target"]).value == pytest.approx(0.85)         # Target 2023/24


def test_q1_collect_months_not_due_and_reports(plan_path):
    root = plan_path.parent
    t = make_templates(plan_path, Q1)[CJ]
    fill(t, root / "returns" / "cj.xlsx", {
        "QT1": {"To date": 0.8},
        "MO1": {"Apr 2023": 100, "May 2023": 120, "Jun 2023": 90},
        "MO2": {"Apr 2023": 0.7, "May 2023": 0.75, "Jun 2023": 0.82},
        "ANN": {"Comments/Progress": "Survey runs in January"}})
    result = run(root, Q1)
    assert result.exit_code == 0, [str(i) for i in result.issues]
    got = {m.code: m for m in result.results.measures}
    assert got["MO1"].figure == 310 and got["MO1"].status is Status.GREEN          # sum 310 against 300
    assert got["MO2"].figure == pytest.approx(0.82)                                 # the last month
    assert got["MO1"].source.cell.count(":") == 1
    assert got["ANN"].status is Status.NOT_DUE and got["SIX"].status is Status.NOT_DUE
    assert got["ANN"].comment == "Survey runs in January"
    counts = result.results.measure_counts()
    assert counts[Status.REPORT_LATER] == 0 and counts[Status.NOT_DUE] == 2
    rows = store.table_contents(f"sqlite:///{root}/xlplan.db")["measure_values"]
    cols = [c.name for c in store.measure_values.columns]
    ann = dict(zip(cols, next(r for r in rows if r[1] == "ANN")))
    assert json.loads(ann["rule"])["target_column"] == "Target 2023/24"
    from xlplan.reports import write_reports
    texts = _report_texts(write_reports(result.results, root / "reports"))
    assert "Annual — reported at Q4" in texts and "not due this quarter" in texts


def test_a_bad_month_is_named_by_its_cell_and_a_locked_figure_is_verified(plan_path):
    root = plan_path.parent
    t = make_templates(plan_path, Q1)[CJ]

    def tamper(wb):
        ws = wb[layout.MEASURES_SHEET]
        _, cols = header(ws, "Code")
        ws.cell(row_of(ws, "Code", "ANN"), cols[layout.TO_DATE]).value = 0.99
    fill(t, root / "returns" / "cj.xlsx", {"MO1": {"Apr 2023": 100, "May 2023": "lots", "Jun 2023": 90}},
         edit=tamper)
    result = run(root, Q1)
    ws, cols = measures_sheet(t)
    month_cell = ws.cell(row_of(ws, "Code", "MO1"), cols["May 2023"]).coordinate
    bad = [i for i in result.issues if i.key == "MO1" and i.is_error]
    assert [(i.code.value, i.cell) for i in bad] == [("cell.not-a-number", month_cell)]
    mo1 = next(m for m in result.results.measures if m.code == "MO1")
    assert mo1.status is Status.REPORT_LATER and mo1.in_error
    assert ("return.row-edited", "ANN") in [(i.code.value, i.key) for i in result.issues]


def _report_texts(paths) -> str:
    """All the text of the Word report and the summary workbook."""
    import docx
    out = []
    for p in paths:
        if p.suffix == ".docx":
            d = docx.Document(p)
            out += [para.text for para in d.paragraphs]
            out += [c.text for t in d.tables for r in t.rows for c in r.cells]
        elif p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p, read_only=True)
            out += [str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v]
    return "\n".join(out)


def test_libreoffice_works_out_a_monthly_to_date_and_collect_agrees(plan_path):
    """Months typed in LibreOffice: the template's own To date and RAG formulas recalculate, and the
    quarter figure collect stores is the same."""
    from python_calamine import CalamineWorkbook
    root = plan_path.parent
    t = make_templates(plan_path, Q1)[CJ]
    ws, cols = measures_sheet(t)
    r1, r2 = row_of(ws, "Code", "MO1"), row_of(ws, "Code", "MO2")

    def ref(r, h):
        return ws.cell(r, cols[h]).coordinate
    typed = {**{(layout.MEASURES_SHEET, ref(r1, m)): v for m, v in zip(MONTHS_Q1, ("100", "120", "90"))},
             **{(layout.MEASURES_SHEET, ref(r2, m)): v for m, v in zip(MONTHS_Q1, ("70%", "75%", "82%"))}}
    out = lo_type(t, root / "returns" / "cj.xlsx", typed)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(layout.MEASURES_SHEET).to_python()
    assert rows[r1 - 1][cols[layout.TO_DATE] - 1] == 310
    assert rows[r1 - 1][cols[layout.RAG] - 1] == "Green"
    assert rows[r2 - 1][cols[layout.TO_DATE] - 1] == pytest.approx(0.82)
    got = {m.code: m for m in run(root, Q1).results.measures}
    assert got["MO1"].figure == 310 and got["MO2"].figure == pytest.approx(0.82)


for _mark in needs_lo:
    test_libreoffice_works_out_a_monthly_to_date_and_collect_agrees = _mark(
        test_libreoffice_works_out_a_monthly_to_date_and_collect_agrees)
