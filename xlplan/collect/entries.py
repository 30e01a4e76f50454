"""What a return says for each measure, action, last quarter's correction, budget line and risk, once
checked: the
entries an `Examined` keeps (made in examine's workers, read in collect's own process), and the
checks across quarters made on them when statuses are worked out (assess.py, restated.py).

Apart from validate.py and corrections.py, which make the entries from a return's cells, so that
collect's own process can read what its workers examined without loading the return reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlplan.errors import COMMENT_MISSING_FOR_RED, COMMENT_UNCHANGED, STATUS_DIFFERS, Issue, issue
from xlplan.plan import Measure
from xlplan.status import ActionStatus, Status
from xlplan.values import Ratio, Value, clean_text, format_value


@dataclass
class MeasureEntry:
    """What one return says for one measure, after checking."""

    code: str
    value: Value | None              # None when the figure is in error
    assessed: Status | None          # the manager's own Status word
    comment: str
    sheet: str
    cell: str | None                 # the To date cell, e.g. M7 (None when the column is missing)
    row: int
    status_cell: str | None = None
    comment_cell: str | None = None
    in_error: bool = False
    issues: list[Issue] = field(default_factory=list)
    not_due: bool = False            # the measure is not due this quarter (its Frequency)
    system: bool = False             # its figures come from a system (the plan's Source): none here


@dataclass
class ActionEntry:
    ref: str
    status: ActionStatus | None
    comment: str
    sheet: str
    cell: str | None                 # the Status cell
    row: int
    comment_cell: str | None = None
    in_error: bool = False
    issues: list[Issue] = field(default_factory=list)


@dataclass
class CorrectionEntry:
    """A corrected figure for last quarter, with its reason and where it was typed."""

    code: str
    value: Value                 # the corrected figure (always a figure)
    reported: object             # the figure the return showed as reported (None: none, or not trusted)
    reason: str
    sheet: str
    cell: str                    # the corrected figure's cell
    reason_cell: str | None
    row: int


@dataclass
class BudgetEntry:
    """What one return says for one budget line, after checking."""

    line: str
    spend: float | None              # spend (an Income line: income received) to date; None: not known/in error
    forecast: float | None
    comment: str
    sheet: str
    spend_cell: str | None
    forecast_cell: str | None
    row: int
    in_error: bool = False
    issues: list[Issue] = field(default_factory=list)
    correction: "SpendCorrection | None" = None      # last quarter's spend corrected (Q2 on)


@dataclass
class SpendCorrection:
    """Last quarter's spend on a line, corrected in this return, with its reason and where."""

    spend: float
    reported: float | None           # as the return showed it reported (None: none, or not trusted)
    reason: str
    cell: str
    reason_cell: str | None


@dataclass
class RiskEntry:
    """What one return says for one risk, after checking."""

    code: str
    likelihood: int | None           # None: not assessed (blank) or in error
    impact: int | None
    commentary: str
    sheet: str
    cell: str | None                 # the Likelihood cell
    commentary_cell: str | None
    row: int
    in_error: bool = False


def check_comment(key: str, status: Status | ActionStatus, comment: str, previous_comment: str | None,
                  file: str, sheet: str, cell: str | None, row: int | None = None) -> list[Issue]:
    """Red or Amber needs a comment; a comment copied from last quarter is flagged."""
    found = []
    if not comment and status in _NEEDS_COMMENT:
        found.append(issue(COMMENT_MISSING_FOR_RED, status=status.value, file=file, sheet=sheet, cell=cell,
                           row=row, key=key))
    if comment and previous_comment and _same_text(comment, previous_comment):
        found.append(issue(COMMENT_UNCHANGED, file=file, sheet=sheet, cell=cell, row=row, key=key))
    return found


_NEEDS_COMMENT = frozenset((Status.RED, Status.AMBER, ActionStatus.RED, ActionStatus.AMBER))


def check_assessment(m: Measure, entry: MeasureEntry, computed: Status, basis: str, target_text: str,
                     file: str) -> Issue | None:
    """The manager's Status word disagrees with the status computed from the figure."""
    said = entry.assessed
    if basis != "computed" or said is None or said is Status.REPORT_LATER or said is computed:
        return None
    return issue(STATUS_DIFFERS, file=file, sheet=entry.sheet, cell=entry.status_cell, row=entry.row, key=m.code, found=said.value,
                 figure=format_value(entry.value.figure, m.unit), target=target_text, computed=computed.value)


def _same_text(a: str, b: str) -> bool:
    return clean_text(a).casefold() == clean_text(b).casefold()


def same_figure(a, b) -> bool:
    """Whether two figures are the same (ratios part by part, numbers to a billionth)."""
    if isinstance(a, Ratio) or isinstance(b, Ratio):
        return isinstance(a, Ratio) and isinstance(b, Ratio) and same_figure(a.left, b.left) \
            and same_figure(a.right, b.right)
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
