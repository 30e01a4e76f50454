"""The summary workbook: sheets, figures per unit, RAG formatting, and return text never a formula."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
from results_factory import HOSTILE, big_results, make_results

from xlplan.reports.narrative import xml_safe
from xlplan.reports.workbook import write_summary
from xlplan.status import Status

# openpyxl (used here only to read the workbook back) does not read sparklines, and says so
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension is not supported")

SHEETS = ["Dashboard", "Measures", "Actions", "Exceptions", "Returns", "Data quality", "Trend data", "Trends"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xlsx")
    results = make_results(tmp)
    path = write_summary(results, tmp / "summary.xlsx")
    return results, path, openpyxl.load_workbook(path)


def rows_of(ws, first: int = 1) -> list[dict]:
    values = list(ws.iter_rows(min_row=first, values_only=True))
    heads = values[0]
    return [dict(zip(heads, r)) for r in values[1:]]


def test_sheets_in_order(built):
    _, _, wb = built
    assert wb.sheetnames == SHEETS


def test_no_formula_cell_holds_return_text_and_hostile_text_is_kept_as_text(built):
    results, _, wb = built
    comments = {xml_safe(m.comment) for m in results.measures} | {xml_safe(a.comment) for a in results.actions}
    comments.discard("")
    strings = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert ws.title == "Trends", (ws.title, cell.coordinate, cell.value)
                    assert not any(c in str(cell.value) for c in comments)
                elif cell.data_type == "s":
                    strings.add(cell.value)
    for key, value in HOSTILE.items():
        assert xml_safe(value) in strings, key
    measures = {r["Code"]: r for r in rows_of(wb["Measures"])}
    assert measures["SW01"]["Comments/Progress"] == '=HYPERLINK("http://x","y")'
    assert measures["SW02"]["Comments/Progress"] == "+1"
    returns = rows_of(wb["Returns"])
    assert "=cmd|' /C calc'!A0.xlsx" in [r["File"] for r in returns]


def test_figures_are_numbers_formatted_per_unit(built):
    _, _, wb = built
    ws = wb["Measures"]
    heads = [c.value for c in ws[1]]
    col = heads.index("To date")
    by_code = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    cases = {"SW01": (0.8, "0%"), "SW03": (130000, "£#,##0"), "SW09": (1668, "#,##0")}
    for code, (value, fmt) in cases.items():
        cell = by_code[code][col]
        assert cell.value == pytest.approx(value) and cell.number_format == fmt, code
    assert by_code["SW05"][col].value == "68/32"
    assert by_code["SW08"][col].value == "Not yet available"
    assert by_code["SW01"][heads.index("2021/22")].value == pytest.approx(0.81)
    assert by_code["SW01"][heads.index("Source cell")].value.startswith("K")


def test_filters_frozen_headers_and_rag_formatting_with_the_word(built):
    _, _, wb = built
    for name in ("Measures", "Actions", "Exceptions", "Returns", "Data quality"):
        ws = wb[name]
        assert ws.auto_filter.ref and ws.freeze_panes == "A2", name
    ws = wb["Measures"]
    status_col = [c.value for c in ws[1]].index("Status") + 1
    letter = openpyxl.utils.get_column_letter(status_col)
    rules = [(str(rng.sqref), r.formula) for rng, rs in ws.conditional_formatting._cf_rules.items() for r in rs]
    words = {f[0] for rng, f in rules if rng.startswith(letter)}
    assert {'"Green"', '"Amber"', '"Red"', '"Report later"', '"Contextual"'} <= words
    statuses = {r[status_col - 1].value for r in ws.iter_rows(min_row=2)}
    assert statuses == {s.value for s in Status if s is not Status.NOT_DUE}   # Not due: tests/collect/test_frequency.py


def test_dashboard_counts_equal_the_results(built):
    results, _, wb = built
    ws = wb["Dashboard"]
    table = {r[0]: r for r in ws.iter_rows(min_row=4, max_col=7, values_only=True) if r[0]}
    assert table["Theme"] == ("Theme", "Green", "Amber", "Red", "Report later", "Contextual", "Total")
    for theme in results.plan.themes:
        counts = results.measure_counts(theme)
        assert table[theme][1:] == (*(counts[Status(h)] for h in table["Theme"][1:6]), sum(counts.values()))
    assert table["Total"][-1] == len(results.measures)
    assert ws._charts, "the dashboard has a chart of statuses by theme"
    side = {r[0]: r[1] for r in ws.iter_rows(min_row=4, min_col=9, max_col=10, values_only=True) if r[0]}
    assert side["Expected"] == 3 and side["Received and accepted"] == 1 and side["Not yet received"] == 2


def test_exceptions_returns_and_data_quality(built):
    results, _, wb = built
    exceptions = rows_of(wb["Exceptions"])
    assert {(r["Kind"], r["Code/Ref"], r["Status"]) for r in exceptions} == {
        ("Measure", "SW02", "Amber"), ("Measure", "SW03", "Red"), ("Measure", "SW07", "Red"),
        ("Measure", "SW10", "Red"), ("Action", "A3", "Amber"), ("Action", "A4", "Red")}
    returns = rows_of(wb["Returns"])
    assert [r["Outcome"] for r in returns] == ["accepted", "rejected", "rejected", "missing", "missing"]
    assert [r["Service"] for r in returns if r["Outcome"] == "missing"] == results.missing_services
    quality = rows_of(wb["Data quality"])
    assert [(r["Code"], r["Cell"]) for r in quality] == [("plan.bad-value", "K9"), ("plan.missing-setting", None)]


def test_trend_chart_looks_up_any_measure(built):
    results, path, wb = built
    data = rows_of(wb["Trend data"])
    sw01 = next(r for r in data if r["Code"] == "SW01")
    assert (sw01["2020/21"], sw01["Q1 2023/24"], sw01["Q2 2023/24"]) == (78, 76, 80)
    assert "Q3 2023/24" not in sw01           # quarters not reached yet are not charted
    assert rows_of(wb["Trend data"])[0].keys() >= {"Code", "Measure", "Unit", "Trend"}
    with zipfile.ZipFile(path) as z:
        sheet = z.read(f"xl/worksheets/sheet{SHEETS.index('Trend data') + 1}.xml").decode()
    sparklines = re.findall(r"<xm:f>'Trend data'!D(\d+):H\d+</xm:f><xm:sqref>I(\d+)</xm:sqref>", sheet)
    with_two_figures = [m for m in results.measures if m.code != "SW05"]   # SW05 has one figure only
    assert len(sparklines) == len(with_two_figures) and all(a == b for a, b in sparklines)
    ws = wb["Trends"]
    assert ws["B3"].value == "SW01"
    assert ws["B8"].value.startswith("=IF(") and "MATCH($B$3" in ws["B8"].value
    assert str(ws.data_validations.dataValidation[0].sqref) == "B3"
    assert ws._charts


def test_a_thousand_measures(tmp_path):
    results = big_results(1000, 300)
    wb = openpyxl.load_workbook(write_summary(results, tmp_path / "big.xlsx"), read_only=True)
    assert wb["Measures"].max_row == 1001 and wb["Trend data"].max_row == 1001


def test_measures_sheet_prints_readably_on_a4(built):
    """Printed one page wide, the Measures sheet's 24 columns came out at a quarter size: it prints
    up to the comments, three pages across with Code and Measure on each, and says what is left off."""
    _, _, wb = built
    ws = wb["Measures"]
    heads = [c.value for c in ws[1]]
    comments = openpyxl.utils.get_column_letter(heads.index("Comments/Progress") + 1)
    assert ws.print_area == f"'Measures'!$A$1:${comments}${ws.max_row}"
    assert (ws.page_setup.orientation, ws.page_setup.paperSize) == ("landscape", 9)
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (3, 0)
    assert ws.print_title_cols == "$A:$B" and ws.print_title_rows == "$1:$1"
    assert ws.print_options is not None and ws.page_setup.pageOrder == "overThenDown"
    assert "Source file, sheet, cell, From and Rule are on screen, not printed" in ws.oddFooter.left.text
    assert ws.oddFooter.right.text == "Page &P of &N"
    # the other tables still print whole, one page wide (fitToWidth's default), as before
    assert wb["Actions"].page_setup.fitToWidth in (None, 1) and not wb["Actions"].print_area


def test_rows_of_wrapped_text_are_tall_enough_to_show_it(tmp_path):
    """LibreOffice does not fit a row to its wrapped text, so text longer than its column overlapped
    the next row: a row's height is set from its longest wrapped text; a row of short text keeps the
    default height."""
    from dataclasses import replace
    from xlplan.reports.workbook import LINE_PT, wrapped_lines
    results = make_results(tmp_path)
    long_one = replace(results.measures[0], comment="The service met its target again this quarter. " * 12)
    short_one = replace(results.measures[1], comment="On target.", name="Short", theme="S", outcome="S", service="S",
                        rule="", basis="", source=None)
    results.measures[:2] = [long_one, short_one]
    wb = openpyxl.load_workbook(write_summary(results, tmp_path / "summary.xlsx"))
    ws = wb["Measures"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    height = ws.row_dimensions[rows[long_one.code]].height
    assert height == wrapped_lines(long_one.comment, 70) * LINE_PT and height >= 8 * LINE_PT
    heads = [c.value for c in ws[1]]
    assert ws.row_dimensions[rows[short_one.code]].height is None, [
        (h, c.value) for h, c in zip(heads, ws[rows[short_one.code]]) if isinstance(c.value, str) and len(c.value) > 12]
    assert wrapped_lines("a\nb", 20) == 2 and wrapped_lines("x" * 60, 21) == 3 and wrapped_lines("", 9) == 1
