"""Collected results for one period: what reports render (a contract between store and reports).

`store.load_results(db, plan, period)` builds a PeriodResults from the store; reports never read
workbooks or the store directly. Figures are held as in xlplan.values (percent as a fraction,
ratios as Ratio); `display` strings are already formatted per unit for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from xlplan.errors import Issue
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.status import ActionStatus, Status, Trend
from xlplan.values import Figure, Missing, Unit, format_value


@dataclass(frozen=True)
class Source:
    """Where a figure came from: the returned file, its sha256, sheet and cell."""

    file: str
    sha256: str
    sheet: str
    cell: str

    def __str__(self) -> str:
        return f"{self.file} › {self.sheet}!{self.cell}"


@dataclass(frozen=True)
class MeasureResult:
    code: str
    name: str
    theme: str
    outcome: str
    service: str
    unit: Unit
    polarity: str
    target: Figure | None            # the period's target after profiling
    target_text: str                 # as shown: "75%", "£100,000", "Reduce", "TBC", ""
    annual_target_text: str
    figure: Figure | None            # the reported figure, None when missing or in error
    missing: Missing | None
    status: Status
    basis: str                       # computed | assessed | no data | no target
    rule: str                        # Rule.describe(): what the status was computed from
    comment: str = ""
    history: dict[str, Figure | None] = field(default_factory=dict)  # "2020/21" → outturn
    previous_quarter: Figure | None = None
    same_quarter_last_year: Figure | None = None
    trend_quarter: Trend | None = None
    trend_year: Trend | None = None
    previous_status: Status | None = None
    in_error: bool = False           # a value was returned but failed validation
    source: Source | None = None
    # This year's figures so far by quarter ("Q1" → figure) for trend charts; optional: reports
    # fall back to previous_quarter and figure when it is empty.
    quarters: dict[str, Figure | None] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The To Date figure as a report shows it (or the no-data wording)."""
        if self.figure is None:
            return "Report later" if self.missing in (None, Missing.BLANK) else self.missing.value
        return format_value(self.figure, self.unit)

    def history_display(self, year: str) -> str:
        return format_value(self.history.get(year), self.unit)


@dataclass(frozen=True)
class ActionResult:
    ref: str
    name: str
    measures: str
    theme: str
    outcome: str
    service: str
    status: ActionStatus             # Report later when nothing valid was returned
    comment: str = ""
    due: date | None = None
    overdue: bool = False
    source: Source | None = None


@dataclass(frozen=True)
class ReturnRecord:
    service: str | None              # None when the file could not be identified
    file: str
    sha256: str
    received: datetime
    outcome: str                     # accepted | rejected | superseded
    reasons: list[str] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    superseded_by: str | None = None  # sha256 of the return that replaced it


@dataclass
class PeriodResults:
    plan: Plan
    period: Period
    measures: list[MeasureResult]
    actions: list[ActionResult]
    returns: list[ReturnRecord]
    issues: list[Issue]
    expected_services: list[str]
    generated_at: datetime

    @property
    def missing_services(self) -> list[str]:
        """Expected services with no accepted return."""
        got = {r.service for r in self.returns if r.outcome == "accepted" and r.service}
        return [s for s in self.expected_services if s not in got]

    def measure_counts(self, theme: str | None = None) -> dict[Status, int]:
        counts = {s: 0 for s in Status}
        for m in self.measures:
            if theme is None or m.theme == theme:
                counts[m.status] += 1
        return counts

    def action_counts(self, theme: str | None = None) -> dict[ActionStatus, int]:
        counts = {s: 0 for s in ActionStatus}
        for a in self.actions:
            if theme is None or a.theme == theme:
                counts[a.status] += 1
        return counts
