"""Across files, once every file is examined: which return of each service counts, and every
measure's status and action's update from the returns that count, as rows for the store.

"Newest" means: the later *saved* workbook (the time Excel or LibreOffice wrote into the file's
own properties), then the later *received* file (its modification time in the returns folder,
i.e. when the officer saved the attachment), then the one with more cells filled in.
"""

from __future__ import annotations

from datetime import datetime

from xlplan.collect import rows
from xlplan.collect.examined import Examined, Outcome, Scope
from xlplan.collect.entries import check_assessment, check_comment
from xlplan.errors import RETURN_DUPLICATE, RETURN_FIGURE_FROM_SYSTEM, RETURN_SUPERSEDED, issue
from xlplan.periods import Period
from xlplan.plan import Plan
from xlplan.status import (ActionStatus, Status, action_overdue, measure_status, target_text,
        uses_outturn)
from xlplan import store


def supersede(files: list[Examined], scope: Scope = Scope()) -> None:
    """Mark each file accepted, rejected, superseded or skipped; the newest return of a service wins.
    A return for a service outside `scope` (another department's) is skipped, saying whose it is."""
    by_service: dict[str, list[Examined]] = {}
    for f in files:
        if f.service is not None and not f.skipped and not scope.covers(f.service):
            other = scope.elsewhere.get(f.service, "")
            f.skipped = (f"the return for {f.service}, which " + (f"the {other} department collects" if other else
                         "has no department (only a collect of the whole plan takes it)")
                         + f", not {scope.department}")
        if f.skipped:
            f.outcome = Outcome.SKIPPED
        elif f.service is None:
            f.outcome = Outcome.REJECTED
        else:
            by_service.setdefault(f.service, []).append(f)
    for service, group in by_service.items():
        group.sort(key=lambda f: (f.saved_at or f.received, f.received, f.filled, f.sha256, f.name))
        winner = group[-1]
        winner.outcome = Outcome.ACCEPTED
        for f in group[:-1]:
            f.outcome, f.superseded_by = Outcome.SUPERSEDED, winner.sha256
            if f.sha256 == winner.sha256:
                f.issues.append(issue(RETURN_DUPLICATE, file=f.name, other=winner.name, key=service))
            else:
                f.issues.append(issue(RETURN_SUPERSEDED, file=f.name, newer=winner.name, service=service,
                                      key=service))


def assess(files: list[Examined], plan: Plan, period: Period, previous: dict[tuple[str, str], str],
           scope: Scope = Scope(), imported: dict[str, str] | None = None
           ) -> tuple[list[store.ValueRow], list[store.ActionRow]]:
    """Compute every measure's status and every action's update from the accepted returns: rows
    of store.measure_values and store.action_updates (ValueRow and ActionRow, built by keyword;
    NamedTuples are much smaller than dicts, at tens of thousands of rows).

    A large plan has many measures sharing a rule, so each Rule, the texts stored with it and the
    annual target's text are worked out once per distinct rule input: the plan's own target,
    profile and tolerance objects (by identity: exact), unit, polarity, and last year's outturn
    (by repr, and only where the rule uses it). Only measures and actions of services in `scope`
    have rows (a department's collect stores its own services' only). A measure whose figures come
    from a system (its Source), or whose figure for the quarter was imported (`imported`: code →
    system), has none either: `xlplan import` stores it, and a figure its return holds is not used
    (said so)."""
    winners = {f.service.casefold(): f for f in files if f.outcome is Outcome.ACCEPTED}
    returned: dict[str, Examined | None] = {}     # a service as the plan spells it → its return
    tolerance = plan.settings.amber_tolerance
    period_id, fingerprint, last_year = period.id, plan.fingerprint, period.year.previous()
    shapes: dict[tuple, bool] = {}                # rule input but the outturn → whether it is used
    rules: dict[tuple, tuple] = {}                # rule input → (rule, its texts, status with no figure)
    figure_json, no_source = store.figure_json, (None, None, None, None)
    value_rows, action_rows = [], []
    covered = scope.services
    imported = imported or {}
    for m in plan.measures:
        if (covered is not None and m.service not in covered) or m.source:
            continue
        f = returned.get(m.service, False)
        if f is False:
            f = returned[m.service] = winners.get(m.service.strip().casefold())
        entry = f.measures.get(m.code) if f is not None else None
        if m.code in imported:
            if entry is not None and entry.value is not None and entry.value.figure is not None:
                f.issues.append(issue(RETURN_FIGURE_FROM_SYSTEM, file=f.name, sheet=entry.sheet, cell=entry.cell,
                                      row=entry.row, key=m.code, found=entry.value.raw[:80],
                                      source=f"{imported[m.code]}, imported with `xlplan import --override`"))
            continue
        shape = (id(m.target_for(period.year)[0]), id(m.profile), id(m.tolerance), m.unit, m.polarity)
        uses = shapes.get(shape)
        if uses is None:
            uses = shapes[shape] = uses_outturn(m.target_for(period.year)[0], m.profile, period)
        key = (shape, repr(m.outturn(last_year))) if uses else shape
        known = rules.get(key)
        if known is None:
            rule = m.rule(period, tolerance)
            known = rules[key] = (rule, (rows.rule_json(rule), rule.describe(), target_text(rule, rule.unit),
                                         m.target_for(period.year)[0].describe(m.unit)), measure_status(None, rule))
        rule, (rule_json, rule_text, target, annual_target), unreported = known
        due = m.frequency.due_in(period)
        if not due:                # Not due this quarter: never Report later, whatever was returned
            unreported = measure_status(None, rule, due=False)
        if entry is None or not due:
            file, sha256, sheet, cell = no_source if entry is None or entry.sheet is None \
                else (f.name, f.sha256, entry.sheet, entry.cell)
            value_rows.append(store.ValueRow(
                period=period_id, code=m.code, service=m.service, name=m.name, figure=None, missing=None, raw="",
                status=unreported.status.value, basis=unreported.basis, reason=unreported.reason, assessed=None,
                rule=rule_json, rule_text=rule_text, target_text=target, annual_target_text=annual_target,
                comment=entry.comment if entry is not None else "", in_error=False, source_file=file,
                source_sha256=sha256, source_sheet=sheet, source_cell=cell, plan_fingerprint=fingerprint))
            continue
        value = entry.value if not entry.in_error else None
        assessment = measure_status(value, rule, entry.assessed)
        extra = check_comment(m.code, assessment.status, entry.comment, previous.get(("measure", m.code)),
                              f.name, entry.sheet, entry.comment_cell, entry.row)
        differs = check_assessment(m, entry, assessment.status, assessment.basis, target, f.name) \
            if value is not None else None
        if extra or differs:
            f.issues.extend(extra + ([differs] if differs else []))
        file, sha256, sheet, cell = no_source if entry.sheet is None else (f.name, f.sha256, entry.sheet, entry.cell)
        value_rows.append(store.ValueRow(
            period=period_id, code=m.code, service=m.service, name=m.name,
            figure=figure_json(value.figure) if value is not None else None,
            missing=value.missing.value if value is not None and value.missing else None,
            raw=value.raw if value is not None else "",
            status=assessment.status.value, basis=assessment.basis, reason=assessment.reason,
            assessed=entry.assessed.value if entry.assessed else None, rule=rule_json, rule_text=rule_text,
            target_text=target, annual_target_text=annual_target, comment=entry.comment,
            in_error=bool(entry.in_error), source_file=file, source_sha256=sha256, source_sheet=sheet,
            source_cell=cell, plan_fingerprint=fingerprint))
    dues: dict[tuple, tuple] = {}                 # (status, due date) → (due as stored, overdue)
    for a in plan.actions:
        if covered is not None and a.service not in covered:
            continue
        f = returned.get(a.service, False)
        if f is False:
            f = returned[a.service] = winners.get(a.service.strip().casefold())
        entry = f.actions.get(a.ref) if f is not None else None
        status = entry.status if entry is not None and entry.status is not None else ActionStatus.REPORT_LATER
        due = dues.get((status, a.due))
        if due is None:
            due = dues[(status, a.due)] = (datetime(a.due.year, a.due.month, a.due.day) if a.due else None,
                                           action_overdue(status, a.due, period))
        due_at, overdue = due
        if entry is None:
            action_rows.append(store.ActionRow(
                period=period_id, ref=a.ref, service=a.service, name=a.name, status=status.value, comment="",
                due=due_at, overdue=overdue, in_error=False, source_file=None, source_sha256=None,
                source_sheet=None, source_cell=None))
            continue
        f.issues.extend(check_comment(a.ref, status, entry.comment, previous.get(("action", a.ref)),
                                      f.name, entry.sheet, entry.comment_cell, entry.row))
        file, sha256, sheet, cell = no_source if entry.sheet is None else (f.name, f.sha256, entry.sheet, entry.cell)
        action_rows.append(store.ActionRow(
            period=period_id, ref=a.ref, service=a.service, name=a.name, status=status.value,
            comment=entry.comment, due=due_at, overdue=overdue, in_error=bool(entry.in_error), source_file=file,
            source_sha256=sha256, source_sheet=sheet, source_cell=cell))
    return value_rows, action_rows


def status_counts(value_rows: list[store.ValueRow]) -> dict[Status, int]:
    """Measures by status, from the rows `assess` made (every status, in Status order, 0 if none)."""
    by_text = {s.value: 0 for s in Status}
    for row in value_rows:
        by_text[row.status] += 1
    return {s: by_text[s.value] for s in Status}
