"""The summary workbook's worksheet classes: FastSheet writes exactly xlsxwriter's cell XML, and
StreamSheet exactly xlsxwriter's constant_memory XML (except that markup-like text stays text)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zipfile

import xlsxwriter
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st
from python_calamine import CalamineWorkbook
from results_factory import make_results

from xlplan.reports.workbook import write_summary
from xlplan.reports.xlsx_sheets import FastSheet, StreamSheet

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["_x0041_", " lead", "trail ", "\x0b", "a\x00b", "&<>\"'", "\ufffe", "line\nline", "\t", ""])
VALUE = TEXT | st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10**15, 10**15) \
    | st.none() | st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(9999, 1, 1))
ROWS = st.lists(st.lists(VALUE, min_size=1, max_size=6), min_size=1, max_size=6)


def _sheet_xml(path, rows, worksheet_class, constant_memory: bool) -> bytes:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    fmts = [wb.add_format({"bold": True}), wb.add_format({"num_format": "0.0%"}),
            wb.add_format({"num_format": "dd/mm/yyyy"})]
    ws = wb.add_worksheet("Data", worksheet_class)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            fmt = fmts[(r + c) % len(fmts)] if (r * c) % 4 else None   # some cells without a format
            if isinstance(value, str):
                ws.write_string(r, c, value, fmt)
            elif value is None:
                ws.write_blank(r, c, None, fmt)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, fmts[2])
            else:
                ws.write_number(r, c, value, fmt)
    ws.write_formula(len(rows), 0, "=1+1", None, 2)
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml") + z.read("xl/styles.xml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
@example(rows=[["_x0041_", " lead", "trail ", "\x0b x", "\ufffe", "a&b<c>", ""]])
def test_fast_sheet_writes_exactly_what_xlsxwriter_writes(tmp_path, rows):
    assert _sheet_xml(tmp_path / "a.xlsx", rows, FastSheet, False) == \
        _sheet_xml(tmp_path / "b.xlsx", rows, None, False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
@example(rows=[["_x0041_", " lead", "trail ", "\x0b x", "\ufffe", "a&b<c>", ""]])
def test_stream_sheet_writes_exactly_what_constant_memory_writes(tmp_path, rows):
    # xlsxwriter writes a string that starts "<r>" and ends "</r>" as markup; StreamSheet never does
    assume(not any(isinstance(v, str) and v.startswith("<r>") and v.endswith("</r>") for row in rows for v in row))
    assert _sheet_xml(tmp_path / "a.xlsx", rows, StreamSheet, False) == \
        _sheet_xml(tmp_path / "b.xlsx", rows, None, True)


def test_markup_like_comments_stay_text(tmp_path):
    results = make_results(tmp_path)
    hostile = ["<r><t>hidden</t></r>", "<r><t>a & b</t></r>", "_x0041_ stays", " spaced "]
    measures = [dataclasses.replace(m, comment=c) for m, c in zip(results.measures, hostile)]
    results.measures[:len(measures)] = measures
    path = write_summary(results, tmp_path / "summary.xlsx")
    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name("Measures").to_python()
    col = rows[0].index("Comments/Progress")
    assert [r[col] for r in rows[1:len(hostile) + 1]] == hostile


def test_long_sheets_are_streamed_and_read_back_in_full(tmp_path):
    results = make_results(tmp_path)
    path = write_summary(results, tmp_path / "summary.xlsx")
    with zipfile.ZipFile(path) as z:
        measures = z.read("xl/worksheets/sheet2.xml").decode()
    assert 't="inlineStr"' in measures and 't="s"' not in measures     # streamed: strings inline
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Measures").to_python()
    assert [r[0] for r in rows[1:]] == [m.code for m in results.measures]
