"""xlsxwriter, made fit for writing a thousand workbooks: the Workbook and Worksheet xlplan writes with.

- `Workbook.lock_structure(password)`: structure protection (`<workbookProtection lockStructure="1">`),
  which xlsxwriter has no public call for: sheets cannot be added, deleted, renamed or unhidden.
- `Worksheet._prepare_formula`: xlsxwriter runs about 130 regular-expression substitutions over
  every formula and data-validation formula to add `_xlfn.` prefixes to Excel 2010+ functions; for
  a return template that was 40% of the time. Here a formula whose functions are all ones Excel
  has always had (`CLASSIC_FUNCTIONS`, which covers everything xlplan writes) skips them: the
  result is the same text xlsxwriter would produce. Any other formula goes through xlsxwriter's own
  code, so the output never differs.
- `TextWorkbook`: xlsxwriter writes a shared string that starts with `<r>` and ends with `</r>` into
  sharedStrings.xml unescaped, as rich-text markup (its own rich strings are stored that way). xlplan
  writes no rich strings, so here every shared string is written as text: a comment or plan name
  typed as `<r><t>x</t></r>` stays those characters, and `<r>&</r>` cannot break the file.
"""

from __future__ import annotations

import re

import xlsxwriter
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings, _preserve_whitespace
from xlsxwriter.worksheet import Worksheet as _Worksheet

# Functions that need no `_xlfn.` prefix (all in Excel 2007); none is, or ends with, a name that
# xlsxwriter's future-function patterns match.
CLASSIC_FUNCTIONS = frozenset({
    "IF", "AND", "OR", "NOT", "ISNUMBER", "ISTEXT", "ISBLANK", "ISERROR", "IFERROR", "SUBSTITUTE",
    "TRIM", "VALUE", "LEFT", "RIGHT", "MID", "FIND", "SEARCH", "LEN", "SUM", "COUNT", "COUNTA",
    "COUNTIF", "COUNTIFS", "SUMIF", "SUMIFS", "AVERAGE", "MIN", "MAX", "ROUND", "ABS", "INDEX",
    "MATCH", "NA", "TEXT", "UPPER", "LOWER", "EXACT", "ROW", "COLUMN", "INDIRECT", "OFFSET",
    "VLOOKUP", "HLOOKUP", "LOOKUP", "DATE", "TODAY", "YEAR", "MONTH", "DAY", "CHOOSE",
})
# Every "name(" in a formula: the whole run of name characters before each opening bracket.
_CALLS = re.compile(r"[A-Za-z0-9_.\\]+(?=\()")


class Worksheet(_Worksheet):
    """xlsxwriter's Worksheet with a fast path for formulas that use only classic functions."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        text = formula
        if text.startswith("{"):
            text = text[1:]
        if text.startswith("="):
            text = text[1:]
        if text.endswith("}"):
            text = text[:-1]
        if "_xlfn." in text or all(name in CLASSIC_FUNCTIONS for name in _CALLS.findall(text)):
            return text
        return super()._prepare_formula(formula, expand_future_functions)


class _TextSharedStrings(SharedStrings):
    """sharedStrings.xml with every string escaped as text (never passed through as markup)."""

    def _write_si(self, string) -> None:
        string = self._escape_control_characters(string)
        self._xml_si_element(string, [("xml:space", "preserve")] if _preserve_whitespace(string) else [])


class _TextPackager(Packager):
    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = _TextSharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class TextWorkbook(xlsxwriter.Workbook):
    """xlsxwriter's Workbook whose shared strings are always text (see the module docstring)."""

    def _get_packager(self) -> Packager:
        return _TextPackager()


class Workbook(TextWorkbook):
    """xlsxwriter's Workbook writing `Worksheet`s, with text-only shared strings and structure protection."""

    worksheet_class = Worksheet
    _structure_password: str | None = None

    def lock_structure(self, password: str = "") -> None:
        self._structure_password = password

    def _write_workbook_pr(self) -> None:
        super()._write_workbook_pr()
        if self._structure_password is None:
            return
        attributes = []
        if self._structure_password:
            attributes.append(("workbookPassword", _Worksheet._encode_password(None, self._structure_password)))
        attributes.append(("lockStructure", 1))
        self._xml_empty_tag("workbookProtection", attributes)
