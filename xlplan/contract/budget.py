"""The Budget sheet of a return template: a service's activity budget, for spend to date and
forecast outturn (a contract between templates, which write it, and collect, which reads it).

One row per budget line of the service (plan/budget.py), keyed by its Line: the line, its type,
FTE, expenditure, income, net budget and the budget profiled to the quarter's end, locked and
covered by the row digest of the identity sheet; beside them the yellow Spend to date, Forecast
outturn and Comments cells. Under the lines a Total row (its Line cell blank, so collect skips it)
sums them with formulas. A template for a service with no budget lines, or from a plan without a
Budget sheet, has no such sheet.

From Q2 on, a return whose store holds last quarter's spend has three more columns: `Q1 spend as
reported` (locked, covered by the row digest), `Q1 spend corrected` and `Reason for correction`
(yellow): a correction of last quarter's spend, stored as a restatement beside the figure reported.
"""

from __future__ import annotations

BUDGET_SHEET = "Budget"
KEY = "Line"
PROFILED = "Profiled to date"
SPEND = "Spend to date"
FORECAST = "Forecast outturn"
COMMENTS = "Comments"
LOCKED = [KEY, "Type", "FTE", "Expenditure", "Income", "Net budget", PROFILED]
INPUTS = [SPEND, FORECAST, COMMENTS]
HEADERS = [*LOCKED, *INPUTS]
TOTAL = "Total"                    # in the Type cell of the total row


REASON = "Reason for correction"


def quarter_name(period) -> str | None:
    """`Q1` for a return for Q2: the quarter of the same year whose spend it may correct (None for Q1)."""
    return f"Q{period.quarter - 1}" if period.quarter > 1 else None


def reported_header(period) -> str:
    return f"{quarter_name(period)} spend as reported"


def corrected_header(period) -> str:
    return f"{quarter_name(period)} spend corrected"


def headers(period=None, restating: bool = False) -> list[str]:
    """The header row; with `restating`, the three columns correcting last quarter's spend."""
    return [*HEADERS, *([reported_header(period), corrected_header(period), REASON] if restating else [])]


def headers_like(period, found: list[str]) -> list[str]:
    """The headers of the variant whose restating columns are among `found` (a return's header row)."""
    return headers(period, period.quarter > 1 and reported_header(period) in found)


def hashed_columns(period=None, restating: bool = False) -> list[str]:
    """The columns a Budget row's digest covers: all but the inputs."""
    return [*LOCKED, *([reported_header(period)] if restating else [])]


def inputs(period=None, restating: bool = False) -> list[str]:
    return [*INPUTS, *([corrected_header(period), REASON] if restating else [])]
