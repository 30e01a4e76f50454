"""The plan workbook's cells read fast: values by python-calamine, percent formats from the XML.

openpyxl's full read of a plan of a thousand services (80,000 rows) takes about a minute; calamine
reads the same values in under two seconds. The plan reader needs one thing calamine does not
give: whether a number cell is formatted as a percent (a typed `85%` is stored as 0.85 with a
percent format, and a target of 0.85 means something else without it). That comes from
xl/styles.xml (which cell styles have a number format with `%` in it) and a byte scan of each sheet
part for the cells that use one of those styles - only those cells are looked at.

`open_book(path)` returns a Book of `worksheets`, each with `title`, `values_rows()` (lists of
cell values as openpyxl gives them: whole numbers as int, dates as datetime, empty cells as None)
and `formats` (the percent-formatted cells), and `close()`; no object per cell. It returns None whenever it cannot be sure of that - not a
plain .xlsx, an unusual package, a percent-styled cell without a reference - and the plan reader
then uses openpyxl, which also gives the precise reason for a workbook it cannot open.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:       # loaded when a workbook is read: the plan cache imports MAX_PLAN_BYTES alone
    import zipfile

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PARSER_OPTS = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_BUILTIN_PERCENT = {9, 10}       # 0% and 0.00%
MAX_PLAN_BYTES = 200 * 2**20     # beyond this, leave it to openpyxl (and its own limits)


class Sheet:
    """A sheet's cell values (as openpyxl gives them) and its percent-formatted cells."""

    def __init__(self, title: str, rows: list[list], formats: dict[int, dict[int, str]]) -> None:
        self.title = title
        self.rows = rows
        self.formats = formats     # row (1-based) → {column (0-based): percent number format}

    def values_rows(self) -> list[list]:
        return self.rows


class Book:
    def __init__(self, worksheets: list[Sheet]) -> None:
        self.worksheets = worksheets

    def close(self) -> None:
        pass


def open_book(path: Path) -> Book | None:
    """The plan workbook's sheets as cells, or None when openpyxl should read it instead."""
    import zipfile

    import python_calamine as calamine

    try:
        if path.suffix.lower() != ".xlsx" or not path.is_file() or path.stat().st_size > MAX_PLAN_BYTES:
            return None
        data = path.read_bytes()
        if data[:4] != b"PK\x03\x04":
            return None
        zf = zipfile.ZipFile(io.BytesIO(data))
        percent_styles = _percent_styles(zf)
        if percent_styles is None:
            return None
        from xlplan.xlsx_parts import sheet_parts as _sheet_parts
        parts = _sheet_parts(zf)
        wb = calamine.load_workbook(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - anything odd: openpyxl reads it and explains
        return None
    try:
        sheets = []
        for title in wb.sheet_names:
            part = parts.get(title)
            if part is None:
                return None
            percent_cells = _percent_cells(zf, part, percent_styles) if percent_styles else {}
            if percent_cells is None:
                return None
            rows = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
            sheets.append(Sheet(title, _values(rows), percent_cells))
        return Book(sheets)
    except Exception:  # noqa: BLE001
        return None
    finally:
        wb.close()


def _values(rows: list[list]) -> list[list]:
    """Calamine's rows with values as openpyxl gives them (see `_as_openpyxl`); a non-empty
    string, the commonest cell, is kept as it is without a call."""
    return [[v if type(v) is str and v else _as_openpyxl(v) for v in row] for row in rows]


def _as_openpyxl(v):
    """A calamine value as openpyxl's read-only, data-only reader gives it."""
    if v == "":
        return None
    if type(v) is float and v.is_integer() and abs(v) < 1e15:
        return int(v)
    if type(v) is date:
        return datetime(v.year, v.month, v.day)
    return v


def _percent_styles(zf: zipfile.ZipFile) -> dict[int, str] | None:
    """Cell style index → number format, for the styles whose number format shows a percent."""
    try:
        raw = zf.read("xl/styles.xml")
    except KeyError:
        return {} if "xl/styles.xml" not in zf.namelist() else None
    from lxml import etree
    root = etree.fromstring(raw, etree.XMLParser(**_PARSER_OPTS))
    ns = {"m": _MAIN_NS}
    codes = {int(n.get("numFmtId")): n.get("formatCode", "") for n in root.findall("m:numFmts/m:numFmt", ns)}
    found = {}
    for i, xf in enumerate(root.findall("m:cellXfs/m:xf", ns)):
        fid = int(xf.get("numFmtId", "0"))
        code = codes.get(fid, "0%" if fid == 9 else "0.00%" if fid == 10 else "")
        if "%" in code:
            found[i] = code
    return found


_C_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c")
_REF = re.compile(rb"\sr=\"([A-Z]{1,3})([0-9]{1,7})\"")


def _percent_cells(zf: zipfile.ZipFile, part: str, styles: dict[int, str]) -> dict[int, dict[int, str]] | None:
    """Row (1-based) → {column (0-based): format} of the cells of one sheet part with a percent style;
    None when such a cell carries no reference (then only a full parse can place it)."""
    data = zf.read(part)
    pattern = re.compile(rb"\ss=\"(" + b"|".join(str(i).encode() for i in sorted(styles)) + rb")\"")
    found: dict[int, dict[int, str]] = {}
    for m in pattern.finditer(data):
        start = data.rfind(b"<", 0, m.start())
        name_end = start + 1
        while name_end < len(data) and data[name_end:name_end + 1] not in b" \t\r\n/>":
            name_end += 1
        if not _C_TAG.fullmatch(data[start:name_end]):
            continue   # a row's or column's style, not a cell's
        end = data.find(b">", m.end())
        ref = _REF.search(data, start, end)
        if ref is None:
            return None
        row, col = int(ref.group(2)), _column_index(ref.group(1).decode())
        found.setdefault(row, {})[col] = styles[int(m.group(1))]
    return found


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1
