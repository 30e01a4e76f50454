"""Measure a plain worksheet part by regular expressions instead of an element-by-element walk.

safety_zip walks every element of a worksheet through expat handlers to find the cell count, the
`<dimension>` the sheet claims and the real extent of the cells holding a value or formula. That
walk costs a Python call per element (thousands per return). For the sheets Excel, LibreOffice,
openpyxl and xlsxwriter write, the same figures come from a few regex passes in C.

`measure(data, budget)` returns (claimed, rows, cols, cells) only when the sheet is *plain*, where
the regexes provably see what expat sees: no comments, CDATA or processing instructions, no
namespace prefix on the sheet elements it measures, every `<row>` and `<c>` with a well-formed `r`
reference inside Excel's grid, no entity or character reference in those tags, and no more cells
than the budget left. Anything else returns None, and safety_zip runs the exact walk (which also
raises the precise finding). Expat has already checked the part is well-formed and has no DTD.
"""

from __future__ import annotations

import re

EXCEL_MAX_ROWS, EXCEL_MAX_COLS = 1_048_576, 16_384

_ATTRS = rb"((?:\s+[A-Za-z_:][\w.:-]*\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*"
_ANY_C = re.compile(rb"<c[\s/>]")                              # every cell start tag
_C_TAG = re.compile(rb"<c" + _ATTRS + rb"(/?)>")                # cell tags with well-formed attributes
_ANY_ROW = re.compile(rb"<row[\s/>]")
_ROW_TAG = re.compile(rb"<row" + _ATTRS + rb"/?>")
_R_CELL = re.compile(rb"\sr\s*=\s*\"([A-Z]{1,3})([0-9]{1,7})\"")
_R_ROW = re.compile(rb"\sr\s*=\s*\"([0-9]{1,7})\"")
_DATA_CELL = re.compile(rb"<c" + _ATTRS + rb">\s*<(?:[A-Za-z_][\w.-]*:)?(?:f|v|is)[\s/>]")
_PREFIXED = re.compile(rb"</?[A-Za-z_][\w.-]*:(?:c|row|dimension|sheetData)[\s/>]")
_EMPTY_CELL = re.compile(rb"<c" + _ATTRS + rb">\s*</c>")
_DIMENSION = re.compile(rb"<dimension" + _ATTRS + rb"/?>")
_REF = re.compile(rb"\sref\s*=\s*\"([^\"]*)\"")
_UNUSUAL = (b"<!--", b"<![CDATA[", b"&")


def measure(data: bytes, budget: int) -> tuple[str, int, int, int] | None:
    """(claimed dimension, last row with data, last column with data, cell count), or None when
    the sheet is not plain enough to measure this way."""
    if any(u in data for u in _UNUSUAL[:2]) or data.count(b"<?") > 1 or _PREFIXED.search(data):
        return None
    cells = _C_TAG.findall(data)
    if len(cells) != len(_ANY_C.findall(data)) or len(cells) > budget:
        return None
    joined = b"\0".join(attrs for attrs, _ in cells)
    if b"&" in joined or b":r" in joined:
        return None
    every = _R_CELL.findall(joined)
    if len(every) != len(cells):
        return None     # a cell without its own reference: only the walk can place it
    rows = _ROW_TAG.findall(data)
    if len(rows) != len(_ANY_ROW.findall(data)):
        return None
    row_attrs = b"\0".join(rows)
    row_numbers = [int(n) for n in _R_ROW.findall(row_attrs)]
    if len(row_numbers) != len(rows) or b"&" in row_attrs or b":r" in row_attrs:
        return None
    if row_numbers and not (0 < min(row_numbers) and max(row_numbers) <= EXCEL_MAX_ROWS):
        return None
    cell_rows = [int(n) for _, n in every]
    if cell_rows and not (0 < min(cell_rows) and max(cell_rows) <= EXCEL_MAX_ROWS) or \
            any(_col_number(x) > EXCEL_MAX_COLS for x in {x for x, _ in every}):
        return None
    data_cells = _DATA_CELL.findall(data)
    closed = sum(1 for _, slash in cells if slash)
    if len(data_cells) + closed + len(_EMPTY_CELL.findall(data)) != len(cells):
        return None     # a cell whose first child is not a value, formula or inline string
    last_row = last_col = 0
    data_refs = _R_CELL.findall(b"\0".join(data_cells))
    if data_refs:
        last_row = max(int(n) for _, n in data_refs)
        last_col = max(_col_number(x) for x in {x for x, _ in data_refs})
    claimed = ""
    for attrs in _DIMENSION.findall(data):
        if b"&" in attrs:
            return None
        m = _REF.search(attrs)
        claimed = m.group(1).decode("utf-8", "replace")[:40] if m else ""
    return claimed, last_row, last_col, len(cells)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n
