"""The return template's layout: sheet names and column headers (a contract between templates,
collect and reports).

`xlplan templates` writes exactly these headers; `xlplan collect` finds the header row by looking
for `Code` (Measures) / `Ref` (Actions) in the first rows, maps columns by header text (never by
position) and treats a row with an empty Code/Ref as a group heading, not data.
"""

from __future__ import annotations

import functools

from xlplan.frequency import MONTH_HEADER, quarter_months
from xlplan.periods import Period

INSTRUCTIONS_SHEET = "Instructions"
MEASURES_SHEET = "Measures"
ACTIONS_SHEET = "Actions"
IDENTITY_SHEET = "xlplan"          # very hidden; see xlplan/contract/identity.py

# Measures sheet: locked columns, then the three prior years (headed e.g. "2020/21"), then inputs.
MEASURE_LOCKED = ["Code", "Measure", "Theme", "Outcome", "Unit", "Polarity", "Target", "Annual target"]
LAST_QUARTER = "Last quarter"
TO_DATE = "To date"
STATUS = "Status"
RAG = "RAG (calculated)"           # locked formula column: live RAG as the manager types
COMMENTS = "Comments/Progress"
DUE = "Due"                        # locked; only in a return with a measure that is not quarterly
NEXT_DUE = "next due"              # in the Due cell of a measure not due this quarter (its To date locked)
MEASURE_INPUTS = [TO_DATE, STATUS, COMMENTS]

ACTION_LOCKED = ["Ref", "Action", "Measures", "Theme", "Outcome", "Due"]
ACTION_INPUTS = [STATUS, COMMENTS]

MEASURE_STATUS_CHOICES = ["Green", "Amber", "Red", "Report later"]
ACTION_STATUS_CHOICES = ["Complete", "Green", "Amber", "Red", "Report later"]

COMMENT_MAX_CHARS = 4000
HEADER_SEARCH_ROWS = 30            # collect looks for the header row within this many rows


def measure_headers(period: Period, due: bool = False, months: bool = False) -> list[str]:
    """All Measures headers in order for `period` (prior years are headed by year, e.g. 2020/21).
    A return with a measure that is not quarterly has a `Due` column after Annual target; one with
    a monthly measure has the quarter's months (`Jul 2023`…) before To date, as input columns."""
    return list(_measure_headers(period, due, months))


def measure_headers_like(period: Period, found: list[str]) -> list[str]:
    """The Measures headers for `period` of the variant whose extra columns (Due, months) are among
    `found` (a return's header row): what the template was written with, if it is genuine."""
    return measure_headers(period, DUE in found, quarter_months(period)[0] in found)


def from_system(source: str) -> str:
    """The locked To date of a measure whose figures come from a system (the plan's Source column)."""
    return f"from {source}"


def not_due(due_text: object) -> bool:
    """Whether a row's Due cell says the measure is not due this quarter (its To date is locked)."""
    return isinstance(due_text, str) and NEXT_DUE in due_text


@functools.lru_cache(maxsize=64)
def _measure_headers(period: Period, due: bool = False, months: bool = False) -> tuple[str, ...]:
    years = [y.slash for y in period.prior_years(3)]
    return (*MEASURE_LOCKED, *([DUE] if due else []), *years, LAST_QUARTER,
            *(quarter_months(period) if months else []), TO_DATE, STATUS, RAG, COMMENTS)


def action_headers() -> list[str]:
    return [*ACTION_LOCKED, *ACTION_INPUTS]


def hashed_columns(headers: list[str]) -> list[str]:
    """The columns whose cells a row digest covers (identity.row_digest), in header order: every
    locked column except the RAG formula, i.e. all but the inputs (To date, Status,
    Comments/Progress, the months of a monthly measure) and RAG (calculated). Works for Measures and
    Actions headers alike. A row not due this quarter also covers its To date (see `not_due`)."""
    skip = {*MEASURE_INPUTS, *ACTION_INPUTS, RAG}
    return [h for h in headers if h not in skip and not MONTH_HEADER.fullmatch(h)]


def template_filename(period: Period, service: str) -> str:
    """`2023-24-Q2 Children and Justice return.xlsx`: readable by a manager and by the officer."""
    safe = "".join(ch if ch.isalnum() or ch in " -_&,()" else "-" for ch in service).strip()
    return f"{period.id} {safe} return.xlsx"
