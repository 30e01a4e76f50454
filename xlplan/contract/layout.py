"""The return template's layout: sheet names and column headers (a contract between templates,
collect and reports).

`xlplan templates` writes exactly these headers; `xlplan collect` finds the header row by looking
for `Code` (Measures) / `Ref` (Actions) in the first rows, maps columns by header text (never by
position) and treats a row with an empty Code/Ref as a group heading, not data.
"""

from __future__ import annotations

import functools

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
MEASURE_INPUTS = [TO_DATE, STATUS, COMMENTS]

ACTION_LOCKED = ["Ref", "Action", "Measures", "Theme", "Outcome", "Due"]
ACTION_INPUTS = [STATUS, COMMENTS]

MEASURE_STATUS_CHOICES = ["Green", "Amber", "Red", "Report later"]
ACTION_STATUS_CHOICES = ["Complete", "Green", "Amber", "Red", "Report later"]

COMMENT_MAX_CHARS = 4000
HEADER_SEARCH_ROWS = 30            # collect looks for the header row within this many rows


def measure_headers(period: Period) -> list[str]:
    """All Measures headers in order for `period` (prior years are headed by year, e.g. 2020/21)."""
    return list(_measure_headers(period))


@functools.lru_cache(maxsize=64)
def _measure_headers(period: Period) -> tuple[str, ...]:
    years = [y.slash for y in period.prior_years(3)]
    return (*MEASURE_LOCKED, *years, LAST_QUARTER, TO_DATE, STATUS, RAG, COMMENTS)


def action_headers() -> list[str]:
    return [*ACTION_LOCKED, *ACTION_INPUTS]


def hashed_columns(headers: list[str]) -> list[str]:
    """The columns whose cells a row digest covers (identity.row_digest), in header order: every
    locked column except the RAG formula, i.e. all but the inputs (To date, Status,
    Comments/Progress) and RAG (calculated). Works for Measures and Actions headers alike."""
    skip = {*MEASURE_INPUTS, *ACTION_INPUTS, RAG}
    return [h for h in headers if h not in skip]


def template_filename(period: Period, service: str) -> str:
    """`2023-24-Q2 Children and Justice return.xlsx`: readable by a manager and by the officer."""
    safe = "".join(ch if ch.isalnum() or ch in " -_&,()" else "-" for ch in service).strip()
    return f"{period.id} {safe} return.xlsx"
