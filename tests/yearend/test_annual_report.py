"""`xlplan report --year`: the annual Word report and summary workbook, read back."""

from __future__ import annotations

import subprocess
import sys

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from lo import SOFFICE, to_pdf
from year_cases import CJ, FIGURES, ACTION_UPDATES, HEALTH, YEAR, make_year_plan, run_quarter, run_year
from xlplan.cli import main
from xlplan.plan import read_plan
from xlplan.reports.charts import theme_chart
from xlplan.store import load_year

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    root = tmp_path_factory.mktemp("annual")
    db = f"sqlite:///{root}/xlplan.db"
    plan_path = run_year(root, db)
    out = root / "reports"
    result = CliRunner().invoke(main, ["report", "--year", "2023-24", "--plan", str(plan_path), "--db", db,
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return root, db, plan_path, out


def rows_of(document) -> dict[str, list[str]]:
    """Measure code → the cells of its row in the theme tables."""
    found = {}
    for table in document.tables:
        if table.rows[0].cells[0].text != "Measure":
            continue
        for row in table.rows[1:]:
            cells = [c.text for c in row.cells]
            found[cells[0].split()[0]] = cells
    return found


def test_each_measure_has_its_quarters_outturn_target_status_and_trend(reported):
    _, _, _, out = reported
    d = docx.Document(str(out / "2023-24 annual performance report.docx"))
    rows = rows_of(d)
    assert set(rows) == {"Q01", "Q02", "P01", "D01", "M01", "M02", "S01", "A01"}
    header = [c.text for c in next(t for t in d.tables if t.rows[0].cells[0].text == "Measure").rows[0].cells]
    assert header == ["Measure", "Q1", "Q2", "Q3", "Q4", "Outturn 2023/24", "Target", "Status", "2022/23",
                      "Trend on 2022/23"]
    assert rows["Q01"][1:] == ["71%", "73%", "74%", "76%", "76%\nQ4 level", "75%", "Green", "72%", "↑ Improving"]
    assert rows["M01"][2] == "330\nrestated" and rows["M01"][5] == "1,320\nsum of Q1–Q4"
    assert rows["A01"][1:4] == ["not due"] * 3 and rows["A01"][6:8] == ["92%\n2024/25: 95%", "Amber"]
    assert rows["Q02"][1:8] == ["£24,000", "£49,000", "£76,000", "£101,500", "£101,500\nQ4 to date",
                                "£100,000\n2024/25: £120,000", "Green"]         # next year's target beside
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Figures were collected for Q1, Q2, Q3 and Q4." in text
    assert "2023/24: annual performance report" in text


def test_status_cells_are_coloured_and_worded(reported):
    _, _, _, out = reported
    d = docx.Document(str(out / "2023-24 annual performance report.docx"))
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "Measure")
    cell = table.rows[1].cells[7]
    fill = cell._tc.xpath("./w:tcPr/w:shd/@w:fill")
    assert cell.text in ("Green", "Amber", "Red") and fill and fill[0] in ("A9D08E", "FFD966", "FF8B8B")


def test_a_chart_per_theme_with_words_for_those_who_cannot_see_it(reported):
    _, _, _, out = reported
    d = docx.Document(str(out / "2023-24 annual performance report.docx"))
    shapes = list(d.inline_shapes)
    assert len(shapes) == 2                        # two themes with measures; the third has none
    descr = [s._inline.docPr.get("descr") for s in shapes]
    assert any("Q01: 76% in 2023/24 against a target of 75%" in x for x in descr)
    blobs = [rel.target_part.blob for rel in d.part.rels.values() if "image" in rel.reltype]
    assert blobs and all(b.startswith(PNG) for b in blobs)
    text = "\n".join(p.text for p in d.paragraphs)
    assert "No measures under this theme this year." in text


def test_tables_fit_the_landscape_page(reported):
    _, _, _, out = reported
    d = docx.Document(str(out / "2023-24 annual performance report.docx"))
    landscape = d.sections[-1]
    width = (landscape.page_width - landscape.left_margin - landscape.right_margin) / 635
    assert landscape.page_width > landscape.page_height
    for t in d.tables:
        total = sum(int(w) for w in t._tbl.xpath("./w:tblGrid/w:gridCol/@w:w"))
        assert total <= width + 30


def test_summary_workbook_holds_the_outturns_as_figures_and_words(reported):
    _, _, _, out = reported
    wb = openpyxl.load_workbook(out / "2023-24 annual summary.xlsx")
    ws = wb["Outturns"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["Code", "Measure"]      # as on the quarter's Measures sheet; repeated on each printed page
    assert ws.print_title_cols == "$A:$B" and ws.page_setup.fitToWidth == 3
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["Q02"]["Outturn 2023/24"] == 101500 and rows["Q02"]["Status"] == "Green"
    assert rows["A01"]["Q1"] == "not due" and rows["A01"]["Target"] == "92%"
    assert rows["A01"]["Target 2024/25"] == "95%" and rows["Q01"]["Target 2024/25"] == "not set in the plan"
    assert "restated: Q2" in rows["M01"]["How the outturn is worked out"]
    assert rows["Q01"]["2022/23"] == pytest.approx(0.72)
    assert [a[1] for a in wb["Actions"].iter_rows(min_row=2, values_only=True)] == ["A1", "A2", "A3", "A4"]


def test_text_from_a_return_stays_text(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = make_year_plan(tmp_path)
    for q in (1, 2, 3, 4):
        run_quarter(plan_path, YEAR.quarter(q), db, tmp_path / f"q{q}", FIGURES[q], ACTION_UPDATES[q])
    # a progress update typed as a formula and as markup
    from xlplan.demo.fill import fill_return
    from xlplan.collect import collect
    tpl = next((tmp_path / "templates" / "2023-24-Q4").glob(f"*{CJ}*"))
    fill_return(tpl, tmp_path / "q4" / f"{CJ}.xlsx", measures={k: {"To date": v} for k, v in FIGURES[4][CJ].items()},
                actions={"A2": {"Status": "Amber", "Comments/Progress": "=1+1 <w:t>x</w:t> &"}})
    collect(plan_path, YEAR.quarter(4), tmp_path / "q4", db)
    result = CliRunner().invoke(main, ["report", "--year", "2023-24", "--plan", str(plan_path), "--db", db,
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    d = docx.Document(str(tmp_path / "out" / "2023-24 annual performance report.docx"))
    assert any("=1+1 <w:t>x</w:t> &" in c.text for t in d.tables for r in t.rows for c in r.cells)
    ws = openpyxl.load_workbook(tmp_path / "out" / "2023-24 annual summary.xlsx")["Actions"]
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == "=1+1 <w:t>x</w:t> &")
    assert cell.data_type == "s"


def test_quarters_not_collected_say_so(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = run_year(tmp_path, db, quarters=(1, 2))
    result = CliRunner().invoke(main, ["report", "--year", "2023-24", "--plan", str(plan_path), "--db", db,
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and "Not collected for 2023-24: Q3, Q4" in result.output
    rows = rows_of(docx.Document(str(tmp_path / "out" / "2023-24 annual performance report.docx")))
    assert rows["Q01"][3:6] == ["not collected", "not collected", "no outturn\nQ4 level"]
    assert rows["Q01"][7] == "Report later"
    assert all(cell not in ("0", "0%", "£0") for row in rows.values() for cell in row)


def test_report_wants_a_period_or_a_year(tmp_path):
    runner = CliRunner()
    neither = runner.invoke(main, ["report", "--plan", str(tmp_path / "p.xlsx")])
    both = runner.invoke(main, ["report", "--period", "2023-24-Q4", "--year", "2023-24"])
    assert neither.exit_code == 2 and "--period" in neither.output and "--year" in neither.output
    assert both.exit_code == 2 and "not both" in both.output


def test_charts_need_two_figures(tmp_path):
    plan = read_plan(make_year_plan(tmp_path))
    empty = load_year(f"sqlite:///{tmp_path}/none.db", plan, YEAR)
    health = [m for m in empty.measures if m.theme == HEALTH]
    # A01 has two history years: a line even with no outturn yet; M02 has no history, no figures
    png = theme_chart(health, "2023/24")
    assert png is not None and png.startswith(PNG)
    assert theme_chart([m for m in health if m.code == "M02"], "2023/24") is None


def test_the_quarterly_report_does_not_load_matplotlib(reported):
    root, db, plan_path, _ = reported
    code = ("import sys\nfrom xlplan.cli import main\n"
            f"try:\n    main(['report', '--period', '2023-24-Q4', '--plan', {str(plan_path)!r}, '--db', {db!r}, "
            f"'--out', {str(root / 'q4')!r}], prog_name='xlplan')\nexcept SystemExit as e:\n    print('RC', e.code)\n"
            "print('MPL', 'matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "RC 0" in done.stdout and "MPL False" in done.stdout, done.stdout + done.stderr


def test_the_report_says_which_quarters_were_signed_off(tmp_path):
    from xlplan.store import sign_off
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = run_year(tmp_path, db)
    for q in (1, 2, 3):
        sign_off(db, f"2023-24-Q{q}", by="Morag Lindsay")
    result = CliRunner().invoke(main, ["report", "--year", "2023-24", "--plan", str(plan_path), "--db", db,
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "out" / "2023-24 annual performance report.docx"))
                     .paragraphs)
    assert "Sign-off: Q1 was signed off by Morag Lindsay on " in text
    assert "Q4 has not been signed off, so its figures may still change." in text
    about = [c.value for c in openpyxl.load_workbook(tmp_path / "out" / "2023-24 annual summary.xlsx")["About"]["A"]]
    assert any(v and v.startswith("Sign-off: Q1") for v in about)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_no_status_heading_is_split_inside_a_word(reported, tmp_path):
    # rendered by LibreOffice: the summary's theme table once printed "Contex" / "tual"
    _, _, _, out = reported
    pdf = to_pdf(out / "2023-24 annual performance report.docx", tmp_path)
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "2", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    header = next(line for line in text.splitlines() if line.lstrip().startswith("Theme "))
    assert "Contextual" in header.split() and "Green" in header.split(), header
