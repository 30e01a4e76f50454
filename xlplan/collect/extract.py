"""Reading a system extract (`xlplan import`): figures exported from a case-management, finance or HR
system, as CSV in any common encoding and separator, or as an xlsx workbook.

The file is read safely first (xlplan/safety: never a link followed, a size cap; an xlsx is judged
as a return is before calamine opens it). Text is decoded by its byte-order mark (UTF-8, UTF-16),
else as UTF-8, else as Windows-1252 (what Excel on Windows writes for "CSV"), else Latin-1. The
separator (comma, semicolon, tab or pipe) is the one csv.Sniffer finds, checked against the header
row: the separator whose header row names the columns wins. Columns are found by header
(case-insensitively, with the usual other names: Quarter for Period, Figure for Value…): Code and
Value are needed, Period (or Quarter), Comment and Source are optional.

What comes out is each data row's cells by column, with its row number as the file numbers it (1
is the first line or row), for imports.py to check against the plan.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from xlplan.errors import XlplanError, did_you_mean
from xlplan.periods import FinancialYear, Period
from xlplan.safety import inspection as safety

# The columns an extract may have: name → the headers taken for it (compared casefolded, spaces tidied)
COLUMNS = {
    "Code": ("code", "measure code", "indicator code", "pi code", "kpi code", "pi", "kpi", "measure ref"),
    "Period": ("period", "quarter", "reporting period", "period id"),
    "Value": ("value", "figure", "to date", "result", "actual", "value to date"),
    "Comment": ("comment", "comments", "commentary", "note", "notes", "comments/progress"),
    "Source": ("source", "system", "source system"),
}
REQUIRED = ("Code", "Value")
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
HEADER_SEARCH_ROWS = 10          # a title or export date may come before the header row
EXTRACT_LIMITS = safety.Limits(max_rows=200_000, max_cells=2_000_000, max_area=4_000_000)


@dataclass
class ExtractRow:
    """One data row: its row number in the file and its cells by column name (Code, Value…)."""

    row: int
    cells: dict[str, object]
    refs: dict[str, str]               # column name → cell reference, e.g. Value → C7


@dataclass
class Extract:
    """A system extract as read: what it is, how it was read, and its data rows."""

    name: str
    sha256: str
    data: bytes = field(repr=False)
    kind: str                          # "CSV" or "xlsx"
    how: str                           # e.g. "UTF-8 with BOM, separated by semicolons"
    sheet: str | None                  # the worksheet read (xlsx)
    header_row: int
    columns: dict[str, str]            # column name → the header as the file spells it
    ignored: list[str]                 # headers that are none of COLUMNS (with a suggestion, if near one)
    rows: list[ExtractRow]


def read_extract(path: Path) -> Extract:
    """Read the extract at `path` (CSV or xlsx); XlplanError naming the file for anything that stops
    it being read at all (not a file, another kind of file, no header row with Code and Value)."""
    ins = safety.inspect(path, EXTRACT_LIMITS, keep_bytes=True)
    name = safety.display_name(path)
    if ins.kind in (safety.Kind.SYMLINK, safety.Kind.NOT_A_FILE, safety.Kind.UNREADABLE, safety.Kind.TOO_LARGE,
                    safety.Kind.EMPTY) or ins.data is None:
        raise XlplanError(f"{name} cannot be imported: {ins.reason or 'it is empty'}.")
    if ins.kind in (safety.Kind.XLSX, safety.Kind.XLSM) and not ins.rejected:
        return _from_xlsx(name, ins)
    if ins.kind in (safety.Kind.XLSX, safety.Kind.XLSM, safety.Kind.XLS, safety.Kind.ENCRYPTED,
                    safety.Kind.OTHER_SPREADSHEET, safety.Kind.HTML, safety.Kind.DAMAGED,
                    safety.Kind.TRUNCATED, safety.Kind.GROWING) or b"\x00" in ins.data[:4096] and not _utf16(ins.data):
        reason = ins.reason if ins.rejected else f"it is {'an' if ins.kind.value[0] in 'aeiou' else 'a'} " \
                                                  f"{ins.kind.value} file"
        raise XlplanError(f"{name} cannot be imported: {reason}. Export the figures from the system as CSV or "
                          f"as an .xlsx workbook.")
    return _from_csv(name, ins)


# --- CSV --------------------------------------------------------------------------------------------


def _utf16(data: bytes) -> bool:
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(data) is not None


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when text of mostly ASCII letters was saved as UTF-16 without a BOM
    (every other byte NUL), else None."""
    head = data[:400]
    if len(head) < 4:
        return None
    odd, even = head[1::2], head[0::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """(the text, how it was decoded) by byte-order mark, else UTF-8, else Windows-1252, else Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    bare = _utf16_without_bom(data)
    if bare is not None:
        return data.decode(bare, errors="replace"), "UTF-16 (no BOM)"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _from_csv(name: str, ins: safety.Inspection) -> Extract:
    text, encoding = decode(ins.data)
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    sample = "\n".join(lines[:50])
    candidates = list(SEPARATORS)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
        candidates.remove(sniffed)
        candidates.insert(0, sniffed)
    except csv.Error:
        pass
    best, problem = None, None     # (columns found, -order) → separator, rows, header row
    for order, sep in enumerate(candidates):
        try:
            rows = list(csv.reader(io.StringIO(text.replace("\0", "")), delimiter=sep))
        except csv.Error as e:         # a field longer than the csv module takes, a stray quote…
            problem = problem or str(e)
            continue
        at, columns = _header(rows)
        score = (all(c in columns for c in REQUIRED), len(columns), -order)
        if best is None or score > best[0]:
            best = (score, sep, rows, at)
    if best is None:
        raise XlplanError(f"{name} could not be read as CSV ({encoding}): {problem}. Export it from the system "
                          f"again, as CSV or as an .xlsx workbook.")
    _, sep, rows, at = best
    how = f"{encoding}, separated by {SEPARATORS[sep]}s"
    return _extract(name, ins, "CSV", how, None, rows, at)


# --- xlsx -------------------------------------------------------------------------------------------


def _from_xlsx(name: str, ins: safety.Inspection) -> Extract:
    from python_calamine import CalamineWorkbook
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(ins.data))
        sheets = [(s, wb.get_sheet_by_name(s).to_python(skip_empty_area=False)) for s in wb.sheet_names]
    except Exception as e:  # noqa: BLE001 - a workbook calamine cannot read is the user's to fix
        raise XlplanError(f"{name} could not be read as a workbook ({type(e).__name__}: {str(e)[:120]}).") from None
    visible = [(s, rows) for s, rows in sheets if rows]
    for sheet, rows in visible:                     # the first sheet with a header row naming Code and Value
        at, columns = _header(rows)
        if all(c in columns for c in REQUIRED):
            return _extract(name, ins, "xlsx", f"worksheet '{sheet}'", sheet, rows, at)
    sheet, rows = visible[0] if visible else (sheets[0][0] if sheets else "", [])
    return _extract(name, ins, "xlsx", f"worksheet '{sheet}'", sheet, rows, _header(rows)[0])


# --- both -------------------------------------------------------------------------------------------


def tidy(header: object) -> str:
    """A header compared with COLUMNS: casefolded, spaces tidied, a trailing colon or full stop gone."""
    return " ".join(str(header if header is not None else "").replace("\ufeff", "").split()).casefold().rstrip(":.")


_KNOWN = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}


def _header(rows: list[list]) -> tuple[int, dict[str, int]]:
    """(index of the header row, column name → index) for the first of the first rows naming the most
    of COLUMNS (0 and {} when none names any)."""
    best = (0, {})
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for j, cell in enumerate(row):
            column = _KNOWN.get(tidy(cell))
            if column is not None and column not in found:
                found[column] = j
        if len(found) > len(best[1]) or (all(c in found for c in REQUIRED) and not all(c in best[1] for c in REQUIRED)):
            best = (i, found)
        if all(c in found for c in REQUIRED):
            return i, found
    return best


def _extract(name: str, ins: safety.Inspection, kind: str, how: str, sheet: str | None, rows: list[list],
             at: int) -> Extract:
    header = rows[at] if rows else []
    columns = {}
    for j, cell in enumerate(header):
        column = _KNOWN.get(tidy(cell))
        if column is not None and column not in columns:
            columns[column] = j
    spelt = {c: str(header[j]).strip() for c, j in columns.items()}
    headers = [str(h).strip() for h in header if str(h if h is not None else "").strip()]
    ignored = []
    for h in headers:
        if _KNOWN.get(tidy(h)) is None:
            near = did_you_mean(h, [c for c in COLUMNS if c not in columns])
            ignored.append(f"{h} (did you mean {near}?)" if near else h)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        hints = []
        for c in missing:
            near = did_you_mean(c, headers) or next((h for h in headers if did_you_mean(tidy(h), COLUMNS[c])), None)
            hints.append(f"{c}" + (f" (is '{near}' it? name the column {c})" if near else ""))
        shown = ", ".join(headers[:12]) or "none"
        raise XlplanError(f"{name} ({how}) has no {' or '.join(hints)} column: its header row"
                          f"{f' (row {at + 1})' if headers else ''} has {shown}. An extract needs a Code and a Value "
                          f"column, and may have Period (or Quarter), Comment and Source.")
    letters = {c: _letter(j) for c, j in columns.items()}
    found = []
    for i, row in enumerate(rows[at + 1:], start=at + 2):
        cells = {c: (row[j] if j < len(row) else None) for c, j in columns.items()}
        cells = {c: (None if v is None or (isinstance(v, str) and not v.strip()) else v) for c, v in cells.items()}
        if all(v is None for v in cells.values()):
            continue                              # a blank line (or a row of other columns only)
        found.append(ExtractRow(i, cells, {c: f"{letters[c]}{i}" for c in columns}))
    return Extract(name=name, sha256=ins.sha256, data=ins.data, kind=kind, how=how, sheet=sheet, header_row=at + 1,
                   columns=spelt, ignored=ignored, rows=found)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- periods ----------------------------------------------------------------------------------------

_QUARTER_ONLY = re.compile(r"(?:q|quarter)\s*([1-4])", re.I)


def period_of(raw: object, year: FinancialYear) -> Period | None:
    """The quarter a Period cell names: `2023-24-Q2`, `Q2 2023/24`, `2023/24 Quarter 2`, `Q2` (in
    `year`), or a date (the quarter it falls in); None when it names none."""
    if isinstance(raw, (datetime, date)):
        day = raw.date() if isinstance(raw, datetime) else raw
        fy = FinancialYear.containing(day)
        return Period(fy, (day.month - 4) % 12 // 3 + 1)
    text = " ".join(str(raw).split())
    found = _QUARTER_ONLY.fullmatch(text)
    if found:
        return Period(year, int(found.group(1)))
    try:
        return Period.parse(text)
    except ValueError:
        return None
