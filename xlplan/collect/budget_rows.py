"""Across files: the budget rows a collect stores, one per budget line of the plan.

Each line's spend and forecast come from the accepted return of its service (collect/budget.py
checked them), judged against the budget profiled to the quarter's end and the annual budget
(plan/budget.judge), with the rule it was judged by and where each figure came from; a line with
no accepted return is Report later. A plan without a Budget sheet stores none.
"""

from __future__ import annotations

import json

from xlplan import store
from xlplan.collect.examined import Outcome, Scope
from xlplan.periods import Period
from xlplan.plan.budget import judge, status_under


def budget_rows(files: list, plan, period: Period, scope: Scope = Scope()) -> list[store.BudgetRow] | None:
    """A BudgetRow for every budget line of the plan's services in `scope` (Report later where its
    service's accepted return gives no spend), in plan order; None for a plan without a Budget sheet
    (nothing stored)."""
    if plan.budget is None:
        return None
    accepted = {f.service: f for f in files if f.outcome is Outcome.ACCEPTED and f.service}
    rows = []
    for line in plan.budget.lines:
        if not scope.covers(line.service):
            continue
        f = accepted.get(line.service)
        e = f.budget.get(line.line) if f is not None else None
        spend = e.spend if e is not None else None
        forecast = e.forecast if e is not None else None
        verdict = judge(line, period.quarter, spend, forecast, plan.budget.tolerance)
        rows.append(store.BudgetRow(
            period=period.id, service=line.service, line=line.line, kind=line.kind, fte=line.fte,
            expenditure=line.expenditure, income=line.income, net=line.net, budget=line.budget,
            profile=line.profile_text(), profiled=verdict.profiled, spend=spend, forecast=forecast,
            variance=verdict.variance, forecast_variance=verdict.forecast_variance, status=verdict.status.value,
            reason=verdict.reason, rule=json.dumps(verdict.rule, sort_keys=True),
            comment=e.comment if e is not None else "", in_error=bool(e is not None and e.in_error),
            source_file=f.name if e is not None else None, source_sha256=f.sha256 if e is not None else None,
            source_sheet=e.sheet if e is not None else None, source_cell=e.spend_cell if e is not None else None,
            forecast_cell=e.forecast_cell if e is not None else None, plan_fingerprint=plan.fingerprint))
    return rows


def budget_restatement_rows(files: list, plan, period: Period, db_url: str,
                            collected=None) -> list[store.BudgetRestatementRow] | None:
    """The corrections of last quarter's spend that this collect's accepted returns carry, as rows
    (each compared with the latest version the store holds: one equal to it changes nothing), judged
    under the rule stored for last quarter; None for a plan without a Budget sheet."""
    if plan.budget is None:
        return None
    carrying = [(f, e) for f in files if f.outcome is Outcome.ACCEPTED and f.service
                for e in f.budget.values() if e.correction is not None]
    if not carrying:
        return []
    reported = store.reported_spend_at(db_url, period)
    managers = {s.name: s.manager for s in plan.services}
    now = collected or store.utc_now()
    earlier = period.previous()
    rows = []
    for f, e in carrying:
        c = e.correction
        spend, rule, _ = reported.get((f.service, e.line), (None, "", None))
        if spend is not None and abs(spend - c.spend) < 0.005:
            continue
        status = status_under(json.loads(rule), c.spend).value if rule else "Report later"
        rows.append(store.BudgetRestatementRow(
            period=period.id, restated_period=earlier.id, service=f.service, line=e.line,
            manager=managers.get(f.service, ""), reported=spend, spend=c.spend, status=status, reason=c.reason,
            collected=now, source_file=f.name, source_sha256=f.sha256, source_sheet=e.sheet, source_cell=c.cell,
            plan_fingerprint=plan.fingerprint))
    return rows
