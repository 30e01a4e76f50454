"""Worksheet classes for the summary workbook: xlsxwriter's, with a faster cell writer, and a
streaming variant for the long row-ordered sheets.

`FastSheet._write_cell` writes the same `<c>` XML as xlsxwriter's own for strings, numbers, dates
and blanks with a format (every cell the summary writes), with less work per cell; anything else
goes to xlsxwriter's. `StreamSheet` is xlsxwriter's constant_memory mode for one sheet: each row
goes to a temporary file once the next row starts, so a 50,000-row sheet is not held in memory;
its strings are written in the cell (inline), always escaped, so a comment such as
`<r><t>x</t></r>` stays text (xlsxwriter's own writer passes such a string through as markup).
Cells of a StreamSheet must be written in row order (xlsxwriter drops a write to an earlier row).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet


def inline_string(text: str) -> str:
    """`<is>` of an inline string as xlsxwriter writes it: a literal `_xHHHH_` protected, control
    characters as `_xHHHH_`, space kept at either end, XML-escaped (never passed through as markup)."""
    if "_x" in text or not text.isprintable():
        text = Worksheet._escape_control_characters(text)
    space = ' xml:space="preserve"' if text and (text[0].isspace() or text[-1].isspace()) else ""
    text = escape(text)
    return f"<is><t{space}>{text}</t></is>"


class FastSheet(Worksheet):
    """A worksheet whose cells are written to XML with less work per cell (same XML)."""

    _names: dict[int, str] = {}

    def _write_cell(self, row: int, col: int, cell) -> None:
        fmt = cell.format
        kind = cell.__class__.__name__
        if fmt is None or kind not in ("String", "Number", "Datetime", "Blank"):
            super()._write_cell(row, col, cell)
            return
        name = self._names.get(col)
        if name is None:
            name = self._names[col] = xl_col_to_name(col)
        head = f'<c r="{name}{row + 1}" s="{fmt._get_xf_index()}"'
        if kind == "String":
            if self.constant_memory:
                self.fh.write(f'{head} t="inlineStr">{inline_string(cell.string)}</c>')
            else:
                self.fh.write(f'{head} t="s"><v>{cell.string}</v></c>')
        elif kind == "Blank":
            self.fh.write(f"{head}/>")
        else:
            self.fh.write(f"{head}><v>{cell.number:.16G}</v></c>")


class StreamSheet(FastSheet):
    """A FastSheet in xlsxwriter's constant_memory mode (for this sheet only): rows are written out
    as they are completed, strings inline."""

    def _initialize(self, init_data) -> None:
        super()._initialize({**init_data, "constant_memory": True})
