"""Strings xlplan writes into workbooks stay text: xlsxwriter passes a shared string shaped like
`<r>…</r>` through as rich-text markup unless xlsx_book.TextWorkbook writes it."""

from __future__ import annotations

import zipfile

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from xlplan.xlsx_book import TextWorkbook, Workbook

MARKUP = ["<r><t>x</t></r>", "<r>&</r>", "<r><rPr><b/></rPr><t>bold</t></r>", " <r>spaced</r> ", "<r>\x01</r>"]


def _write(cls, path, texts):
    wb = cls(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("S")
    for r, t in enumerate(texts):
        ws.write_string(r, 0, t)
    wb.close()


@pytest.mark.parametrize("cls", [TextWorkbook, Workbook])
def test_markup_shaped_strings_read_back_as_typed(tmp_path, cls):
    path = tmp_path / "t.xlsx"
    _write(cls, path, MARKUP)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python()
    got = [r[0] for r in rows]
    assert got[:4] == MARKUP[:4]
    assert got[4] in ("<r>\x01</r>", "<r>_x0001_</r>")      # a control character as Excel's escape
    xml = zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode()
    assert "<r><t>x</t></r>" not in xml and "&lt;r&gt;" in xml


def test_plain_xlsxwriter_would_have_written_markup(tmp_path):
    """The case the class exists for: the test above would fail with xlsxwriter's own Workbook."""
    path = tmp_path / "plain.xlsx"
    _write(xlsxwriter.Workbook, path, MARKUP[:1])
    assert "<si><r><t>x</t></r></si>" in zipfile.ZipFile(path).read("xl/sharedStrings.xml").decode()
