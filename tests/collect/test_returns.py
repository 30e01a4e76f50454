"""Reading one return: header row by name, keyed rows, the identity sheet, formulas and save time."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from quarter import CJ, GOOD_CJ, fill, make_plan, make_templates, set_saved
from xlplan.contract import layout
from xlplan.collect.read import _formulas, _formulas_by_parsing, read_return, skip_reason
from xlplan.xlsx_parts import column_letter, sheet_parts


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = tmp_path_factory.mktemp("ret")
    return make_templates(make_plan(root))[CJ]


def test_skip_reason_names_lock_files_and_non_spreadsheets(tmp_path):
    for name, reason in [("~$cj.xlsx", "an Excel or LibreOffice lock file"),
                         (".~lock.cj.xlsx#", "an Excel or LibreOffice lock file"),
                         ("notes.txt", "not a spreadsheet"), ("cj.xlsx", None), ("CJ.XLSX", None),
                         ("RE CJ return.eml", "an email with no spreadsheet attached (or one that could not be "
                                              "read as an email)"),
                         ("RE CJ return.MSG", "an Outlook email with no spreadsheet attached (or one that could "
                                              "not be read): save the return attached to it (the .xlsx) in the "
                                              "returns folder"),
                         ("cj.pdf", "a PDF, not the workbook: ask the manager for the .xlsx return (a PDF of it "
                                    "cannot be read)"),
                         ("returns.zip", "a zip archive: unzip the return in it into the returns folder"),
                         ("cj.csv", None), ("cj.xltx", None), ("cj.htm", None)]:    # judged by safety: rejected
        (tmp_path / name).write_bytes(b"x")
        assert skip_reason(tmp_path / name) == reason, name


def test_column_letter():
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


def test_read_template_finds_header_rows_keyed_rows_and_identity(template):
    rf = read_return(template)
    assert rf.problem is None and len(rf.sha256) == 64
    measures = rf.sheets[layout.MEASURES_SHEET]
    assert measures.headers[: len(layout.MEASURE_LOCKED)] == layout.MEASURE_LOCKED
    assert [measures.value(v, "Code") for _, v in measures.rows] == ["SW01", "SW02", "SW03", "SW04"]
    assert all(r > measures.header_row for r, _ in measures.rows)
    assert rf.identity["service"] == CJ and rf.identity["period"] == "2023-24-Q2"
    assert {e.key for e in rf.identity.rows} == {"SW01", "SW02", "SW03", "SW04", "A1", "A2"}
    rag = {ref for ref in measures.formulas}
    assert len(rag) == 4 and all(ref.startswith(column_letter(measures.col(layout.RAG) + 1)) for ref in rag)


def test_saved_at_comes_from_the_workbook_properties(template, tmp_path):
    out = fill(template, tmp_path / "cj.xlsx", GOOD_CJ)
    set_saved(out, datetime(2023, 10, 9, 14, 30))
    assert read_return(out).saved_at == datetime(2023, 10, 9, 14, 30)


def _both(path_or_bytes) -> tuple[dict, dict]:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    parts = sheet_parts(zf)
    fast = {s: _formulas(zf, p) for s, p in parts.items()}
    slow = {s: _formulas_by_parsing(zf, p) for s, p in parts.items()}
    return fast, slow


def test_formula_scan_matches_a_full_parse(template, tmp_path):
    filled = fill(template, tmp_path / "cj.xlsx", {**GOOD_CJ, "SW03": {"To date": "=SUM(1,2)"}})
    for path in (template, filled):
        fast, slow = _both(path)
        assert fast == slow and fast[layout.MEASURES_SHEET]
    fast, _ = _both(filled)
    assert any(f == ("SUM(1,2)", False) for f in fast[layout.MEASURES_SHEET].values())


def test_formula_scan_handles_prefixes_shared_formulas_and_escapes():
    sheet = (b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<x:sheetData><x:row r="1"><x:c r="A1" s="1"><x:f>IF(B1&lt;2,"a","b")</x:f><x:v>a</x:v></x:c>'
             b'<x:c r="B1"><x:v>1</x:v></x:c><x:c r="C1" t="str"><x:f t="shared" si="0"/><x:v></x:v></x:c>'
             b'</x:row></x:sheetData></x:worksheet>')
    book = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="Measures" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    fast, slow = _both(buf.getvalue())
    assert fast == slow == {"Measures": {"A1": ('IF(B1<2,"a","b")', True), "C1": ("", False)}}
