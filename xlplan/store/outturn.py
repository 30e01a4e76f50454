"""A measure's outturn for a year, and how it was worked out. Pure: no store, no I/O.

Figures in a return are cumulative to date (Q4 covers April to March), except a monthly measure's
quarter figure, which its Aggregate makes from that quarter's three months. So the outturn is:

- a monthly measure summed by month (Aggregate Sum): the sum of the four quarters' figures;
- a monthly measure averaged by month (Aggregate Average): the mean of the four quarters' figures;
- any other measure: the figure of the last quarter it is due in (Q4; Q2 for `Annual (Q2)`): for a
  Cumulative profile the year's total to date, for a Level measure (a %, a ratio, a rate) the
  level at the year end, for an Annual measure the year's one figure.

A quarter without a figure (not collected, Report later, in error) leaves the year without an
outturn, said so; a figure is never taken as 0. The outturn is judged against the year's target
with the Rule stored with that quarter's figure (so the year is judged as the quarter was), or the
plan's rule for that quarter when it was never collected.
"""

from __future__ import annotations

from dataclasses import dataclass

from xlplan.frequency import Aggregate, Cadence
from xlplan.plan import Measure
from xlplan.status import (Assessment, Polarity, ProfileKind, Rule, Status, Trend, measure_status, trend)
from xlplan.values import Figure, Ratio, Unit, Value, format_value

NOT_COLLECTED = "not collected"
NOT_DUE = "not due"


@dataclass(frozen=True)
class QuarterFigure:
    """The latest version of one quarter's figure for a measure (restatements included)."""

    quarter: int
    collected: bool                  # the store holds a row for this measure and quarter
    figure: Figure | None
    text: str                        # as a report shows it: 71%, Report later, not collected, not due
    status: Status | None
    due: bool
    restated: bool = False
    rule: Rule | None = None         # the Rule stored with it
    assessed: Status | None = None   # the manager's own RAG word


@dataclass(frozen=True)
class Outturn:
    figure: Figure | None
    how: str                         # the rule used, in a few words: "Q4 figure, cumulative to date"
    short: str                       # the same for a table cell: "Q4 to date"
    missing: str = ""                # why there is none: "Q3 not collected"
    quarter: int = 4                 # the quarter whose rule judges it


def outturn_of(m: Measure, quarters: dict[int, QuarterFigure]) -> Outturn:
    """The outturn of `m` from its four quarters (see the module docstring)."""
    if m.frequency.cadence is Cadence.MONTHLY and m.quarter_rule in (Aggregate.SUM, Aggregate.AVERAGE):
        summed = m.quarter_rule is Aggregate.SUM
        how = ("sum of the four quarters (each the sum of its months)" if summed
               else "mean of the four quarters (each the mean of its months)")
        short = "sum of Q1–Q4" if summed else "mean of Q1–Q4"
        gaps = [q for q in (1, 2, 3, 4) if quarters[q].figure is None]
        if gaps:
            return Outturn(None, how, short, _gap(quarters, gaps))
        figures = [quarters[q].figure for q in (1, 2, 3, 4)]
        if isinstance(figures[0], Ratio):
            share = sum(f.share for f in figures) / 4
            return Outturn(Ratio(round(share * 100, 6), round(100 - share * 100, 6)), how, short)
        total = float(sum(float(f) for f in figures))
        return Outturn(total if summed else total / 4, how, short)
    q = max(m.frequency.quarters)
    how, short = _last_quarter_rule(m, q)
    if quarters[q].figure is None:
        return Outturn(None, how, short, _gap(quarters, [q]), q)
    return Outturn(quarters[q].figure, how, short, "", q)


def _last_quarter_rule(m: Measure, q: int) -> tuple[str, str]:
    if m.frequency.cadence is Cadence.ANNUAL:
        return f"the year's figure, reported at Q{q}", f"annual, Q{q}"
    if m.frequency.cadence is Cadence.MONTHLY:
        return f"the last month's figure at Q{q} (Aggregate Last)", f"Q{q}, last month"
    if m.profile.kind is ProfileKind.CUMULATIVE:
        return f"Q{q} figure, cumulative to date for the year", f"Q{q} to date"
    if m.profile.kind is ProfileKind.QUARTERLY:
        return f"Q{q} figure, against the Q{q} target of its profile", f"Q{q} figure"
    six = " (the second half-year's report)" if m.frequency.cadence is Cadence.SIX_MONTHLY else ""
    if m.unit in (Unit.PERCENT, Unit.RATIO):
        return f"Q{q} figure: the level at the year end{six}", f"Q{q} level"
    return f"Q{q} figure: the year to date at the year end{six}", f"Q{q} figure"


def _gap(quarters: dict[int, QuarterFigure], gaps: list[int]) -> str:
    """`Q3 not collected`, `Q4: Report later` for the quarters without a figure."""
    parts = [f"Q{q} {NOT_COLLECTED}" if not quarters[q].collected else f"Q{q}: {quarters[q].text}" for q in gaps]
    return "no outturn: " + ", ".join(parts)


def outturn_status(m: Measure, outturn: Outturn, rule: Rule, assessed: Status | None) -> Assessment:
    """The outturn's status against the year's target, under `rule` (the judged quarter's)."""
    if outturn.figure is None:
        return Assessment(Status.REPORT_LATER, "no data", outturn.missing)
    if (m.frequency.cadence is Cadence.MONTHLY and m.quarter_rule is Aggregate.SUM
            and m.profile.kind is ProfileKind.LEVEL and rule.target is not None
            and rule.polarity is not Polarity.MONITOR):
        return Assessment(Status.CONTEXTUAL, "no target",
                          "the Level target is for each quarter, not the year's total")
    return measure_status(Value(outturn.figure), rule, assessed=assessed)


ARROWS = {"up": "↑", "down": "↓", "same": "→"}


def trend_text(m: Measure, figure: Figure | None, previous: Figure | None, previous_year: str) -> tuple[
        Trend | None, str]:
    """(trend, words) of the outturn against last year's: `↑ Improving on 2022/23 (74%)`; the arrow
    is the way the figure moved, the word whether that is better (by polarity)."""
    if figure is None or previous is None:
        return None, f"no {previous_year} outturn to compare" if figure is not None else ""
    c = figure.share if isinstance(figure, Ratio) else float(figure)
    p = previous.share if isinstance(previous, Ratio) else float(previous)
    t = trend(figure, previous, m.polarity)
    same = abs(c - p) <= 1e-3 * max(abs(p), 1e-9)
    arrow = ARROWS["same" if same else "up" if c > p else "down"]
    if t is None:     # a Monitor measure: the way it moved, no better or worse
        word = "No change" if same else "Up" if c > p else "Down"
    else:
        word = t.value
    return t, f"{arrow} {word} on {previous_year} ({format_value(previous, m.unit)})"
