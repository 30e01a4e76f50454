"""How often a measure is reported, and how a monthly measure's quarter figure is made. Pure.

A measure is reported every quarter unless its plan row says otherwise (the Measures sheet's
`Frequency` column): `Monthly` (a figure per month in the return, the quarter figure worked out by
the measure's `Aggregate` rule: Sum, Average or Last), `Six-monthly` (due at Q2 and Q4), `Annual`
(due at Q4) or `Annual (Q2)` for an annual figure reported in a named quarter. A measure not due in
a quarter is neither asked for nor counted as Report later: its status that quarter is Not due.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from xlplan.periods import Period
from xlplan.values import Figure, Missing, Ratio, Unit, Value, clean_text, format_value


class Cadence(str, Enum):
    QUARTERLY = "Quarterly"
    MONTHLY = "Monthly"
    SIX_MONTHLY = "Six-monthly"
    ANNUAL = "Annual"


FREQUENCY_WORDS = "Quarterly, Monthly, Six-monthly (due Q2 and Q4), Annual (due Q4), or Annual (Q2) for another quarter"

_WORDS = {
    "quarterly": Cadence.QUARTERLY, "quarter": Cadence.QUARTERLY, "three monthly": Cadence.QUARTERLY,
    "3 monthly": Cadence.QUARTERLY, "every quarter": Cadence.QUARTERLY,
    "monthly": Cadence.MONTHLY, "month": Cadence.MONTHLY, "every month": Cadence.MONTHLY,
    "six monthly": Cadence.SIX_MONTHLY, "6 monthly": Cadence.SIX_MONTHLY, "half yearly": Cadence.SIX_MONTHLY,
    "half year": Cadence.SIX_MONTHLY, "biannual": Cadence.SIX_MONTHLY, "bi annual": Cadence.SIX_MONTHLY,
    "twice yearly": Cadence.SIX_MONTHLY, "twice a year": Cadence.SIX_MONTHLY, "every six months": Cadence.SIX_MONTHLY,
    "annual": Cadence.ANNUAL, "annually": Cadence.ANNUAL, "yearly": Cadence.ANNUAL, "year": Cadence.ANNUAL,
    "once a year": Cadence.ANNUAL, "every year": Cadence.ANNUAL,
}
_DEFAULT_QUARTERS = {Cadence.QUARTERLY: (1, 2, 3, 4), Cadence.MONTHLY: (1, 2, 3, 4),
                     Cadence.SIX_MONTHLY: (2, 4), Cadence.ANNUAL: (4,)}


@dataclass(frozen=True)
class Frequency:
    """How often a measure is reported: its cadence and the quarters it is due in."""

    cadence: Cadence = Cadence.QUARTERLY
    quarters: tuple[int, ...] = (1, 2, 3, 4)

    @classmethod
    def parse(cls, raw: object) -> "Frequency":
        """`Quarterly` (or blank), `Monthly`, `Six-monthly`/`6 monthly`/`half-yearly`, `Annual`/`yearly`,
        `Annual (Q2)`/`Annual Q2`, `Six-monthly (Q1, Q3)`; raises ValueError for anything else."""
        text = clean_text(raw or "").lower()
        named = tuple(int(q) for q in re.findall(r"\bq([1-4])\b", text))
        word = re.sub(r"\(.*\)|\bq[1-4]\b|\bat\b|\bin\b|,|\band\b|&|/", " ", text)
        word = re.sub(r"[-_]", " ", word)
        word = re.sub(r"\s+", " ", word).strip()
        if not word and not named:
            return QUARTERLY
        cadence = _WORDS.get(word)
        if cadence is None:
            raise ValueError(f"'{raw}' is not a frequency; expected {FREQUENCY_WORDS}")
        if not named:
            return cls(cadence, _DEFAULT_QUARTERS[cadence])
        wanted = {Cadence.ANNUAL: 1, Cadence.SIX_MONTHLY: 2}.get(cadence)
        if wanted is None or len(set(named)) != wanted:
            raise ValueError(f"'{raw}' names the wrong number of quarters; expected {FREQUENCY_WORDS}")
        return cls(cadence, tuple(sorted(set(named))))

    @property
    def is_quarterly(self) -> bool:
        return self.cadence is Cadence.QUARTERLY

    @property
    def monthly(self) -> bool:
        return self.cadence is Cadence.MONTHLY

    def due_in(self, period: Period) -> bool:
        return period.quarter in self.quarters

    def next_due(self, period: Period) -> str:
        """When it is next due after `period`: `Q4`, or `Q2 next year` when this year's are past."""
        later = [q for q in self.quarters if q > period.quarter]
        return f"Q{later[0]}" if later else f"Q{self.quarters[0]} next year"

    @property
    def reported_at(self) -> str:
        """`Q4`, `Q2 and Q4`: the quarters it is reported in."""
        qs = [f"Q{q}" for q in self.quarters]
        return qs[0] if len(qs) == 1 else ", ".join(qs[:-1]) + " and " + qs[-1]

    def describe(self) -> str:
        """As a plan cell shows it: Quarterly, Monthly, Six-monthly, Annual, Annual (Q2)."""
        if self.quarters == _DEFAULT_QUARTERS[self.cadence]:
            return self.cadence.value
        return f"{self.cadence.value} ({', '.join(f'Q{q}' for q in self.quarters)})"

    def mark(self) -> str:
        """What a report says of a measure not due: `Annual — reported at Q4`."""
        return f"{self.cadence.value} — reported at {self.reported_at}"


QUARTERLY = Frequency()


class Aggregate(str, Enum):
    """How a monthly measure's three months make its quarter figure."""

    SUM = "Sum"
    AVERAGE = "Average"
    LAST = "Last"

    @classmethod
    def parse(cls, raw: object) -> "Aggregate":
        key = clean_text(raw or "").lower()
        words = {"sum": cls.SUM, "total": cls.SUM, "add": cls.SUM, "average": cls.AVERAGE, "mean": cls.AVERAGE,
                 "avg": cls.AVERAGE, "last": cls.LAST, "latest": cls.LAST, "last month": cls.LAST,
                 "end of quarter": cls.LAST}
        try:
            return words[key]
        except KeyError:
            raise ValueError(f"'{raw}' is not an aggregate; expected Sum, Average or Last") from None

    @classmethod
    def default_for(cls, unit: Unit) -> "Aggregate":
        """Sum for counts and money, Average for percentages and ratios."""
        return cls.SUM if unit in (Unit.NUMBER, Unit.MONEY) else cls.AVERAGE


AGGREGATE_WORDS = "Sum, Average or Last"


def quarter_months(period: Period) -> list[str]:
    """The quarter's months as a return heads them: `Jul 2023`, `Aug 2023`, `Sep 2023`."""
    first = period.quarter_start
    out = []
    for k in range(3):
        month = (first.month - 1 + k) % 12 + 1
        year = first.year + (first.month - 1 + k) // 12
        out.append(f"{_MONTH_NAMES[month - 1]} {year}")
    return out


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_HEADER = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}")


def combine_months(months: list[tuple[str, Value | None]], aggregate: Aggregate, unit: Unit) -> Value:
    """The quarter figure from the three months' values by `aggregate`. The quarter has a figure only
    when every month has one (a month with no figure leaves the quarter with none, its reason the
    first such month's: `Aug 2023: TBC`); all blank is blank."""
    if all(v is None or (v.figure is None and v.missing in (None, Missing.BLANK)) for _, v in months):
        return Value(None, Missing.BLANK)
    for label, v in months:
        if v is None or v.figure is None:
            missing = v.missing if v is not None and v.missing not in (None, Missing.BLANK) else Missing.REPORT_LATER
            shown = v.raw if v is not None and v.raw else "blank"
            return Value(None, missing, f"{label}: {shown}")
    figures: list[Figure] = [v.figure for _, v in months]
    raw = "; ".join(f"{label} {format_value(v.figure, unit)}" for label, v in months)
    if aggregate is Aggregate.LAST:
        figure = figures[-1]
    elif isinstance(figures[0], Ratio):
        share = sum(f.share for f in figures) / len(figures)
        figure = Ratio(round(share * 100, 6), round(100 - share * 100, 6))
    elif aggregate is Aggregate.SUM:
        figure = float(sum(figures))
    else:
        figure = float(sum(figures)) / len(figures)
    return Value(figure, None, raw, f"{aggregate.value.lower()} of the quarter's months: {raw}")
