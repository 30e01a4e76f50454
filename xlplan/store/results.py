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
    """Where a figure came from: the returned file, its sha256, sheet and cell; for a figure
    imported from a system extract (`xlplan import`), also the system and the extract's row."""

    file: str
    sha256: str
    sheet: str
    cell: str
    system: str = ""
    row: int | None = None

    def __str__(self) -> str:
        if self.system:
            return f"{self.system} extract {self.file}, row {self.row}"
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
    # Earlier quarters whose figure above (previous_quarter, same_quarter_last_year) is a restated
    # version: period id → the Restatement (store/restated.py); empty when shown as reported.
    restated: dict[str, "Restatement"] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The To Date figure as a report shows it (or the no-data wording)."""
        if self.figure is None:
            return "Report later" if self.missing in (None, Missing.BLANK) else self.missing.value
        return format_value(self.figure, self.unit)

    def history_display(self, year: str) -> str:
        return format_value(self.history.get(year), self.unit)


@dataclass(frozen=True)
class Restatement:
    """A figure for an earlier quarter changed after it was reported, carried by a later return: a
    new version beside the reported one, which is kept as it was stored."""

    code: str
    name: str
    service: str
    manager: str                     # the service's manager, as the plan names them
    unit: Unit
    period: str                      # the quarter restated, e.g. 2023-24-Q1
    quarter: str                     # how reports name it beside the carrying quarter: Q1 (Q4 2022/23)
    reported: Figure | None          # the version it replaces (None: there was no figure)
    reported_text: str               # as shown: 82%, Not yet available
    reported_status: Status | None
    figure: Figure
    status: Status                   # under the restated quarter's stored rule
    reason: str
    carried_in: str                  # the quarter whose return carried the correction
    collected: datetime
    source: Source

    @property
    def display(self) -> str:
        return format_value(self.figure, self.unit)

    def line(self) -> str:
        """`Q1 restated: 82% → 85%, reason: …`"""
        return f"{self.quarter} restated: {self.reported_text} → {self.display}, reason: {self.reason}"


@dataclass(frozen=True)
class BudgetResult:
    """One budget line of the quarter as reports show it: the plan's budget, the spend returned and
    the status stored with the rule it was judged by (store/resources.py)."""

    service: str
    line: str
    kind: str                        # Service | Income
    fte: float | None
    expenditure: float
    income: float
    net: float
    budget: float                    # what spend is judged against: net, or the income to recover
    profile: str
    profiled: float                  # the budget profiled to the quarter's end
    spend: float | None              # spend (an Income line: income received) to date
    forecast: float | None
    variance: float | None           # spend − profiled
    forecast_variance: float | None  # forecast − budget
    status: Status
    reason: str
    comment: str = ""
    in_error: bool = False
    source: Source | None = None

    @property
    def income_line(self) -> bool:
        return self.kind == "Income"

    def signed(self, amount: float | None) -> float | None:
        """`amount` as it counts towards the service's net total (income lines below zero)."""
        return None if amount is None else (-amount if self.income_line else amount)


@dataclass(frozen=True)
class BudgetRestatement:
    """Last quarter's spend on a budget line corrected in this quarter's return: a new version beside
    the spend reported, which is kept as it was stored."""

    service: str
    line: str
    manager: str
    period: str                      # the quarter restated, e.g. 2023-24-Q1
    quarter: str                     # Q1
    reported: float | None           # the spend it replaces
    spend: float
    status: Status                   # under the restated quarter's stored rule
    reason: str
    collected: datetime
    source: Source

    def line_text(self) -> str:
        """`Q1 spend restated: £1,850,000 → £1,842,500, reason: …`"""
        was = format_value(self.reported, Unit.MONEY) if self.reported is not None else "none reported"
        return f"{self.quarter} spend restated: {was} → {format_value(self.spend, Unit.MONEY)}, reason: {self.reason}"


@dataclass(frozen=True)
class Benchmark:
    """Comparator figures for a measure in one year, as imported from the LGBF (or similar) download."""

    code: str
    year: str                        # "2022/23"
    unit: Unit
    council: Figure | None           # the council's own figure in the file (None: not given)
    scotland: Figure | None          # Scottish average
    family: Figure | None            # family-group average
    best: Figure | None              # best in class
    rank: int | None
    rank_of: int | None
    file: str
    row: int

    def shown(self, figure: Figure | None) -> str:
        return format_value(figure, self.unit) if figure is not None else "–"


@dataclass(frozen=True)
class RiskResult:
    """One risk of the register in a quarter: the owner's assessment as stored (None where it was
    not assessed), and the previous one it moved from (the latest stored before the quarter, else
    the plan's own)."""

    code: str
    name: str
    service: str
    description: str = ""
    owner: str = ""
    controls: str = ""
    likelihood: int | None = None
    impact: int | None = None
    score: int | None = None
    band: str | None = None          # Green | Amber | Red, under the rule stored with it
    target_score: int | None = None
    commentary: str = ""
    status: str = "not assessed"     # assessed | not assessed | in error
    previous_score: int | None = None
    previous_when: str = ""          # "Q1", "Q4 2022/23", or "the plan"
    rule: str = ""
    source: Source | None = None

    @property
    def assessed(self) -> bool:
        return self.score is not None

    @property
    def movement(self) -> str | None:
        """up | down | same, against the previous score; None when either is missing."""
        if self.score is None or self.previous_score is None:
            return None
        return "up" if self.score > self.previous_score else "down" if self.score < self.previous_score else "same"

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "same": "→"}.get(self.movement, "")

    def movement_text(self) -> str:
        """`↑ up from 6`, `↓ down from 9`, `→ unchanged at 6`; `not assessed`; `new` with nothing before."""
        if self.score is None:
            last = f" (last {self.previous_score}, {self.previous_when})" if self.previous_score is not None else ""
            return ("not assessed" if self.status != "in error" else "not assessed: error in the return") + last
        if self.previous_score is None:
            return "new"
        since = f" ({self.previous_when})" if self.previous_when else ""
        if self.movement == "same":
            return f"→ unchanged at {self.score}{since}"
        return f"{self.arrow} {self.movement} from {self.previous_score}{since}"


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


@dataclass(frozen=True)
class SignOffEvent:
    """One entry of a quarter's sign-off record: signed off, or reopened (with why)."""

    event: str                       # "signed off" | "reopened"
    by: str
    at: datetime
    fingerprint: str                 # sha256 of the quarter's stored figures at that moment
    reason: str = ""

    def line(self) -> str:
        """`Signed off by A. Officer on 14/07/2023 10:02` or `Reopened by … : reason`."""
        said = f"{self.event.capitalize()} by {self.by} on {self.at:%d/%m/%Y %H:%M}"
        return f"{said}: {self.reason}" if self.reason else said


@dataclass(frozen=True)
class SignOff:
    """A quarter whose figures were approved and are locked: the sign-off in force, and whether
    the store still holds exactly what was approved."""

    period: str
    by: str
    at: datetime
    fingerprint: str
    plan_fingerprint: str            # the plan the quarter was collected with
    matches: bool                    # the stored figures still give `fingerprint`
    history: tuple[SignOffEvent, ...] = ()   # every sign-off and reopening of the quarter, oldest first
    late: tuple[str, ...] = ()       # files that arrived after sign-off (not used)

    def line(self) -> str:
        return f"Signed off by {self.by} on {self.at:%d/%m/%Y %H:%M} (fingerprint {self.fingerprint[:12]})"


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
    restatements: list[Restatement] = field(default_factory=list)   # carried by this quarter's returns
    budget: list[BudgetResult] = field(default_factory=list)        # the activity budget (plan order)
    benchmarks: dict[str, Benchmark] = field(default_factory=dict)  # code → latest comparators
    budget_restatements: list[BudgetRestatement] = field(default_factory=list)   # last quarter's spend corrected
    risks: list[RiskResult] = field(default_factory=list)    # the risk register, highest score first; [] if none
    signoff: SignOff | None = None   # set when the quarter is signed off (generated_at is then its time)

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
