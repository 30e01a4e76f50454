"""The risk register in the store: each risk's assessment per quarter (`risk_updates`), read back
for templates (the previous assessment to show), collect (what the score moved from, and the
commentary it had) and reports (the register with its movement).

The previous assessment of a risk is the latest one stored for a quarter before the one asked
about, so a risk not assessed last quarter is compared with the one before; a risk never
assessed is compared with the plan's own likelihood and impact.
"""

from __future__ import annotations

from collections import namedtuple

from sqlalchemy import select

from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.store.results import RiskResult, Source
from xlplan.store.schema import risk_updates

ASSESSED, NOT_ASSESSED, IN_ERROR = "assessed", "not assessed", "in error"
Before = namedtuple("Before", "likelihood impact score commentary period")


def assessments_before(conn, period: Period) -> dict[str, Before]:
    """Code → the latest assessment stored for a quarter before `period` ({} without a store)."""
    if conn is None:
        return {}
    found: dict[str, Before] = {}
    rows = conn.execute(select(risk_updates.c.code, risk_updates.c.likelihood, risk_updates.c.impact,
                               risk_updates.c.score, risk_updates.c.commentary, risk_updates.c.period)
                        .where(risk_updates.c.period < period.id, risk_updates.c.status == ASSESSED)
                        .order_by(risk_updates.c.period))
    for code, likelihood, impact, score, commentary, when in rows:
        found[code] = Before(likelihood, impact, score, commentary, when)
    return found


def quarter_name(stored: str, period: Period) -> str:
    """How a report names the quarter a previous assessment is from: `Q1`, or `Q4 2022/23`."""
    try:
        p = Period.parse(stored)
    except ValueError:
        return stored
    return f"Q{p.quarter}" if p.year == period.year else f"Q{p.quarter} {p.year.slash}"


def load_risks(conn, plan: Plan, period: Period) -> list[RiskResult]:
    """The plan's register for `period` as reports show it, highest score first (not assessed
    last), each with its movement since the previous assessment. [] for a plan without risks."""
    if not plan.risks:
        return []
    stored = {} if conn is None else {r.code: r for r in conn.execute(
        select(risk_updates).where(risk_updates.c.period == period.id))}
    before = assessments_before(conn, period)
    found = []
    for risk in plan.risks:
        row, was = stored.get(risk.code), before.get(risk.code)
        previous, when = (was.score, quarter_name(was.period, period)) if was is not None else (risk.score, "the plan")
        common = dict(code=risk.code, name=risk.name, service=risk.service, description=risk.description,
                      owner=risk.owner, controls=risk.controls, target_score=risk.target, previous_score=previous,
                      previous_when=when)
        if row is None:
            found.append(RiskResult(**common, rule=plan.risk_rules.describe()))
            continue
        source = Source(row.source_file, row.source_sha256 or "", row.source_sheet or "", row.source_cell or "") \
            if row.source_file else None
        found.append(RiskResult(**{**common, "target_score": row.target_score}, likelihood=row.likelihood,
                                impact=row.impact, score=row.score, band=row.band, commentary=row.commentary,
                                status=row.status, rule=row.rule, source=source))
    order = {r.code: i for i, r in enumerate(plan.risks)}
    return sorted(found, key=lambda r: (r.score is None, -(r.score or 0), order[r.code]))
