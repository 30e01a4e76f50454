"""UK financial years (April–March) and their quarters.

A period id is `2023-24-Q2` (also accepted: `2023/24 Q2`, `2023-2024 Q2`, `Q2 2023/24`,
`2023-24 Quarter 2`). Figures
in a return are *cumulative to date*: Q2 covers April to September.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_QUARTER_END_MONTH = {1: 6, 2: 9, 3: 12, 4: 3}
_QUARTER_FIRST_MONTH = {1: 4, 2: 7, 3: 10, 4: 1}


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The financial year starting 1 April `start`."""

    start: int

    @classmethod
    def parse(cls, text: str | int) -> "FinancialYear":
        """Read `2023-24`, `2023/24`, `2023-2024`, `2023/2024` or `FY2023-24`; raises ValueError."""
        s = str(text).strip().upper().removeprefix("FY").strip()
        m = re.fullmatch(r"(\d{4})\s*[-/–]\s*(\d{2}|\d{4})", s)
        if not m:
            raise ValueError(f"'{text}' is not a financial year; expected a year such as 2023-24")
        first, second = int(m.group(1)), m.group(2)
        end = int(second) if len(second) == 4 else (first // 100) * 100 + int(second)
        if len(second) == 2 and end < first:  # 1999-00
            end += 100
        if end != first + 1:
            raise ValueError(f"'{text}' is not a financial year: the second year must follow the first")
        return cls(first)

    @classmethod
    def looks_like(cls, text: object) -> bool:
        """True when `text` (e.g. a column header) reads as a financial year."""
        try:
            cls.parse(str(text))
            return True
        except ValueError:
            return False

    @classmethod
    def containing(cls, day: date) -> "FinancialYear":
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def label(self) -> str:
        """`2023-24`: the form used in period ids and file names."""
        return f"{self.start}-{(self.start + 1) % 100:02d}"

    @property
    def slash(self) -> str:
        """`2023/24`: the form council reports use in column headings."""
        return f"{self.start}/{(self.start + 1) % 100:02d}"

    @property
    def first_day(self) -> date:
        return date(self.start, 4, 1)

    @property
    def last_day(self) -> date:
        return date(self.start + 1, 3, 31)

    def previous(self, n: int = 1) -> "FinancialYear":
        return FinancialYear(self.start - n)

    def prior_years(self, n: int = 3) -> list["FinancialYear"]:
        """The `n` years before this one, oldest first (the history columns of a report)."""
        return [FinancialYear(self.start - k) for k in range(n, 0, -1)]

    def quarter(self, q: int) -> "Period":
        return Period(self, q)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True)
class Period:
    """Quarter `quarter` (1–4) of a financial year; values reported for it are cumulative to date."""

    year: FinancialYear
    quarter: int

    def __post_init__(self) -> None:
        if self.quarter not in (1, 2, 3, 4):
            raise ValueError(f"quarter must be 1 to 4, not {self.quarter}")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """Read `2023-24-Q2`, `2023/24 Q2`, `2023-2024 Q2`, `Q2 2023-24`, `2023-24 Quarter 2`;
        raises ValueError."""
        s = re.sub(r"QUARTER\s*", "Q", str(text).strip().upper())
        m = re.fullmatch(r"(?P<y>.+?)[\s\-_]*Q(?P<q>[1-4])", s) or re.fullmatch(r"Q(?P<q>[1-4])[\s\-_]*(?P<y>.+)", s)
        try:
            if not m:
                raise ValueError
            year = FinancialYear.parse(m.group("y").strip(" -_"))
        except ValueError:
            raise ValueError(f"'{text}' is not a period; expected a quarter such as 2023-24-Q2") from None
        q = m.group("q")
        return cls(year, int(q))

    @property
    def id(self) -> str:
        """`2023-24-Q2`: the canonical id used in file names, the store and the CLI."""
        return f"{self.year.label}-Q{self.quarter}"

    @property
    def label(self) -> str:
        """`2023-24 Quarter 2` for titles."""
        return f"{self.year.label} Quarter {self.quarter}"

    @property
    def start(self) -> date:
        """First day of the cumulative period (always 1 April)."""
        return self.year.first_day

    @property
    def quarter_start(self) -> date:
        m = _QUARTER_FIRST_MONTH[self.quarter]
        return date(self.year.start + (1 if self.quarter == 4 else 0), m, 1)

    @property
    def end(self) -> date:
        m = _QUARTER_END_MONTH[self.quarter]
        y = self.year.start + (1 if self.quarter == 4 else 0)
        return date(y, m, calendar.monthrange(y, m)[1])

    @property
    def months_text(self) -> str:
        """`April 2023 – September 2023, cumulative` as the template's Instructions show it."""
        return f"{self.start:%B %Y} – {self.end:%B %Y}, cumulative"

    @property
    def fraction(self) -> float:
        """Share of the year elapsed at the end of the quarter (Q2 → 0.5)."""
        return self.quarter / 4

    def previous(self) -> "Period":
        """The quarter before (Q1's previous is Q4 of the year before)."""
        if self.quarter == 1:
            return Period(self.year.previous(), 4)
        return Period(self.year, self.quarter - 1)

    def same_quarter_last_year(self) -> "Period":
        return Period(self.year.previous(), self.quarter)

    def prior_years(self, n: int = 3) -> list[FinancialYear]:
        return self.year.prior_years(n)

    def __str__(self) -> str:
        return self.id


def parse_period(text: str | Period) -> Period:
    return text if isinstance(text, Period) else Period.parse(text)
