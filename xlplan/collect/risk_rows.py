"""Across files, once every file is examined: each of the plan's risks as a row for the store.

The score is likelihood x impact, its band the plan's Risk bands (the rule, scale and bands, is
stored with it, so a past quarter keeps its colours when the bands change). When the score went
up since the previous assessment (the latest stored before this quarter, else the plan's own), a
blank commentary, or one unchanged from the previous assessment's, is a warning naming the cell.
"""

from __future__ import annotations

from xlplan import store
from xlplan.collect.examined import Examined, Outcome, Scope
from xlplan.errors import RISK_COMMENT_UNCHANGED, RISK_NO_COMMENT, issue
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.store.risks import ASSESSED, IN_ERROR, NOT_ASSESSED


def risk_rows(files: list[Examined], plan: Plan, period: Period, before: dict,
              scope: Scope = Scope()) -> list[store.RiskRow]:
    """Each of the plan's risks of services in `scope` as a RiskRow for `period` from the accepted
    returns (not assessed where no return assessed it). `before`: code → the latest stored
    assessment before `period` (store.risks_before), for the warnings on a score that went up."""
    if not plan.risks:
        return []
    winners = {f.service.casefold(): f for f in files if f.outcome is Outcome.ACCEPTED and f.service}
    rules = plan.risk_rules
    rule = rules.describe()
    rows = []
    for risk in plan.risks:
        if not scope.covers(risk.service):
            continue
        f = winners.get(risk.service.casefold())
        entry = getattr(f, "risks", {}).get(risk.code) if f is not None else None
        if entry is None:
            rows.append(store.RiskRow(period=period.id, code=risk.code, service=risk.service, name=risk.name,
                                      likelihood=None, impact=None, score=None, band=None, target_score=risk.target,
                                      commentary="", status=NOT_ASSESSED, rule=rule, source_file=None,
                                      source_sha256=None, source_sheet=None, source_cell=None,
                                      plan_fingerprint=plan.fingerprint))
            continue
        score = entry.likelihood * entry.impact if entry.likelihood is not None and entry.impact is not None else None
        was = before.get(risk.code)
        previous = was.score if was is not None else risk.score
        if score is not None and previous is not None and score > previous:
            where = dict(file=f.name, sheet=entry.sheet, cell=entry.commentary_cell, row=entry.row, key=risk.code,
                         before=previous, after=score)
            if not entry.commentary:
                f.issues.append(issue(RISK_NO_COMMENT, **where))
            elif was is not None and entry.commentary.strip() == (was.commentary or "").strip():
                f.issues.append(issue(RISK_COMMENT_UNCHANGED, **where))
        status = ASSESSED if score is not None else IN_ERROR if entry.in_error else NOT_ASSESSED
        rows.append(store.RiskRow(period=period.id, code=risk.code, service=risk.service, name=risk.name,
                                  likelihood=entry.likelihood, impact=entry.impact, score=score,
                                  band=rules.band(score), target_score=risk.target, commentary=entry.commentary,
                                  status=status, rule=rule, source_file=f.name, source_sha256=f.sha256,
                                  source_sheet=entry.sheet, source_cell=entry.cell, plan_fingerprint=plan.fingerprint))
    return rows
