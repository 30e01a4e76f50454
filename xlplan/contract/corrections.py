"""The Corrections sheet of a return template: last quarter's figures as reported, for correction
(a contract between templates, which write it, and collect, which reads it).

A return for a quarter offers the figures stored for the quarter before it: one row per measure
with its Code, Measure, Unit and the figure as reported (locked, covered by the row digest of the
identity sheet), beside two yellow cells: the corrected figure and the reason for the correction.
A template made without a store, or with nothing stored for the quarter before, has no such sheet.
"""

from __future__ import annotations

from xlplan.periods import Period

CORRECTIONS_SHEET = "Corrections"
REASON = "Reason for correction"
LOCKED = ["Code", "Measure", "Unit"]


def earlier(period: Period) -> Period:
    """The quarter whose figures a return for `period` may correct: the one before it."""
    return period.previous()


def quarter_name(period: Period) -> str:
    """How the return names the quarter it may correct: `Q1`, or `Q4 2022/23` across a year end."""
    before = earlier(period)
    return f"Q{before.quarter}" if before.year == period.year else f"Q{before.quarter} {before.year.slash}"


def reported_header(period: Period) -> str:
    return f"{quarter_name(period)} as reported"


def corrected_header(period: Period) -> str:
    return f"{quarter_name(period)} corrected"


def headers(period: Period) -> list[str]:
    """The Corrections sheet's header row for a return for `period`."""
    return [*LOCKED, reported_header(period), corrected_header(period), REASON]


def hashed_columns(period: Period) -> list[str]:
    """The columns a Corrections row's digest covers: all but the two input cells."""
    return [*LOCKED, reported_header(period)]


def inputs(period: Period) -> list[str]:
    return [corrected_header(period), REASON]
