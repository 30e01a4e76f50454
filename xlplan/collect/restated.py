"""Across files: the restatements this collect's accepted returns carry, as rows for the store.

Each correction a return carries (collect/corrections.py) is compared with the latest version the
store holds of last quarter's figure (the one reported, or an earlier restatement, never one this
quarter's own returns carried: a re-run replaces those). A correction equal to it changes nothing
and is left out; any other is a restatement, with its status worked out under the rule stored
for last quarter, so it is coloured as the quarter was. Who: the return's service and its manager
as the plan names them; where: the file, its sha256, sheet and cell.
"""

from __future__ import annotations

import json
from datetime import datetime

from xlplan import store
from xlplan.collect.entries import same_figure
from xlplan.collect.examined import Examined, Outcome, Scope
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.status import Polarity, Rule, Status, Tolerance, measure_status
from xlplan.values import TargetKind, Unit


def restatement_rows(files: list[Examined], plan: Plan, period: Period, db_url: str,
                     collected: datetime | None = None, scope: Scope = Scope()) -> list[store.RestatementRow]:
    """The RestatementRows of the corrections carried by the accepted returns of services in
    `scope`, in plan order (`collected`: when; a restatement already stored keeps its own time, see
    store/restated.keep_collected)."""
    carrying = [f for f in files if f.outcome is Outcome.ACCEPTED and scope.covers(f.service) and f.corrections]
    if not carrying:
        return []
    reported = store.reported_for_correction(db_url, period)
    managers = {s.name: s.manager for s in plan.services}
    earlier = period.previous()
    tolerance = plan.settings.amber_tolerance
    now = collected or store.utc_now()
    by_code = {c: (f, e) for f in carrying for c, e in f.corrections.items()}
    rows = []
    for m in plan.measures:
        if m.code not in by_code or not scope.covers(m.service):
            continue
        f, c = by_code[m.code]
        was = reported.get(m.code)
        if was is not None and was.status == Status.NOT_DUE.value:
            continue                  # not reported that quarter: nothing to restate
        before = store.figure_from_json(was.figure) if was is not None else None
        if before is not None and same_figure(before, c.value.figure):
            continue
        rule = rule_from_json(was.rule) if was is not None and was.rule else m.rule(earlier, tolerance)
        assessed = Status(was.assessed) if was is not None and was.assessed else None
        status = measure_status(c.value, rule, assessed).status
        rows.append(store.RestatementRow(
            period=period.id, restated_period=earlier.id, code=m.code, service=m.service,
            manager=managers.get(m.service, ""), name=m.name,
            reported_figure=was.figure if was is not None else store.figure_json(c.reported),
            reported_raw=(was.raw or was.missing or "") if was is not None else "",
            reported_status=was.status if was is not None else None,
            figure=store.figure_json(c.value.figure), raw=c.value.raw, status=status.value, reason=c.reason,
            collected=now, source_file=f.name, source_sha256=f.sha256, source_sheet=c.sheet, source_cell=c.cell,
            plan_fingerprint=plan.fingerprint))
    return rows


def rule_from_json(text: str) -> Rule:
    """The Rule stored with a status (collect/rows.rule_json), so a restated figure is judged as the
    quarter it belongs to was."""
    r = json.loads(text)
    return Rule(Unit(r["unit"]), Polarity(r["polarity"]), store.figure_from_json(r["target"]),
                TargetKind(r["target_kind"]), Tolerance(r["tolerance"], r["tolerance_absolute"]),
                r.get("basis", ""), r.get("target_column", "Target"))
