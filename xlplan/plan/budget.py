"""The plan's optional Budget sheet: an activity budget per service, and how spend is judged.

Modelled on the activity budget tables of a council management plan ("Staff Resource (FTE) |
Revenue Expenditure Budget | Revenue Income Budget | Net Revenue Budget", with totals). One row
per budget line of a service:

- `Service` (on the Services sheet), `Line` (the activity; `Activity` or `Activity/Line` also read),
  unique within its service;
- `FTE` (optional), `Expenditure`, `Income` (optional; typed as the seeds do, `-46,000` and
  `(787,000)` are read as 46,000 and 787,000 of income), `Net` (optional; checked to equal
  Expenditure − Income, the cell named when it does not);
- `Profile` (optional): `Even` (blank) or four quarter shares or amounts, `20%; 25%; 25%; 30%` or
  `£0.5m; £0.6m; £0.6m; £0.7m` (each quarter's part, adding up to the year) or cumulative
  (`25%; 50%; 75%; 100%`);
- `Type` (optional): `Income` for a line whose budget is income to recover (its Net is the income),
  blank or `Service` otherwise.

Figures are read as people type them (xlplan/values.py: `£1.44 million`, `£165k`, `2,362,957`).
A plan without a Budget sheet has no budget (`Plan.budget` is None) and behaves as before.

The return asks each service for spend to date and forecast outturn per line (net of income; for
an Income line, income received to date and forecast). `judge` compares them with the profiled
budget to date and the annual budget: within budget is Green, over by no more than the tolerance
(Settings `Budget tolerance`, default the Amber tolerance) Amber, over by more Red; for an Income
line it is under-recovery that is worse.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from xlplan.status import Status, Tolerance
from xlplan.values import Unit, ValueProblem, clean_text, format_value, parse_value

BUDGET_SHEET = "Budget"
BUDGET_REQUIRED = ("Service", "Line", "Expenditure")
BUDGET_OPTIONAL = ("FTE", "Income", "Net", "Profile", "Type")
BUDGET_TOLERANCE = "Budget tolerance"         # the Settings row

# Headers people use for the columns (case-insensitive; a trailing year or (£) is ignored)
ALIASES = {
    "activity": "Line", "activity/line": "Line", "activity name": "Line", "activity name and description": "Line",
    "budget line": "Line", "staff resource (fte)": "FTE", "staff resource": "FTE", "fte": "FTE",
    "revenue expenditure budget": "Expenditure", "expenditure budget": "Expenditure",
    "revenue income budget": "Income", "income budget": "Income",
    "net revenue budget": "Net", "net budget": "Net", "net": "Net",
}
_DECORATION = re.compile(r"\s*(\(£\)|£|\d{4}\s*[-/]\s*\d{2,4})\s*$")

TYPE_WORDS = {"": False, "service": False, "expenditure": False, "spend": False, "income": True}
TYPE_ALLOWED = "Service (blank) or Income"
PROFILE_ALLOWED = "Even, or four quarter shares or amounts separated by ; (e.g. 20%; 25%; 25%; 30%)"


def header_key(text: str) -> str | None:
    """The canonical Budget column a header names (`Revenue Expenditure Budget 2020/21` → Expenditure)."""
    key = clean_text(text or "").casefold()
    for _ in range(2):
        if key in ALIASES:
            return ALIASES[key]
        key = _DECORATION.sub("", key).strip()
    canonical = {c.casefold(): c for c in (*BUDGET_REQUIRED, *BUDGET_OPTIONAL)}
    return canonical.get(key)


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One line of a service's activity budget, figures in pounds (income as a positive amount)."""

    service: str
    line: str
    fte: float | None
    expenditure: float
    income: float
    net: float
    profile: tuple[float, float, float, float] | None = None   # cumulative shares by quarter end; None: even
    income_line: bool = False
    row: int = 0

    @property
    def budget(self) -> float:
        """The annual figure spend is judged against: Net, or the income to recover for an Income line."""
        return self.income if self.income_line else self.net

    def share_to(self, quarter: int) -> float:
        """The share of the year's budget profiled to the end of `quarter` (1-4)."""
        return self.profile[quarter - 1] if self.profile is not None else quarter / 4

    def profiled(self, quarter: int) -> float:
        return round(self.budget * self.share_to(quarter), 2)

    def signed(self, amount: float | None) -> float | None:
        """`amount` as it counts towards a net total: an Income line's amounts are income (below zero)."""
        return None if amount is None else (-amount if self.income_line else amount)

    def profile_text(self) -> str:
        if self.profile is None:
            return "Even"
        return "; ".join(f"{s * 100:g}%" for s in self.profile)

    @property
    def kind(self) -> str:
        return "Income" if self.income_line else "Service"


@dataclass(frozen=True)
class Budget:
    """The plan's Budget sheet: its lines in plan order, and the tolerance spend is judged by."""

    lines: tuple[BudgetLine, ...]
    tolerance: Tolerance

    def for_service(self, service: str) -> list[BudgetLine]:
        """The service's lines in plan order (looked up by name: a national plan has thousands)."""
        return list(self._by_service.get(service.strip().casefold(), ()))

    def services(self) -> set[str]:
        return set(self._by_service)

    @cached_property
    def _by_service(self) -> dict[str, list[BudgetLine]]:
        found: dict[str, list[BudgetLine]] = {}
        for b in self.lines:
            found.setdefault(b.service.casefold(), []).append(b)
        return found

    def __getstate__(self) -> dict:
        return {"lines": self.lines, "tolerance": self.tolerance}     # not the lookup, rebuilt when used

    def canonical(self) -> dict:
        """The content the plan's fingerprint covers (rows left out)."""
        return {"tolerance": repr(self.tolerance),
                "lines": [[b.service, b.line, b.fte, b.expenditure, b.income, b.net,
                           list(b.profile) if b.profile else None, b.income_line] for b in self.lines]}

    def canonical_json(self) -> str:
        return json.dumps(self.canonical(), sort_keys=True)


# --- reading figures ---------------------------------------------------------------------------


def money(raw: object) -> float | None:
    """A budget figure as typed (`£1.44 million`, `£165k`, `2,362,957`, `(787,000)`), None when blank;
    ValueProblem for anything else (a no-data word is not a budget)."""
    if type(raw) is str:
        plain = _PLAIN_AMOUNT.fullmatch(raw)
        if plain:       # `2,362,957` or `(787,000)`: what parse_value reads it as, without its other checks
            x = float(plain.group(2).replace(",", ""))
            if math.isfinite(x):
                return -x if plain.group(1) else x
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    value = parse_value(raw, Unit.MONEY)
    if value.figure is None:
        raise ValueProblem(clean_text(raw), "an amount of money such as £165,000 or £1.44 million")
    return float(value.figure)


# digits, in threes between commas or not, with any decimals; in brackets for a negative amount
_PLAIN_AMOUNT = re.compile(r"(\()?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?(1)\))", re.ASCII)


def parse_profile(raw: object, annual: float) -> tuple[float, float, float, float] | None:
    """A Profile cell: None for Even (or blank), else the cumulative share of the year at each
    quarter end. Four parts: shares (`20%; 25%; 25%; 30%`) or amounts (`£500k; …`) per quarter
    adding up to the year, or cumulative ones ending at the year. ValueError saying why otherwise."""
    text = clean_text(raw if raw is not None else "")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise ValueError("a single figure is not a profile")
    if text.casefold() in ("", "even", "level", "evenly", "flat", "straight line"):
        return None
    parts = [p.strip() for p in re.split(r"[;|\n]", text) if p.strip()]
    if len(parts) != 4:
        raise ValueError(f"it has {len(parts)} part{'s' if len(parts) != 1 else ''}, not one per quarter")
    percent = all(p.endswith("%") for p in parts)
    if percent:     # shares of the year: the same for any budget, so each distinct profile is read once
        return _percent_profile(tuple(parts))
    return _profile(parts, annual, percent)


@lru_cache(maxsize=4096)
def _percent_profile(parts: tuple[str, ...]) -> tuple[float, float, float, float] | None:
    return _profile(parts, 0.0, True)      # (a ValueError is not remembered: raised again each time)


def _profile(parts, annual: float, percent: bool) -> tuple[float, float, float, float] | None:
    """`parse_profile` of four parts, all percentages (`percent`; then `annual` is not used) or not."""
    shares = []
    for p in parts:
        try:
            if percent:
                shares.append(float(parse_value(p, Unit.PERCENT).figure))
            else:
                amount = money(p)
                if amount is None:
                    raise ValueError(f"'{p}' is not an amount")
                if not annual:
                    raise ValueError("amounts cannot profile a budget of £0; use shares such as 25%")
                shares.append(amount / annual)
        except (ValueProblem, TypeError):
            raise ValueError(f"'{p}' is not a share such as 25% or an amount such as £500k") from None
    if any(s < 0 for s in shares):
        raise ValueError("a quarter's part cannot be negative")
    total = sum(shares)
    if abs(total - 1) <= 0.005:
        cumulative, running = [], 0.0
        for s in shares:
            running += s
            cumulative.append(round(running, 6))
        cumulative[-1] = 1.0
        return tuple(cumulative)
    if all(b >= a for a, b in zip(shares, shares[1:])) and abs(shares[-1] - 1) <= 0.005:
        return (*(round(s, 6) for s in shares[:3]), 1.0)
    what = f"{total * 100:g}% of the year" if percent else format_value(total * annual, Unit.MONEY)
    raise ValueError(f"the quarters add up to {what}, not the whole year "
                     f"({'100%' if percent else format_value(annual, Unit.MONEY)}), and are not cumulative")


# --- judging spend -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """What a budget line's return says against its profiled budget."""

    status: Status
    profiled: float                  # budget profiled to the quarter end
    variance: float | None           # spend to date − profiled (positive: over; for income, more recovered)
    forecast_variance: float | None  # forecast outturn − annual budget
    reason: str
    rule: dict = field(default_factory=dict)


def tolerance_amount(tolerance: Tolerance, base: float) -> float:
    return tolerance.amount if tolerance.absolute else tolerance.amount * abs(base)


def _judge_one(actual: float, expected: float, income: bool, tolerance: Tolerance) -> Status:
    worse_by = (expected - actual) if income else (actual - expected)
    if worse_by <= 0.005:
        return Status.GREEN
    return Status.AMBER if worse_by <= tolerance_amount(tolerance, expected) + 0.005 else Status.RED


_ORDER = {Status.GREEN: 0, Status.AMBER: 1, Status.RED: 2}


def judge(line: BudgetLine, quarter: int, spend: float | None, forecast: float | None,
          tolerance: Tolerance) -> Judgement:
    """The status of a line from its spend to date (against the budget profiled to `quarter`'s end)
    and forecast outturn (against the annual budget): the worse of the two; Report later with no
    spend to date."""
    profiled = line.profiled(quarter)
    rule = {"budget": line.budget, "profile": line.profile_text(), "quarter": quarter, "profiled": profiled,
            "income_line": line.income_line, "tolerance": tolerance.amount, "tolerance_absolute": tolerance.absolute,
            "tolerance_text": tolerance.describe(Unit.MONEY)}
    if spend is None:
        return Judgement(Status.REPORT_LATER, profiled, None, None if forecast is None else forecast - line.budget,
                         "no spend to date returned", rule)
    variance = round(spend - profiled, 2)
    statuses = [_judge_one(spend, profiled, line.income_line, tolerance)]
    forecast_variance = None
    if forecast is not None:
        forecast_variance = round(forecast - line.budget, 2)
        statuses.append(_judge_one(forecast, line.budget, line.income_line, tolerance))
    status = max(statuses, key=_ORDER.__getitem__)
    word = "income" if line.income_line else "spend"
    reason = (f"{word} to date {format_value(spend, Unit.MONEY)} against {format_value(profiled, Unit.MONEY)} "
              f"profiled to Q{quarter}")
    if forecast is not None:
        reason += f"; forecast {format_value(forecast, Unit.MONEY)} against {format_value(line.budget, Unit.MONEY)}"
    return Judgement(status, profiled, variance, forecast_variance,
                     reason + f" (tolerance {tolerance.describe(Unit.MONEY)})", rule)


def status_under(rule: dict, spend: float) -> Status:
    """The status of a spend to date under a stored rule (`Judgement.rule`): a quarter's spend
    corrected later is judged as that quarter was (its profiled budget and tolerance)."""
    tolerance = Tolerance(rule["tolerance"], rule["tolerance_absolute"])
    return _judge_one(spend, rule["profiled"], rule["income_line"], tolerance)


def variance_text(variance: float | None, income_line: bool) -> str:
    """`£12,000 over`, `£3,500 under`, `on budget`; for income, `£2,000 under-recovered`."""
    if variance is None:
        return ""
    if abs(variance) < 0.005:
        return "on budget"
    amount = format_value(abs(variance), Unit.MONEY)
    if income_line:
        return f"{amount} {'over-recovered' if variance > 0 else 'under-recovered'}"
    return f"{amount} {'over' if variance > 0 else 'under'}"
