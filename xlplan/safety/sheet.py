"""Measure a plain worksheet part by regular expressions instead of an element-by-element walk.

container.py walks every element of a worksheet through expat handlers to find the cell count, the
`<dimension>` the sheet claims and the real extent of the cells holding a value or formula. That
walk costs a Python call per element (thousands per return). For the sheets Excel, LibreOffice,
openpyxl and xlsxwriter write, the same figures come from a few regex passes in C.

`measure(data, budget)` returns (claimed, rows, cols, cells) only when the sheet is *plain*, where
the regexes provably see what expat sees: no comments, CDATA or processing instructions, no
namespace prefix on the sheet elements it measures, every `<row>` and `<c>` with a well-formed `r`
reference inside Excel's grid, no entity or character reference in those tags, and no more cells
than the budget left. Anything else returns None, and container.py runs the exact walk (which also
raises the precise finding). Expat has already checked the part is well-formed and has no DTD.

`plain_sheet_data(data, budget)` goes further, for the sheet parts writers produce (no expat
over the cells at all): the `<sheetData>` content must match a strict grammar of rows and cells
(`_content`, and `_tail` for the elements writers put after it: fixed attribute names in schema
order, so no duplicates; double-quoted values; text with only the predefined entities and
references to XML characters; no `]]>`, no control characters, UTF-8; every row and cell with a
reference of at most two letters and six digits; cells holding only f, v and is children), which
makes it a well-formed, entity-free fragment with nothing in it that a DTD or namespace could
change. The caller then gives expat the part with that content cut out (`<sheetData/>`): the
prolog, root and the rest are judged exactly as before, and `plain_claim` reads the `<dimension>`
claim (or declines, and the walk reads it). Anything outside the grammar returns None, and the
part goes the usual way (expat over all of it).
"""

from __future__ import annotations

import functools
import re
from operator import itemgetter

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


_WS = rb"[ \t\r\n]*+"
_VALUE = rb'"[^"<>&\x00-\x1f]*+"'
_CHARS = rb"[^<&\]\x00-\x08\x0b\x0c\x0e-\x1f]*+"
_CHUNK = _CHARS + rb"(?:\](?!\]>)" + _CHARS + rb")*+"          # text without "]]>"
_REFERENCE = rb"&(?:amp|lt|gt|quot|apos|#(?:9|1[03]|3[2-9]|[4-9][0-9]|[1-9][0-9]{2,3}));"   # only XML characters
_TEXT = _CHUNK + rb"(?:" + _REFERENCE + _CHUNK + rb")*+"
_TEXT_VALUE = rb'"[^"<&\x00-\x08\x0b\x0c\x0e-\x1f]*+(?:' + _REFERENCE + rb'[^"<&\x00-\x08\x0b\x0c\x0e-\x1f]*+)*+"'


def _attrs(*names: bytes, value: bytes = _VALUE) -> bytes:
    """Optional attributes, each at most once and in this (schema) order."""
    return b"".join(rb"(?: %s=%s)?+" % (n, value) for n in names)


def _element(name: bytes, attrs: tuple[bytes, ...], content: bytes = b"") -> bytes:
    """An element with these optional attributes, empty or holding `content` (one regex)."""
    head = b"<" + name + _attrs(*attrs, value=_TEXT_VALUE)
    return head + (rb"(?:/>|>" + content + b"</" + name + b">)" if content else b"/>")


_ROW_RE = rb'<row r="[1-9][0-9]{0,5}"' + _attrs(b"spans", b"s", b"customFormat", b"ht", b"hidden", b"customHeight",
                                                b"outlineLevel", b"collapsed", b"thickTop", b"thickBot", b"ph")
_F_RE = rb"<f" + _attrs(b"t", b"aca", b"ref", b"dt2D", b"dtr", b"del1", b"del2", b"r1", b"r2", b"ca", b"si", b"bx") \
    + rb"(?:/>|>" + _TEXT + rb"</f>)"
_V_RE = rb"(?:<v>(?:[0-9.E+-]++</v>|" + _TEXT + rb"</v>)|<v/>)"       # a number first: most values are
_IS_RE = rb"<is>" + _WS + rb'<t(?: xml:space="preserve")?+(?:/>|>' + _TEXT + rb"</t>)" + _WS + rb"</is>"
_CELL_RE = rb'<c r="[A-Z]{1,2}[1-9][0-9]{0,5}"' + _attrs(b"s", b"t") + rb"(?:(?= [cvp])" + _attrs(b"cm", b"vm", b"ph") \
    + rb")?+(?:/>|>" + _WS \
    + rb"(?:" + _F_RE + _WS + rb")?+(?:" + _V_RE + _WS + rb")?+(?:" + _IS_RE + _WS + rb")?+</c>)"


# The grammars below are compiled when a sheet is first measured, not on import: together they
# take a good part of the time a small collect spends starting, and a re-run may need none.
@functools.cache
def _content(x14ac: bool) -> re.Pattern:
    """The grammar of `<sheetData>`'s content; with `x14ac`, rows may carry Excel's
    x14ac:dyDescent (allowed only when the root element itself binds x14ac)."""
    row = _ROW_RE + (rb"(?: x14ac:dyDescent=" + _VALUE + rb")?+" if x14ac else b"")
    return re.compile(_WS + rb"(?:" + row + rb"(?:/>|>" + _WS + rb"(?:" + _CELL_RE + _WS + rb")*+</row>)" + _WS + rb")*+")

_ROOT_TAG = re.compile(rb'(?:\xef\xbb\xbf)?(?:<\?xml[^<>]*\?>)?[ \t\r\n]*<worksheet((?:[ \t\r\n]+[A-Za-z_:][\w.:-]*="[^"<>&]*")*)'
                       rb"[ \t\r\n]*>")
# what openpyxl, xlsxwriter and Excel write right after <sheetData>: protection, merged cells,
# conditional formats, data validations (often most of a template's sheet part)
_TAIL_RE = (_WS + b"(?:" + _element(b"sheetProtection", (
    b"password", b"algorithmName", b"hashValue", b"saltValue", b"spinCount", b"sheet", b"objects", b"scenarios",
    b"formatCells", b"formatColumns", b"formatRows", b"insertColumns", b"insertRows", b"insertHyperlinks",
    b"deleteColumns", b"deleteRows", b"selectLockedCells", b"sort", b"autoFilter", b"pivotTables",
    b"selectUnlockedCells")) + _WS + b")?+(?:" + _element(b"mergeCells", (b"count",), _WS + b"(?:" + _element(
        b"mergeCell", (b"ref",)) + _WS + b")*+") + _WS + b")?+(?:" + _element(b"conditionalFormatting", (
            b"pivot", b"sqref"), _WS + b"(?:" + _element(b"cfRule", (
                b"type", b"dxfId", b"priority", b"stopIfTrue", b"aboveAverage", b"percent", b"bottom", b"operator",
                b"text", b"timePeriod", b"rank", b"stdDev", b"equalAverage"), _WS + b"(?:<formula>" + _TEXT
                + b"</formula>" + _WS + b"){0,3}+") + _WS + b")*+") + _WS + b")*+(?:" + _element(b"dataValidations", (
                    b"disablePrompts", b"xWindow", b"yWindow", b"count"), _WS + b"(?:" + _element(b"dataValidation", (
                        b"type", b"errorStyle", b"imeMode", b"operator", b"allowBlank", b"showDropDown",
                        b"showInputMessage", b"showErrorMessage", b"errorTitle", b"error", b"promptTitle", b"prompt",
                        b"sqref"), _WS + b"(?:<formula1>" + _TEXT + b"</formula1>" + _WS + b")?+(?:<formula2>" + _TEXT
                        + b"</formula2>" + _WS + b")?+") + _WS + b")*+") + b")?+")


@functools.cache
def _tail() -> re.Pattern:
    return re.compile(_TAIL_RE)

# in content that matched `_content`: a cell whose first child is f, v or is (the walk's "holds data").
# There no attribute value holds a '>', so `[^>]*+>` is the rest of the start tag (possessive: no
# backtracking); a self-closed or empty cell is followed by '<c', '</row>' or '</c>', never '<f', '<v', '<i'.
_DATA_REF = re.compile(rb'<c r="([A-Z]{1,2})([0-9]{1,6})"[^>]*+>[ \t\r\n]*+<[fvi]')
_DATA_REF_BEFORE = re.compile(rb'<c r="([A-Z]{1,2})([0-9]{1,6})"(?: [^>]*")?>[ \t\r\n]*<[fvi]')   # tests compare
_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"
_UTF8_PROLOG = re.compile(rb'(?:\xef\xbb\xbf)?(?:<\?xml version=(["\'])1\.[0-9]\1(?: encoding=(["\'])[uU][tT][fF]-8\2)?'
                          rb'(?: standalone=(["\'])(?:yes|no)\3)?[ \t\r\n]*\?>)?[ \t\r\n]*<[A-Za-z]')


def plain_sheet_data(data: bytes, budget: int) -> tuple[int, int, int, int, int] | None:
    """(start, end, last row with data, last column with data, cell count) for the plain
    `data[start:end]` (the `<sheetData>` element and the known elements after it, `_tail`), or
    None when the grammar does not hold, the text is not plain UTF-8, or there are more cells than
    `budget`. The caller must still let expat judge `data[:start] + b"<sheetData/>" + data[end:]`."""
    start = data.find(_OPEN)
    if start < 0 or data.find(b"<!", 0, start) >= 0 or data.find(b"<?", 4, start) >= 0:
        return None     # a comment, CDATA or PI before it could hold "<sheetData>" as mere text
    inner = start + len(_OPEN)
    stop = data.find(_CLOSE, inner)
    if stop < 0:
        return None
    root = _ROOT_TAG.match(data, 0, start)
    content = _content(bool(root and b' xmlns:x14ac="' in root.group(1)))
    if not content.fullmatch(data, inner, stop):
        return None
    end = _tail().match(data, stop + len(_CLOSE)).end()
    cut = data[start:end]
    if not cut.isascii():
        # the grammar read bytes as ASCII-compatible text: hold them to UTF-8, declared or implied
        if not _UTF8_PROLOG.match(data):
            return None
        try:
            text = cut.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\ufffe" in text or "\uffff" in text:     # not XML characters (surrogates do not decode)
            return None
    cells = data.count(b"<c ", inner, stop)
    if cells > budget:
        return None
    rows = cols = 0
    refs = _DATA_REF.findall(data, inner, stop)
    if refs:
        rows = max(map(int, set(map(itemgetter(1), refs))))
        cols = max(map(_col_number, dict(refs)))       # keys: the distinct column letters
    return start, end, rows, cols, cells


# outside the cut: anything that might be a cell, row or dimension element (or text hiding one)
_MEASURED_TAG = re.compile(rb"<(?:[^\s<>/!?:\"'=]+:)?(?:c|row|dimension)[\s/>]|<[!?]")
_PLAIN_DIMENSION = re.compile(rb'<dimension ref="([A-Z0-9:$]{0,40})"/>')


def plain_claim(data: bytes, start: int, end: int) -> str | None:
    """The `<dimension ref>` claimed outside `data[start:end]` ("" when none), when the rest of
    the part (after its XML declaration) holds no cell or row, no comment or instruction, and
    at most plain dimension tags; else None, and the element walk must judge the rest."""
    head = data.find(b"?>") + 2 if data.startswith((b"<?xml", b"\xef\xbb\xbf<?xml")) else 0
    claims = []
    for lo, hi in ((head, start), (end, len(data))):
        tags = _MEASURED_TAG.findall(data, lo, hi)
        plain = _PLAIN_DIMENSION.findall(data, lo, hi)
        if len(tags) != len(plain):
            return None
        claims += plain
    return claims[-1].decode("ascii") if claims else ""


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n
