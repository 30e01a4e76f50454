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

# Expat has checked the part is well-formed, so inside a start tag a ">" can only be in a quoted
# attribute value; a sheet with such a value (_QUOTED_GT) is not plain, and elsewhere `[^>]*` is
# exactly a tag's attributes.
_QUOTED_GT = re.compile(rb"=\s*\"[^\"<]*>|=\s*'[^'<]*>")
_ANY_C = re.compile(rb"<c[\s/>]")                              # every cell start tag
_C_TAG = re.compile(rb"<c(\s[^>]*|)>")                         # group 1 ends with "/" if self-closed
_ANY_ROW = re.compile(rb"<row[\s/>]")
_ROW_TAG = re.compile(rb"<row(\s[^>]*|)>")
_R_CELL = re.compile(rb"\sr\s*=\s*\"([A-Z]{1,3})([0-9]{1,7})\"")
_R_ROW = re.compile(rb"\sr\s*=\s*\"([0-9]{1,7})\"")
# references the walk must judge: three-letter columns (may pass XFD), row 0, rows of 7 digits
_ODD_CELL_REF = re.compile(rb"\sr\s*=\s*\"(?:[A-Z]{3}|[A-Z]{1,2}(?:0+|[0-9]{7})\")")
_ODD_ROW_REF = re.compile(rb"\sr\s*=\s*\"(?:0+|[0-9]{7})\"")
_DATA_CELL = re.compile(rb"<c(\s[^>]*[^/>]|)>\s*<(?:[A-Za-z_][\w.-]*:)?(?:f|v|is)[\s/>]")
_EMPTY_CELL = re.compile(rb"<c(?:\s[^>]*[^/>]|)>\s*</c>")
_PREFIXED = re.compile(rb"</?[A-Za-z_][\w.-]*:(?:c|row|dimension|sheetData)[\s/>]")
_DIMENSION = re.compile(rb"<dimension(\s[^>]*|)>")
_REF = re.compile(rb"\sref\s*=\s*\"([^\"]*)\"")
_UNUSUAL = (b"<!--", b"<![CDATA[", b"&")


def measure(data: bytes, budget: int) -> tuple[str, int, int, int] | None:
    """(claimed dimension, last row with data, last column with data, cell count), or None when
    the sheet is not plain enough to measure this way."""
    if any(u in data for u in _UNUSUAL[:2]) or data.count(b"<?") > 1 or _PREFIXED.search(data) \
            or _QUOTED_GT.search(data):
        return None
    cells = _C_TAG.findall(data)
    if len(cells) != len(_ANY_C.findall(data)) or len(cells) > budget:
        return None
    joined = b"\0".join(cells)
    if b"&" in joined or b":r" in joined or _ODD_CELL_REF.search(joined):
        return None     # an entity, a namespaced or unusual reference: the walk judges it
    if len(_R_CELL.findall(joined)) != len(cells):
        return None     # a cell without its own reference: only the walk can place it
    rows = _ROW_TAG.findall(data)
    if len(rows) != len(_ANY_ROW.findall(data)):
        return None
    row_attrs = b"\0".join(rows)
    if b"&" in row_attrs or b":r" in row_attrs or _ODD_ROW_REF.search(row_attrs) or \
            len(_R_ROW.findall(row_attrs)) != len(rows):
        return None
    data_cells = _DATA_CELL.findall(data)
    # a well-formed sheet closes each cell it opens with </c> (prefixed cells are not plain): every
    # open cell must be a cell with data or an empty one, never one whose first child is something else
    if len(data_cells) + len(_EMPTY_CELL.findall(data)) != data.count(b"</c>"):
        return None
    last_row = last_col = 0
    data_refs = _R_CELL.findall(b"\0".join(data_cells))
    if data_refs:
        last_row = max(map(int, [n for _, n in data_refs]))
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
