"""Resources and benchmarks in the reports: a resources table per service whose totals add up
(checked: a table that does not is an error, never written), the comparator columns and gap
chart, the summary workbook's sheets, and a report without either exactly as before."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from docx import Document

from builders import budget_line
from lo import SOFFICE, to_pdf
from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, make_plan, make_templates, run
from xlplan.benchmarks import import_benchmarks
from xlplan.contract import budget as sheet
from xlplan.demo.fill import fill_return
from xlplan.errors import XlplanError
from xlplan.plan import read_plan
from xlplan.reports import write_reports
from xlplan.reports.resources import check_totals, table_rows
from xlplan.reports.docx_tables import Cell

BUDGET = [
    budget_line(CJ, "Youth Justice", FTE=10.5, Expenditure="494,347", Income="0", Net="494,347"),
    budget_line(CJ, "Community Payback", FTE=21.4, Expenditure="992,016", Income="(329,776)", Net="662,240"),
    budget_line(CJ, "Grant", FTE=None, Expenditure=None, Income="£100,000", Net=None, Type="Income"),
    budget_line(AOP, "Care homes", FTE=177, Expenditure="24,995,112", Income="-2,133,000", Net="22,862,112"),
]
BENCHMARKS = ("Indicator code,Indicator,Value,Scottish average,Family group average,Best in class,Rank\n"
              "SW01,Percent measure,71%,74.0,70.0,90.0,12 of 32\n"
              "SW03,Lower is better,40,55,50,20,3\n"
              "XX99,Not in the plan,1,2,3,4,5\n")


@pytest.fixture
def quarter_with_budget(tmp_path):
    t = make_templates(make_plan(tmp_path, budget=BUDGET, settings={"Budget tolerance": "2%"}))
    fill_return(t[CJ], tmp_path / "returns" / "cj.xlsx", measures=GOOD_CJ, budget={
        "Youth Justice": {sheet.SPEND: "240,000", sheet.FORECAST: "494,347"},
        "Community Payback": {sheet.SPEND: "360,000", sheet.FORECAST: "700,000", sheet.COMMENTS: "Overtime"},
        "Grant": {sheet.SPEND: "50,000", sheet.FORECAST: "100,000"}})
    fill_return(t[AOP], tmp_path / "returns" / "aop.xlsx", measures=GOOD_AOP)   # no spend returned yet
    (tmp_path / "bench.csv").write_text(BENCHMARKS, encoding="cp1252")
    plan = read_plan(tmp_path / "plan.xlsx")
    imported = import_benchmarks(tmp_path / "bench.csv", plan, "2022-23", f"sqlite:///{tmp_path}/xlplan.db")
    assert [r.code for r in imported.stored] == ["SW01", "SW03"] and imported.unmatched == [(4, "XX99")]
    return tmp_path


def test_the_resources_table_adds_up(quarter_with_budget):
    results = run(quarter_with_budget).results
    rows = table_rows(results, CJ)
    text = [[c.text if isinstance(c, Cell) else c for c in r] for r in rows]
    assert text[0][:5] == ["Youth Justice", "10.5", "£494,347", "£247,174", "£240,000"]
    assert text[2][2:5] == ["(£100,000)", "(£50,000)", "(£50,000)"]          # income, taken off the net
    total = text[-1]
    assert total[:5] == ["Total", "31.9", "£1,056,587", "£528,294", "£550,000"]
    assert total[5] == "£21,706" and total[6] == "£1,094,347"
    check_totals(CJ, rows)
    aop = [[c.text if isinstance(c, Cell) else c for c in r] for r in table_rows(results, AOP)]
    assert aop[0][4] == "–" and aop[0][7] == "Report later" and aop[-1][4] == "–"


def test_a_total_that_does_not_add_up_is_an_error(quarter_with_budget):
    rows = table_rows(run(quarter_with_budget).results, CJ)
    rows[-1][2] = "£1,056,588"                       # a pound out
    with pytest.raises(XlplanError, match=r"resources table for Children and Justice does not add up: its Budget "
                                          r"total is £1,056,588 but its lines sum to £1,056,587"):
        check_totals(CJ, rows)
    rows = table_rows(run(quarter_with_budget).results, CJ)
    rows[0][4] = "£240,001"
    with pytest.raises(XlplanError, match="Spend to date"):
        check_totals(CJ, rows)


def test_word_report_has_the_resources_and_comparator_tables_and_the_chart(quarter_with_budget, tmp_path):
    results = run(quarter_with_budget).results
    docx, xlsx = write_reports(results, tmp_path / "out")
    doc = Document(str(docx))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Resources" in headings and "How we compare" in headings
    found = [t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == ["Performance Indicator", "Year",
                                                                                  "Council"]]
    assert found, "no comparison table"
    cells = [[c.text for c in r.cells] for r in found[0].rows]
    sw01 = next(r for r in cells if r[0].startswith("Measure SW01"))
    assert sw01[1:] == ["2022/23", "71%", "74%", "70%", "90%", "12 of 32", "1.0 points better"]
    sw03 = next(r for r in cells if r[0].startswith("Measure SW03"))
    assert sw03[-1] == "10 better"                     # Lower is better: 40 against 50
    rows = [r for t in doc.tables if t.rows[0].cells[0].text == "Performance Indicators" for r in t.rows]
    beside = next(r.cells[0].text for r in rows if r.cells[0].text.startswith("Measure SW01"))
    assert beside.endswith("2022/23: family group 70%, Scotland 74%, best 90%, rank 12 of 32; 1.0 points better")
    resources = [t for t in doc.tables if t.rows[0].cells[0].text == "Line"]
    assert len(resources) == 2
    assert [c.text for c in resources[0].rows[-1].cells][:3] == ["Total", "31.9", "£1,056,587"]
    with zipfile.ZipFile(docx) as z:
        images = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(images) >= 2 and any(z.read(n)[:8] == b"\x89PNG\r\n\x1a\n" and len(z.read(n)) > 5000
                                        for n in images)
    wb = openpyxl.load_workbook(xlsx)
    assert {"Budget", "Benchmarks"} <= set(wb.sheetnames)
    budget = list(wb["Budget"].iter_rows(values_only=True))
    assert budget[1][:3] == (CJ, "Youth Justice", "Service") and budget[1][16] == "cj.xlsx"


def test_a_lead_in_is_kept_on_the_page_of_the_table_or_chart_it_introduces(quarter_with_budget, tmp_path):
    docx, _ = write_reports(run(quarter_with_budget).results, tmp_path / "out")
    paragraphs = Document(str(docx)).paragraphs
    leads = {"The council's figures against": "the comparison table", "measures furthest from": "the gap chart",
             "Spend to ": "the resources tables", "Key to status": "the key"}
    for start, what in leads.items():
        lead = next(p for p in paragraphs if start in p.text)
        assert lead.paragraph_format.keep_with_next, f"the lead-in to {what} may be left at the foot of a page"
    plain = next(p for p in paragraphs if p.text.startswith("This report sets out"))
    assert not plain.paragraph_format.keep_with_next        # only a lead-in is kept with what follows


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_report_renders_in_libreoffice(quarter_with_budget, tmp_path):
    docx, _ = write_reports(run(quarter_with_budget).results, tmp_path / "out")
    pdf = to_pdf(docx, tmp_path / "pdf")
    assert pdf.exists() and pdf.stat().st_size > 10_000


def test_a_report_without_budget_or_benchmarks_has_neither(quarter, tmp_path):
    docx, xlsx = write_reports(run(quarter).results, tmp_path / "out")
    doc = Document(str(docx))
    headings = [p.text for p in doc.paragraphs]
    assert "Resources" not in headings and "How we compare" not in headings
    assert not {"Budget", "Benchmarks"} & set(openpyxl.load_workbook(xlsx).sheetnames)


def test_the_cover_report_says_how_the_budget_stands(quarter_with_budget):
    from xlplan.reports.resources import cover_lines
    summary, reds = cover_lines(run(quarter_with_budget).results)
    assert summary == ("Of 4 budget lines, 2 Green, 1 Red, 1 Report later. Net spend to September 2023 on the lines "
                       "returned is £550,000 against £528,294 profiled: £21,706 over. The tables are in Appendix 1.")
    assert reds == ["Community Payback (Children and Justice): £28,880 over to date, forecast £37,760 over for the year."]


def test_the_chart_shows_the_measures_furthest_from_the_family_group(quarter_with_budget):
    from xlplan.reports.benchmarks import chart_data, comparisons
    found = comparisons(run(quarter_with_budget).results)
    bars = chart_data(found)
    # SW03 40 against 50 (Lower is better): 20% below, better; SW01 71% against 70.0%: 1.4% above, better
    assert [(label.split()[0], round(gap, 3), better) for label, gap, better in bars] == [
        ("SW03", -0.2, True), ("SW01", 0.014, True)]


def test_each_bar_of_the_gap_chart_says_better_or_worse_in_words_not_colour_alone():
    from xlplan.reports.chart import bar_label, gap_chart
    assert [bar_label(-0.31, True), bar_label(0.21, False), bar_label(0.02, None)] == [
        "-31% better", "+21% worse", "+2%"]
    drawn = []
    import matplotlib.axes
    real = matplotlib.axes.Axes.annotate
    try:
        matplotlib.axes.Axes.annotate = lambda self, text, *a, **k: drawn.append(text) or real(self, text, *a, **k)
        png = gap_chart([("SW03 Lower is better", -0.2, True), ("SW01 Percent", 0.014, False)])
    finally:
        matplotlib.axes.Axes.annotate = real
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(drawn) == ["+1% worse", "-20% better"]
