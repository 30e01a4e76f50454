"""The status engine: period targets, RAG statuses, trends and action statuses. Pure functions.

A measure's status for a period comes from a `Rule` (target for the period, tolerance, polarity,
unit) and the figure reported:

- Green: meets or beats the target (a target met exactly is Green);
- Amber: misses by no more than the tolerance (default 10% of the target; a measure may set its
  own, relative `10%` or absolute `5 points`);
- Red: misses by more;
- Report later: no figure yet (with or without a target);
- Contextual: a figure but no target to judge it by, or a `Monitor` measure.

Where a measure has no target the manager's own assessment (Green/Amber/Red) is its status,
marked `assessed` rather than `computed`. Directional targets (Increase/Reduce/Maintain) are
judged against the previous year's outturn. The Rule is stored with every status so that a past
quarter is never re-coloured when the plan changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import Enum

from xlplan.periods import Period
from xlplan.values import (Figure, Missing, Ratio, Target, TargetKind, Unit, Value, ValueProblem,
        clean_text, format_value, parse_target)


class Polarity(str, Enum):
    HIGHER = "Higher"
    LOWER = "Lower"
    MONITOR = "Monitor"

    @classmethod
    def parse(cls, text: object) -> "Polarity":
        key = clean_text(text or "").lower()
        words = {"higher": cls.HIGHER, "high": cls.HIGHER, "up": cls.HIGHER, "higher is better": cls.HIGHER,
                 "lower": cls.LOWER, "low": cls.LOWER, "down": cls.LOWER, "lower is better": cls.LOWER,
                 "monitor": cls.MONITOR, "monitoring": cls.MONITOR, "contextual": cls.MONITOR}
        try:
            return words[key]
        except KeyError:
            raise ValueError(f"'{text}' is not a polarity; expected Higher, Lower or Monitor") from None


class Status(str, Enum):
    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"
    REPORT_LATER = "Report later"
    CONTEXTUAL = "Contextual"
    NOT_DUE = "Not due"          # a measure not reported this quarter (annual, six-monthly): never counted

    @classmethod
    def parse_assessment(cls, text: object) -> "Status | None":
        """A manager's own status word (Green/Amber/Red/Report later), blank → None; else ValueError."""
        key = clean_text(text or "").lower()
        if not key:
            return None
        words = {"green": cls.GREEN, "g": cls.GREEN, "amber": cls.AMBER, "a": cls.AMBER,
                 "red": cls.RED, "r": cls.RED, "report later": cls.REPORT_LATER}
        try:
            return words[key]
        except KeyError:
            raise ValueError(f"'{text}' is not a status; expected Green, Amber, Red or Report later") from None


MEASURE_STATUS_ORDER = [Status.GREEN, Status.AMBER, Status.RED, Status.REPORT_LATER, Status.CONTEXTUAL]
# Status.NOT_DUE is left out on purpose: a measure not due this quarter is counted on its own line.


class ActionStatus(str, Enum):
    COMPLETE = "Complete"
    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"
    REPORT_LATER = "Report later"

    @classmethod
    def parse(cls, text: object) -> "ActionStatus | None":
        """Complete/Completed/Green/Amber/Red/Report later (any case); blank → None; else ValueError."""
        key = clean_text(text or "").lower()
        if not key:
            return None
        words = {"complete": cls.COMPLETE, "completed": cls.COMPLETE, "green": cls.GREEN,
                 "amber": cls.AMBER, "red": cls.RED, "report later": cls.REPORT_LATER}
        try:
            return words[key]
        except KeyError:
            raise ValueError(f"'{text}' is not an action status; expected Complete, Green, Amber, Red "
                             "or Report later") from None


ACTION_STATUS_ORDER = list(ActionStatus)


class Trend(str, Enum):
    IMPROVING = "Improving"
    NO_CHANGE = "No change"
    WORSENING = "Worsening"


# --- tolerance and profile ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """How far a figure may miss its target and still be Amber: relative (0.10 = 10% of target)
    or absolute, in the measure's unit (percentage points as a fraction: 5 points = 0.05)."""

    amount: float
    absolute: bool = False

    @classmethod
    def parse(cls, raw: object, unit: Unit = Unit.NUMBER) -> "Tolerance":
        """`10%` → 10% of the target; `5 points`/`5pp`/`5` → absolute in the measure's unit."""
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if not 0 <= raw < float("inf"):
                raise ValueError(f"'{raw}' is not a tolerance; it cannot be negative")
            return cls(_absolute_in(float(raw), unit), True)
        text = clean_text(raw if raw is not None else "").lower()
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%(?:\s*of(?:\s*the)?\s*target)?", text)
        if m:
            return cls(float(m.group(1)) / 100)
        m = re.fullmatch(r"£?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(points?|pts?|pp|percentage points?)?", text)
        if not m or ("£" in text and unit is not Unit.MONEY):
            raise ValueError(f"'{raw}' is not a tolerance; expected e.g. 10% (of the target) or 5 points")
        return cls(_absolute_in(float(m.group(1).replace(",", "") + (m.group(2) or "")), unit), True)

    def describe(self, unit: Unit) -> str:
        if not self.absolute:
            return f"{self.amount * 100:g}%"
        if unit is Unit.PERCENT:
            return f"{self.amount * 100:g} points"
        return format_value(self.amount, unit)


def _absolute_in(x: float, unit: Unit) -> float:
    return x / 100 if unit is Unit.PERCENT else x


DEFAULT_TOLERANCE = Tolerance(0.10)


class ProfileKind(str, Enum):
    LEVEL = "Level"
    CUMULATIVE = "Cumulative"
    QUARTERLY = "Quarterly"


@dataclass(frozen=True)
class Profile:
    """How the annual target applies to a quarter: Level (same every quarter), Cumulative (accrues
    evenly: a quarter of the annual target per quarter) or four explicit quarterly targets."""

    kind: ProfileKind = ProfileKind.LEVEL
    quarters: tuple[Target, ...] = ()

    @classmethod
    def parse(cls, raw: object, unit: Unit) -> "Profile":
        text = clean_text(str(raw or "").replace("\n", ";"))  # one quarter per line (Alt+Enter) is fine
        key = text.lower()
        if key in ("", "level", "flat", "annual", "constant"):
            return cls(ProfileKind.LEVEL)
        if key in ("cumulative", "cumulative (even)", "accruing", "pro rata", "pro-rata"):
            return cls(ProfileKind.CUMULATIVE)
        separator = r"[;|]" if re.search(r"[;|]", text) else r",\s+"  # "20%, 40%" but not "1,000"
        parts = [p.strip() for p in re.split(separator, text) if p.strip()]
        parts = [re.sub(r"^q[1-4]\s*[:=]?\s*", "", p, flags=re.I) for p in parts]
        if len(parts) != 4 or not all(parts):
            raise ValueError(f"'{raw}' is not a profile; expected Level, Cumulative or four quarterly "
                             "targets separated by ; (e.g. 25%; 50%; 75%; 100%)")
        try:
            quarters = tuple(parse_target(p, unit) for p in parts)
        except ValueProblem as e:
            raise ValueError(f"quarterly target {e}") from None
        return cls(ProfileKind.QUARTERLY, quarters)

    def describe(self, unit: Unit) -> str:
        if self.kind is ProfileKind.QUARTERLY:
            return "; ".join(t.describe(unit) for t in self.quarters)
        return self.kind.value


# --- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Everything a status was computed from, stored beside it so history is never re-coloured."""

    unit: Unit
    polarity: Polarity
    target: Figure | None          # the period's target after profiling; None → no target
    target_kind: TargetKind
    tolerance: Tolerance
    basis: str = ""                # e.g. "2/4 of annual target £200,000" or "Reduce on 2022/23 outturn 75"
    target_column: str = "Target"  # the plan column the target came from: Target, or e.g. Target 2024/25

    def describe(self) -> str:
        if self.polarity is Polarity.MONITOR:
            shown = f"; target {format_value(self.target, self.unit)} shown for information" \
                if self.target is not None else ""
            return f"monitoring measure: no RAG{shown}"
        if self.target is None:
            return self.basis or "no target"
        tgt = format_value(self.target, self.unit)
        return f"{self.polarity.value} is better; target {tgt}; amber within {self.tolerance.describe(self.unit)}" \
            + (f"; {self.basis}" if self.basis else "") \
            + (f"; from {self.target_column}" if self.target_column != "Target" else "")


def target_text(rule: Rule, unit: Unit) -> str:
    """A rule's period target as shown: 75%, £100,000, Reduce (on 75), TBC, or '' for none."""
    if rule.target_kind is TargetKind.FIGURE and rule.target is not None:
        return format_value(rule.target, unit)
    if rule.target_kind in (TargetKind.INCREASE, TargetKind.REDUCE, TargetKind.MAINTAIN):
        return rule.target_kind.value + (f" (on {format_value(rule.target, unit)})" if rule.target is not None else "")
    return "TBC" if rule.target_kind is TargetKind.TBC else ""


def period_target(target: Target, profile: Profile, period: Period, unit: Unit,
                  previous_outturn: Figure | None = None) -> tuple[Figure | None, TargetKind, str]:
    """The target for `period` after profiling: (figure or None, kind, how it was derived).

    Level: the annual figure. Cumulative: annual × quarters elapsed / 4 (a £200,000 annual target
    is £100,000 at Q2). Quarterly: the quarter's own target. Directional targets use the previous
    year's outturn (pro-rated for cumulative measures); with no outturn there is no target yet.
    """
    kind = target.kind
    if profile.kind is ProfileKind.QUARTERLY:
        target = profile.quarters[period.quarter - 1]
        kind = target.kind
        if kind is TargetKind.FIGURE:
            return target.figure, kind, f"Q{period.quarter} target"
    if kind is TargetKind.FIGURE:
        if profile.kind is ProfileKind.CUMULATIVE and not isinstance(target.figure, Ratio):
            share = float(target.figure) * period.fraction
            return share, kind, f"{period.quarter}/4 of annual target {format_value(target.figure, unit)}"
        return target.figure, kind, ""
    if target.is_directional:
        if previous_outturn is None:
            return None, kind, f"{kind.value} on last year's outturn, which is not recorded"
        base = previous_outturn
        if profile.kind is ProfileKind.CUMULATIVE and not isinstance(base, Ratio):
            base = float(base) * period.fraction
        return base, kind, f"{kind.value} on {period.year.previous().slash} outturn " \
                           f"{format_value(previous_outturn, unit)}"
    return None, kind, "target TBC" if kind is TargetKind.TBC else "no target"


def uses_outturn(target: Target, profile: Profile, period: Period) -> bool:
    """Whether `period_target` (so the Rule) for `period` depends on last year's outturn: only a
    directional target (Increase/Reduce/Maintain) does, the quarter's own one under a Quarterly
    profile."""
    if profile.kind is ProfileKind.QUARTERLY:
        target = profile.quarters[period.quarter - 1]
    return target.is_directional


def make_rule(unit: Unit, polarity: Polarity, target: Target, profile: Profile, period: Period,
              tolerance: Tolerance | None = None, default_tolerance: Tolerance = DEFAULT_TOLERANCE,
              previous_outturn: Figure | None = None, target_column: str = "Target") -> Rule:
    """Build the Rule for one measure and period (see `period_target`); `target_column` names the
    plan column `target` came from (Target, or a year's column such as Target 2024/25)."""
    figure, kind, basis = period_target(target, profile, period, unit, previous_outturn)
    if kind is TargetKind.INCREASE:
        polarity = Polarity.HIGHER if polarity is not Polarity.MONITOR else polarity
    elif kind is TargetKind.REDUCE:
        polarity = Polarity.LOWER if polarity is not Polarity.MONITOR else polarity
    return Rule(unit, polarity, figure, kind, tolerance or default_tolerance, basis, target_column)


@dataclass(frozen=True)
class Assessment:
    """A measure's status and how it was reached."""

    status: Status
    basis: str      # "computed" | "assessed" | "no data" | "no target"
    reason: str = ""


def measure_status(value: Value | None, rule: Rule, assessed: Status | None = None, due: bool = True) -> Assessment:
    """Status of a reported `value` under `rule`; `assessed` is the manager's own RAG word. A measure
    not `due` this quarter (its Frequency) is Not due, whatever was returned."""
    if not due:
        return _NOT_DUE
    if value is None or value.figure is None:
        if value is None or value.missing in (None, Missing.BLANK):
            return _NO_FIGURE
        return Assessment(Status.REPORT_LATER, "no data", value.missing.value)
    if rule.polarity is Polarity.MONITOR:
        return _MONITORING
    if rule.target is None:
        if assessed in (Status.GREEN, Status.AMBER, Status.RED):
            return _ASSESSED[assessed]
        return Assessment(Status.CONTEXTUAL, "no target", rule.basis or "no target")
    x = value.number
    t = rule.target.share if isinstance(rule.target, Ratio) else float(rule.target)
    shortfall = (t - x) if rule.polarity is Polarity.HIGHER else (x - t)
    tiny = _EPS * max(1.0, abs(t))
    if rule.target_kind in (TargetKind.INCREASE, TargetKind.REDUCE):
        if shortfall < -tiny:
            return _BETTER
        if shortfall <= tiny:
            return _NO_CHANGE
    elif shortfall <= tiny:
        return _MEETS
    allowed = rule.tolerance.amount if rule.tolerance.absolute else rule.tolerance.amount * abs(t)
    if shortfall <= allowed + tiny:
        return _WITHIN
    return _MISSES


# the assessments that do not depend on the rule's text (frozen: made once, shared)
_NO_FIGURE = Assessment(Status.REPORT_LATER, "no data", "no figure")
_NOT_DUE = Assessment(Status.NOT_DUE, "not due", "not due this quarter")
_MONITORING = Assessment(Status.CONTEXTUAL, "no target", "monitoring measure")
_ASSESSED = {s: Assessment(s, "assessed", "manager's assessment (no target)")
             for s in (Status.GREEN, Status.AMBER, Status.RED)}
_BETTER = Assessment(Status.GREEN, "computed", "better than last year")
_NO_CHANGE = Assessment(Status.AMBER, "computed", "no change on last year")
_MEETS = Assessment(Status.GREEN, "computed", "meets target")
_WITHIN = Assessment(Status.AMBER, "computed", "within tolerance of target")
_MISSES = Assessment(Status.RED, "computed", "misses target by more than the tolerance")

_EPS = 1e-9


def trend(current: Figure | None, previous: Figure | None, polarity: Polarity,
          current_quarters: int = 1, previous_quarters: int = 1) -> Trend | None:
    """Improving / No change / Worsening of `current` against `previous`, polarity-aware.

    For cumulative measures pass the quarters elapsed in each so that figures are compared per
    quarter (Q2's half-year total against Q1's quarter). None when either figure is unknown or the
    measure is Monitor.
    """
    if current is None or previous is None or polarity is Polarity.MONITOR:
        return None
    c = current.share if isinstance(current, Ratio) else float(current) / current_quarters
    p = previous.share if isinstance(previous, Ratio) else float(previous) / previous_quarters
    if abs(c - p) <= 1e-3 * max(abs(p), 1e-9):
        return Trend.NO_CHANGE
    better = c > p if polarity is Polarity.HIGHER else c < p
    return Trend.IMPROVING if better else Trend.WORSENING


def action_overdue(status: ActionStatus | None, due: date | None, period: Period) -> bool:
    """An action due on or before the period end and not Complete is flagged (returns are written
    after the quarter closes, so an action due on the last day and not done is late). An action with
    no status reported yet counts as not Complete."""
    return due is not None and due <= period.end and status is not ActionStatus.COMPLETE
