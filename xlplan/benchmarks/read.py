"""Reading a benchmark download (CSV or xlsx) into rows of cells, with its header row found.

CSV: the encoding is UTF-8 (with or without a byte-order mark) or, failing that, Windows-1252 (what
Excel saves as "CSV" on a UK PC); the separator (comma, semicolon, tab or bar) is sniffed. xlsx:
values by python-calamine, with the percent-formatted cells known (as for the plan), so 85.2% typed
as 0.852 in a percent cell reads as 85.2%, once the file has passed the checks a return passes
before any spreadsheet library opens it (xlplan/safety: zip bombs, XML entities and the like). The header row is the first of the top rows that names
the most known columns, so a title or notes above it are allowed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from xlplan.values import clean_text

MAX_BYTES = 50 * 2**20


class Unreadable(Exception):
    """The file is neither a CSV nor an xlsx workbook that can be read; the message says why."""


@dataclass
class Table:
    """A download's rows (each with its 1-based row number), its header texts and percent cells."""

    headers: list[str]
    header_row: int
    rows: list[tuple[int, list]]
    percent: set[tuple[int, int]] = field(default_factory=set)    # (row, 0-based column) of percent cells
    encoding: str = ""
    separator: str = ""


def read_table(path: Path, wanted) -> Table:
    """The table in the file at `path`; `wanted(header) -> bool` says which headers are known (to
    find the header row). Raises Unreadable."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise Unreadable(e.strerror or str(e)) from None
    if len(data) > MAX_BYTES:
        raise Unreadable(f"it is {len(data) / 2**20:.0f} MB, far larger than a benchmark download")
    if not data.strip():
        raise Unreadable("the file is empty")
    if data[:4] == b"PK\x03\x04":
        _inspected(path)
        (rows, percent), encoding, separator = _xlsx(path, data), "", ""
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Unreadable("it is an old-style .xls workbook; save it as .xlsx or CSV")
    else:
        text, encoding = _decode(data)
        rows, separator = _csv(text)
        percent = set()
    if not rows:
        raise Unreadable("it holds no rows")
    best, hits = 0, 0
    for i, values in enumerate(rows[:10]):
        n = sum(1 for v in values if isinstance(v, str) and wanted(v))
        if n > hits:
            best, hits = i, n
    headers = [clean_text(v) if v is not None else "" for v in rows[best]]
    body = [(n, values) for n, values in enumerate(rows[best + 1:], best + 2)
            if any(v not in (None, "") and (not isinstance(v, str) or v.strip()) for v in values)]
    return Table(headers, best + 1, body, percent, encoding, separator)


def _inspected(path: Path) -> None:
    """A workbook is judged as a return is before any spreadsheet library opens it (zip bombs, XML
    entities, encrypted or absurd sheets: xlplan/safety); raises Unreadable saying why it was refused."""
    from xlplan.safety.inspection import inspect
    ins = inspect(path)
    if ins.rejected:
        raise Unreadable(ins.reason.removeprefix(f"{path.name} ") or "it cannot be read safely")


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8 (with BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "cp1252"


def _csv(text: str) -> tuple[list[list], str]:
    sample = text[:8192]
    if "\x00" in sample:
        raise Unreadable("it is not a text file")
    try:
        separator = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        separator = ","
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=separator)]
    return [[v if v.strip() else None for v in r] for r in rows], separator


def _xlsx(path: Path, data: bytes) -> tuple[list[list], set]:
    """The first sheet's rows and percent-formatted cells."""
    from xlplan.plan.cells import open_book
    book = open_book(path) if path.suffix.lower() == ".xlsx" else None
    if book is not None and book.worksheets:
        sheet = book.worksheets[0]
        percent = {(r, c) for r, cols in sheet.formats.items() for c in cols}
        return sheet.values_rows(), percent
    try:
        import python_calamine as calamine
        wb = calamine.load_workbook(io.BytesIO(data))
        rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)
    except Exception as e:  # noqa: BLE001 - calamine's errors for damaged or foreign files
        raise Unreadable(f"it is not an xlsx workbook that can be read ({str(e)[:120]})") from None
    return [[None if v == "" else v for v in r] for r in rows], set()
