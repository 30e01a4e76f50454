"""The Budget sheet of a return template: a service's activity budget, for spend to date and
forecast outturn (a contract between templates, which write it, and collect, which reads it).

One row per budget line of the service (plan/budget.py), keyed by its Line: the line, its type,
FTE, expenditure, income, net budget and the budget profiled to the quarter's end, locked and
covered by the row digest of the identity sheet; beside them the yellow Spend to date, Forecast
outturn and Comments cells. Under the lines a Total row (its Line cell blank, so collect skips it)
sums them with formulas. A template for a service with no budget lines, or from a plan without a
Budget sheet, has no such sheet.
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


def headers() -> list[str]:
    return list(HEADERS)


def hashed_columns() -> list[str]:
    """The columns a Budget row's digest covers: all but the inputs."""
    return list(LOCKED)
