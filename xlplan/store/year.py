"""A financial year from the store: each measure's four quarters (the latest version of each, so
restatements count), its outturn and status against the year's target, and each action's latest
update. What the annual report and `xlplan rollover` use (`load_year`).

Names, themes and order come from the plan; figures, statuses and rules from what was stored, so a
past year reads the same after the plan has been rolled over to the next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from xlplan.periods import FinancialYear, Period
from xlplan.plan import Measure, Plan
from xlplan.status import (ActionStatus, Polarity, Rule, Status, Tolerance, Trend, target_text)
from xlplan.store import schema as store
from xlplan.store import signoff
from xlplan.store.outturn import NOT_COLLECTED, NOT_DUE, Outturn, QuarterFigure, outturn_of, outturn_status, trend_text
from xlplan.store.read import _plan_order, _reader
from xlplan.store.restated import latest_versions
from xlplan.store.schema import action_updates
from xlplan.values import Figure, Missing, TargetKind, Unit, format_value

QUARTERS = (1, 2, 3, 4)


@dataclass(frozen=True)
class MeasureYear:
    code: str
    name: str
    theme: str
    outcome: str
    service: str
    unit: Unit
    polarity: str
    frequency: str                   # Quarterly, Monthly, Six-monthly, Annual (Q2)…
    quarters: dict[int, QuarterFigure]
    outturn: Outturn
    target: Figure | None            # the year's target the outturn is judged by
    target_text: str
    status: Status
    basis: str                       # computed | assessed | no data | no target
    reason: str                      # why that status
    rule: str                        # Rule.describe() of the rule used
    history: dict[str, Figure | None] = field(default_factory=dict)   # "2022/23" → outturn, oldest first
    trend: Trend | None = None
    trend_text: str = ""
    next_target_text: str = ""       # next year's target where the plan has one (Target 2024/25), else ""

    @property
    def outturn_text(self) -> str:
        if self.outturn.figure is None:
            return "no outturn"
        return format_value(self.outturn.figure, self.unit)


@dataclass(frozen=True)
class ActionYear:
    ref: str
    name: str
    theme: str
    outcome: str
    service: str
    owner: str
    due: date | None
    status: ActionStatus             # the latest stored update's (Report later when none)
    progress: str                    # its comment
    as_at: str                       # the period of that update, e.g. 2023-24-Q4; "" when none

    @property
    def complete(self) -> bool:
        return self.status is ActionStatus.COMPLETE


@dataclass
class YearResults:
    plan: Plan
    year: FinancialYear
    measures: list[MeasureYear]
    actions: list[ActionYear]
    collected: list[int]             # quarters the store holds any figure for
    history_years: list[str]         # "2020/21"… shown beside the outturn, oldest first
    generated_at: datetime
    signed_off: dict[int, object] = field(default_factory=dict)   # quarter → its SignOff in force, or None

    @property
    def next_year(self) -> FinancialYear:
        return FinancialYear(self.year.start + 1)

    def outturns(self) -> dict[str, Figure | None]:
        return {m.code: m.outturn.figure for m in self.measures}

    def status_counts(self, theme: str | None = None) -> dict[Status, int]:
        counts = {s: 0 for s in Status}
        for m in self.measures:
            if theme is None or m.theme == theme:
                counts[m.status] += 1
        return counts


def load_year(db_url: str, plan: Plan, year: FinancialYear, history_years: int = 3) -> YearResults:
    """The year `year` as stored (measures and actions in plan order)."""
    periods = [Period(year, q) for q in QUARTERS]
    with _reader(db_url) as conn:
        versions = {p.quarter: latest_versions(conn, p.id) for p in periods}
        updates = {p.quarter: {} if conn is None else
                   {r.ref: r for r in conn.execute(select(action_updates).where(action_updates.c.period == p.id))}
                   for p in periods}
        signed = {p.quarter: signoff.state(conn, p.id) for p in periods}
    years = [y for y in year.prior_years(history_years)]
    measures = [_measure(m, plan, year, versions, years) for m in _plan_order(plan)]
    actions = [_action(a, year, updates) for a in _plan_order(plan, actions=True)]
    return YearResults(plan=plan, year=year, measures=measures, actions=actions,
                       collected=[q for q in QUARTERS if versions[q]], history_years=[y.slash for y in years],
                       generated_at=store.utc_now(), signed_off=signed)


def rule_from_json(text: str) -> Rule:
    """A Rule as collect stored it (xlplan/collect/rows.py `rule_json`)."""
    j = json.loads(text)
    unit = Unit(j["unit"])
    return Rule(unit=unit, polarity=Polarity(j["polarity"]), target=store.figure_from_json(j["target"]),
                target_kind=TargetKind(j["target_kind"]),
                tolerance=Tolerance(float(j["tolerance"]), bool(j["tolerance_absolute"])),
                basis=j.get("basis", ""), target_column=j.get("target_column", "Target"))


def _quarter(m: Measure, year: FinancialYear, q: int, v) -> QuarterFigure:
    due = m.due_in(Period(year, q))
    if v is None:
        return QuarterFigure(q, False, None, NOT_DUE if not due else NOT_COLLECTED, None, due)
    status = Status(v.status)
    rule = rule_from_json(v.rule) if v.rule else None
    assessed = Status.parse_assessment(v.assessed) if v.assessed else None
    figure = store.figure_from_json(v.figure)
    if status is Status.NOT_DUE or not due:
        return QuarterFigure(q, True, None, NOT_DUE, status, False, v.restated, rule, assessed)
    if figure is None:
        text = v.missing if v.missing and v.missing != Missing.BLANK.value else Status.REPORT_LATER.value
        return QuarterFigure(q, True, None, text, status, True, v.restated, rule, assessed)
    return QuarterFigure(q, True, figure, format_value(figure, m.unit), status, True, v.restated, rule, assessed)


def _measure(m: Measure, plan: Plan, year: FinancialYear, versions: dict, years: list[FinancialYear]) -> MeasureYear:
    quarters = {q: _quarter(m, year, q, versions[q].get(m.code)) for q in QUARTERS}
    outturn = outturn_of(m, quarters)
    judged = quarters[outturn.quarter]
    rule = judged.rule or m.rule(Period(year, outturn.quarter), plan.settings.amber_tolerance)
    a = outturn_status(m, outturn, rule, judged.assessed)
    history = {y.slash: m.outturn(y) for y in years}
    last = year.previous().slash
    t, words = trend_text(m, outturn.figure, history.get(last), last)
    return MeasureYear(code=m.code, name=m.name, theme=m.theme, outcome=m.outcome, service=m.service, unit=m.unit,
                       polarity=rule.polarity.value, frequency=m.frequency.describe(), quarters=quarters,
                       outturn=outturn, target=rule.target, target_text=target_text(rule, m.unit),
                       status=a.status, basis=a.basis, reason=a.reason, rule=rule.describe(), history=history,
                       trend=t, trend_text=words, next_target_text=_next_target(m, year))


def _next_target(m: Measure, year: FinancialYear) -> str:
    t = m.year_targets.get(FinancialYear(year.start + 1))
    return t.describe(m.unit) if t is not None else ""


def _action(a, year: FinancialYear, updates: dict) -> ActionYear:
    latest, as_at = None, ""
    for q in QUARTERS:
        r = updates[q].get(a.ref)
        if r is not None and r.status != ActionStatus.REPORT_LATER.value:
            latest, as_at = r, Period(year, q).id
    status = ActionStatus(latest.status) if latest is not None else ActionStatus.REPORT_LATER
    return ActionYear(ref=a.ref, name=a.name, theme=a.theme, outcome=a.outcome, service=a.service, owner=a.owner,
                      due=a.due, status=status, progress=latest.comment if latest is not None else "", as_at=as_at)


__all__ = ["ActionYear", "MeasureYear", "YearResults", "load_year", "rule_from_json", "NOT_COLLECTED"]
