"""Reading one plan sheet: headers matched by name, rows as cells, and the cell readers shared by
the plan reader (words from a fixed list, dates, percent-formatted cells)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from .errors import Report, did_you_mean, issue, suggestion
from .periods import FinancialYear, Period
from .plan import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from .returns import column_letter as get_column_letter
from .values import clean_text


class PlanSheet:
    """A plan sheet's rows as dicts keyed by canonical header, with cell lookups for messages."""

    def __init__(self, ws, name: str, report: Report) -> None:
        self.name = name
        # numbered here: in a read-only sheet an empty cell does not know its row
        rows = list(enumerate(ws.iter_rows(min_row=1), 1))
        self.header: dict[str, int] = {}       # canonical name → column index (0-based)
        self.raw_headers: list[str] = []
        self.header_row = 1
        self.rows: list[tuple[int, list]] = []  # (excel row number, cells)
        if not rows:
            return
        wanted = {c.casefold(): c for c in self.known()}
        self.header_row = _header_row(rows, wanted)
        seen: dict[str, list[str]] = {}
        for idx, cell in enumerate(rows[self.header_row - 1][1]):
            text = clean_text(cell.value) if cell.value is not None else ""
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
            report.add(issue("plan.duplicate-column", sheet=name, row=self.header_row, cell=cells[-1],
                             column=column, cells=", ".join(cells)))
        for number, r in rows[self.header_row:]:
            if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in r):
                continue
            self.rows.append((number, list(r)))

    def header_cell(self, idx: int) -> str:
        return f"{get_column_letter(idx + 1)}{self.header_row}"

    def known(self) -> list[str]:
        return list(REQUIRED_COLUMNS.get(self.name, ()) + OPTIONAL_COLUMNS.get(self.name, ()))

    def unknown_headers(self) -> list[tuple[str, str]]:
        """(header, cell) of headers that are not xlplan columns (nor, on Measures, a history year)."""
        known = {c.casefold() for c in self.known()}
        return [(h, self.header_cell(i)) for i, h in enumerate(self.raw_headers)
                if h and h.casefold() not in known
                and not (self.name == "Measures" and FinancialYear.looks_like(h))]

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
                report.add(issue("plan.unknown-column", sheet=self.name, row=self.header_row, cell=cell, column=header,
                                 suggestion=f' (did you mean "{near}"?)'))

    def has(self, column: str) -> bool:
        return column in self.header

    def cell(self, cells: list, column: str):
        idx = self.header.get(column)
        return cells[idx] if idx is not None and idx < len(cells) else None

    def value(self, cells: list, column: str):
        c = self.cell(cells, column)
        return None if c is None else c.value

    def text(self, cells: list, column: str) -> str:
        v = self.value(cells, column)
        if v is None:
            return ""
        return _clean_str(v) if type(v) is str else clean_text(v)

    def ref(self, row: int, column: str) -> str:
        idx = self.header.get(column, 0)
        return f"{get_column_letter(idx + 1)}{row}"


@lru_cache(maxsize=1 << 16)
def _clean_str(text: str) -> str:
    """clean_text, remembered: a plan repeats the same theme, service, unit and word on every row."""
    return clean_text(text)


def _header_row(rows: list[tuple[int, tuple]], wanted: dict[str, str], search: int = 10) -> int:
    """The header row: the first of the top rows naming the most xlplan columns (a title row or a
    note above the headers is allowed); row 1 when none names any."""
    best, best_hits = 1, 0
    for number, cells in rows[:search]:
        hits = sum(1 for c in cells if isinstance(c.value, str) and clean_text(c.value).casefold() in wanted)
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
        report.add(issue("plan.unknown-word", sheet=s.name, row=row, cell=s.ref(row, column),
                         column=column, value=raw, allowed=allowed))
        return None


def is_percent(cell) -> bool:
    return cell is not None and "%" in str(getattr(cell, "number_format", "") or "")


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
