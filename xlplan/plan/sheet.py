"""Reading one plan sheet: headers matched by name, rows as cells, and the cell readers shared by
the plan reader (words from a fixed list, dates, percent-formatted cells)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import itemgetter

from xlplan.errors import (
    PLAN_DUPLICATE_COLUMN, PLAN_UNKNOWN_COLUMN, PLAN_UNKNOWN_WORD, Report, did_you_mean, issue, suggestion,
)
from xlplan.periods import FinancialYear, Period
from xlplan.plan.model import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from xlplan.xlsx_parts import column_letter as get_column_letter
from xlplan.values import clean_text


class PlanSheet:
    """A plan sheet's rows as lists of cell values, with headers matched by canonical name, the
    cells' percent formats, and cell references for messages.

    `ws` is either a fast sheet from `plan_cells.open_book` (`rows` of values, `formats` of the
    percent-formatted cells) or an openpyxl read-only worksheet. Every row is padded with None to
    the same width plus one, so `cells[s.index(column)]` never fails (an absent column's index is
    that last, always-empty slot)."""

    def __init__(self, ws, name: str, report: Report) -> None:
        self.name = name
        values, self.formats = _sheet_values(ws)
        self.header: dict[str, int] = {}       # canonical name → column index (0-based)
        self.raw_headers: list[str] = []
        self.header_row = 1
        self.rows: list[tuple[int, list]] = []  # (excel row number, cell values)
        self._absent = 0
        if not values:
            return
        wanted = {c.casefold(): c for c in self.known()}
        self.header_row = _header_row(values, wanted)
        seen: dict[str, list[str]] = {}
        for idx, value in enumerate(values[self.header_row - 1]):
            text = clean_text(value) if value is not None else ""
            self.raw_headers.append(text)
            key = text.casefold()
            canonical = wanted.get(key, text)
            if key and canonical in self.header:
                seen.setdefault(canonical, [self.header_cell(self.header[canonical])])
                seen[canonical].append(self.header_cell(idx))
                continue
            if key:
                self.header[canonical] = idx
        for column, cells in seen.items():
            report.add(issue(PLAN_DUPLICATE_COLUMN, sheet=name, row=self.header_row, cell=cells[-1],
                             column=column, cells=", ".join(cells)))
        self._absent = width = max(map(len, values))
        for number, r in enumerate(values[self.header_row:], self.header_row + 1):
            first = r[0] if r else None
            if not (type(first) is str and first.strip()) and \
                    all(v is None or (isinstance(v, str) and not v.strip()) for v in r):
                continue
            if len(r) <= width:
                r.extend([None] * (width + 1 - len(r)))
            self.rows.append((number, r))

    def header_cell(self, idx: int) -> str:
        return f"{get_column_letter(idx + 1)}{self.header_row}"

    def known(self) -> list[str]:
        return list(REQUIRED_COLUMNS.get(self.name, ()) + OPTIONAL_COLUMNS.get(self.name, ()))

    def unknown_headers(self) -> list[tuple[str, str]]:
        """(header, cell) of headers that are not xlplan columns (nor, on Measures, a history year)."""
        known = {c.casefold() for c in self.known()}
        return [(h, self.header_cell(i)) for i, h in enumerate(self.raw_headers)
                if h and h.casefold() not in known
                and not (self.name == "Measures" and (FinancialYear.looks_like(h) or target_year(h)))]

    def near_miss(self, column: str) -> tuple[str, str] | None:
        """An unrecognised header that looks like a misspelling of `column`: (header, cell)."""
        headers = dict(self.unknown_headers())
        near = did_you_mean(column, headers)
        return (near, headers[near]) if near else None

    def warn_unknown_columns(self, report: Report, exclude: list[str]) -> None:
        """Extra columns are kept and ignored, but one that looks like a misspelt column is reported."""
        for header, cell in self.unknown_headers():
            near = did_you_mean(header, self.known())
            if near and near not in exclude and not self.has(near):
                report.add(issue(PLAN_UNKNOWN_COLUMN, sheet=self.name, row=self.header_row, cell=cell, column=header,
                                 suggestion=f' (did you mean "{near}"?)'))

    def has(self, column: str) -> bool:
        return column in self.header

    def index(self, column: str) -> int:
        """Where `column`'s value is in a row: its index, or the always-empty last slot if absent."""
        return self.header.get(column, self._absent)

    def value(self, cells: list, column: str):
        return cells[self.header.get(column, self._absent)]

    def text(self, cells: list, column: str) -> str:
        return cell_text(cells[self.header.get(column, self._absent)])

    def percent(self, row: int, column: str) -> bool:
        """Whether the cell at `row` (Excel row number) in `column` has a percent number format."""
        formats = self.formats.get(row)
        return bool(formats) and column in self.header and "%" in formats.get(self.header[column], "")

    def ref(self, row: int, column: str) -> str:
        idx = self.header.get(column, 0)
        return f"{get_column_letter(idx + 1)}{row}"


_TARGET_YEAR = re.compile(r"target\s*(?:for\s*)?(?:fy\s*)?(\d{4}\s*[-/\u2013]\s*(?:\d{2}|\d{4}))", re.I)


def target_year(header: str) -> FinancialYear | None:
    """The year of a target column's header (`Target 2023/24`, `Target 2024-25`), or None."""
    m = _TARGET_YEAR.fullmatch(clean_text(header or ""))
    if not m:
        return None
    try:
        return FinancialYear.parse(m.group(1))
    except ValueError:
        return None


def cell_text(v) -> str:
    """A cell value as clean text ("" for an empty cell)."""
    if v is None:
        return ""
    return clean_str(v) if type(v) is str else clean_text(v)


_SPACES = re.compile(r"\s+")


def clean_str(s: str) -> str:
    """`clean_text` of a string, without its Unicode work for the commonest text: printable ASCII,
    or printable ASCII with en/em/minus dashes (each its own NFKC form, made '-')."""
    t = s
    if not t.isascii():
        t = t.replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
        if not t.isascii():
            return clean_text(s)
    if not t.isprintable():
        return clean_text(s)
    return t.strip() if "  " not in t else _SPACES.sub(" ", t).strip()


def column_texts(rows: list[tuple[int, list]], index: int, repeats: bool = True) -> list[str]:
    """`cell_text` of the cells at `index` of every row; with `repeats`, each distinct string is
    cleaned once (a plan repeats its themes, services, units and words on every row)."""
    column = list(map(itemgetter(index), map(itemgetter(1), rows)))
    if not repeats:
        return list(map(cell_text, column))
    distinct = set(column)
    if all(type(v) is str or v is None for v in distinct):    # 1, 1.0 and True are one set member
        return list(map({v: cell_text(v) for v in distinct}.__getitem__, column))
    return list(map(cell_text, column))


def distinct_texts(rows: list[tuple[int, list]], index: int) -> set[str]:
    """`set(column_texts(rows, index))`, cleaning each distinct string once and building no list."""
    distinct = set(map(itemgetter(index), map(itemgetter(1), rows)))
    if all(type(v) is str or v is None for v in distinct):    # 1, 1.0 and True are one set member
        return set(map(cell_text, distinct))
    return set(column_texts(rows, index))


def _sheet_values(ws) -> tuple[list[list], dict[int, dict[int, str]]]:
    """(rows of cell values, row → {column: number format} of the percent-formatted cells), rows
    numbered from 1 (in a read-only openpyxl sheet an empty cell does not know its row)."""
    if hasattr(ws, "values_rows"):
        return ws.values_rows(), ws.formats
    rows, formats = [], {}
    for number, cells in enumerate(ws.iter_rows(min_row=1), 1):
        rows.append([c.value for c in cells])
        for col, c in enumerate(cells):
            fmt = str(getattr(c, "number_format", "") or "")
            if "%" in fmt:
                formats.setdefault(number, {})[col] = fmt
    return rows, formats


@lru_cache(maxsize=1 << 16)
def _clean_str(text: str) -> str:
    """clean_text, remembered: a plan repeats the same theme, service, unit and word on every row."""
    return clean_str(text)


def _header_row(rows: list[list], wanted: dict[str, str], search: int = 10) -> int:
    """The header row: the first of the top rows naming the most xlplan columns (a title row or a
    note above the headers is allowed); row 1 when none names any."""
    best, best_hits = 1, 0
    for number, values in enumerate(rows[:search], 1):
        hits = sum(1 for v in values if isinstance(v, str) and clean_text(v).casefold() in wanted)
        if hits > best_hits:
            best, best_hits = number, hits
    return best


class Names(list):
    """A list of names with a casefolded index, so `lookup` is one dict probe per row (a plan of a
    thousand services has 80,000 rows to look up)."""

    def __init__(self, names) -> None:
        super().__init__(names)
        self.by_fold: dict[str, str] = {}
        for n in self:
            self.by_fold.setdefault(n.casefold(), n)
        self.spellings = set(self.by_fold.values())     # each name as the index gives it back


def lookup(value: str, names: list[str], code: str, s: PlanSheet, row: int, column: str,
            report: Report) -> str:
    """Canonical spelling of `value` from `names`, reporting it when it is not there."""
    index = getattr(names, "by_fold", None)
    match = index.get(value.casefold()) if index is not None else \
        next((n for n in names if n.casefold() == value.casefold()), None)
    if match is None:
        report.add(issue(code, sheet=s.name, row=row, cell=s.ref(row, column), value=value,
                         suggestion=suggestion(value, names)))
        return value
    return match


def read_word(parse, s: PlanSheet, cells, row: int, column: str, allowed: str, report: Report, default=None):
    raw = s.text(cells, column)
    if not raw and default is not None:
        return default
    try:
        return parse(raw)
    except ValueError:
        report.add(issue(PLAN_UNKNOWN_WORD, sheet=s.name, row=row, cell=s.ref(row, column),
                         column=column, value=raw, allowed=allowed))
        return None


_MONTHS = {m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                       "nov", "dec"], 1)}


def as_date(raw, end_of_month: bool = False) -> date | None:
    """A date from a cell as people fill it in: a real date, 31/03/2024, 2024-03-31, 1st November 2023,
    '31 March 2021 (three monthly review of progress)', 'by September 2023', 'March 2024', 'Mar 24',
    a quarter (Q3 2023-24) or a financial year (2023/24). Month, quarter and year forms mean their
    last day for a due date (`end_of_month`) and their first day otherwise. None if not a date."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # a date cell that lost its date format shows Excel's day number (45199 = 30/09/2023)
        return date(1899, 12, 30) + timedelta(days=int(raw)) if 20000 <= raw <= 80000 else None
    text = clean_text(raw).lower()
    text = re.sub(r"\s*\(.*\)$", "", text)                         # "(three monthly review of progress)"
    text = re.sub(r"^(by|before|end of|the end of|due)\s+", "", text).strip(" .,")
    text = re.sub(r"\b(\d{1,2})(st|nd|rd|th)\b", r"\1", text)       # 1st November 2023
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    m = re.fullmatch(r"(?:(\d{1,2})\s+)?([a-z]{3})[a-z]*\.?,?\s+(\d{2}|\d{4})", text)
    if m and m.group(2) in _MONTHS:
        month, year = _MONTHS[m.group(2)], int(m.group(3))
        year = year + 2000 if year < 100 else year
        last = calendar.monthrange(year, month)[1]
        day = int(m.group(1)) if m.group(1) else (last if end_of_month else 1)
        return date(year, month, day) if 1 <= day <= last else None
    try:
        period = Period.parse(text)
        return period.end if end_of_month else period.quarter_start
    except ValueError:
        pass
    try:
        year = FinancialYear.parse(text)
        return year.last_day if end_of_month else year.first_day
    except ValueError:
        return None
