"""Reading the store: for reports (`load_results`), `xlplan status` (`returns_for`), and what
collect checks before writing (`previous_comments`, `plan_stored`); `table_contents` for checks.

Statuses, targets and rules come from what was stored when the quarter was collected, so a past
quarter is never re-coloured when the plan changes; names, themes and order come from the plan.
Trends compare stored figures with the previous quarter and the same quarter last year.
"""

from __future__ import annotations

import json
from collections import namedtuple
from dataclasses import replace
from typing import Iterator

from sqlalchemy import and_, exc, select

from xlplan.store import restated, signoff
from xlplan.store import schema as store
from xlplan.errors import Issue, Severity
from xlplan.heap import cycles_paused
from xlplan.periods import Period
from xlplan.plan import Measure, Plan
from xlplan.store.results import ActionResult, MeasureResult, PeriodResults, ReturnRecord, Source
from xlplan.status import ActionStatus, Polarity, ProfileKind, Status, measure_status, target_text, trend
from xlplan.store.schema import action_updates, history, issues, measure_values, metadata, plans, returns
from xlplan.values import Missing


def returns_for(db_url: str, period: Period | str) -> list[ReturnRecord]:
    """Every file collected for `period` (accepted, rejected, superseded, skipped), by service then
    time received; [] when nothing has been collected yet."""
    period_id = period if isinstance(period, str) else period.id
    with _reader(db_url) as conn:
        if conn is None:
            return []
        rows = conn.execute(select(returns).where(returns.c.period == period_id)).all()
    found = [ReturnRecord(service=r.service, file=r.file, sha256=r.sha256, received=r.received, outcome=r.outcome,
                          reasons=json.loads(r.reasons), errors=r.errors, warnings=r.warnings,
                          superseded_by=r.superseded_by) for r in rows]
    return sorted(found, key=lambda r: (r.service or "\uffff", r.received, r.file))


def load_results(db_url: str, plan: Plan, period: Period) -> PeriodResults:
    """The collected quarter as reports render it (measures in plan order: theme, outcome, row)."""
    with cycles_paused():
        return _load_results(db_url, plan, period)


def _load_results(db_url: str, plan: Plan, period: Period) -> PeriodResults:
    from xlplan.store import resources, risks as risk_register     # what only reports read: not a collect
    with _reader(db_url) as conn:
        stored = _values(conn, period)
        before = _values(conn, period.previous())
        last_year = _values(conn, period.same_quarter_last_year())
        latest, carried = restated.shown(conn, period, [period.previous(), period.same_quarter_last_year()])
        before, last_year = _restated(before, latest), _restated(last_year, latest)   # latest versions
        years = [y.slash for y in period.prior_years(3)]
        past = _history(conn, {m.code for m in plan.measures}, set(years))
        acts = {} if conn is None else {r.ref: r for r in _records(
            conn, action_updates, action_updates.c.period == period.id)}
        found_issues = [] if conn is None else [_issue(r) for r in conn.execute(
            select(issues).where(issues.c.period == period.id, issues.c.counted.is_(True)).order_by(issues.c.seq))]
        budget = resources.budget_results(conn, plan, period)        # the activity budget, if the plan has one
        benches = resources.benchmark_results(conn, plan, period)    # comparators imported for its measures
        budget_restated = resources.budget_restatement_results(conn, plan, period)
        register = risk_register.load_risks(conn, plan, period)     # [] for a plan without risks
        signed = signoff.state(conn, period.id)
    rules: dict[str, tuple] = {}   # stored rule JSON → (polarity, target): many measures share one
    measures = [_measure(m, plan, period, stored.get(m.code), before.get(m.code), last_year.get(m.code),
                         {y: past.get((m.code, y)) for y in years}, rules) for m in _plan_order(plan)]
    actions = [_action(a, period, acts.get(a.ref)) for a in _plan_order(plan, actions=True)]
    measures, restatements = _mark_restated(plan, measures, latest, carried)
    return PeriodResults(plan=plan, period=period, measures=measures, actions=actions,
                         returns=returns_for(db_url, period), issues=found_issues,
                         expected_services=[s.name for s in plan.services_with_returns()],
                         generated_at=signed.at if signed is not None else store.utc_now(),
                         restatements=restatements, signoff=signed, budget=budget, benchmarks=benches,
                         budget_restatements=budget_restated, risks=register)


def _restated(rows: dict, latest: dict) -> dict:
    """measure_values rows with each restated figure replaced by its latest restatement."""
    for (_, code), r in latest.items():
        row = rows.get(code)
        if row is not None and row.period == r.restated_period:
            rows[code] = row._replace(figure=r.figure, raw=r.raw, missing=None, status=r.status)
    return rows


def _mark_restated(plan: Plan, measures: list[MeasureResult], latest: dict, carried: list):
    """Measures whose earlier quarter is shown restated, marked so; the restatements this quarter's
    returns carried, in plan order."""
    if not latest and not carried:
        return measures, []
    units = {m.code: m.unit for m in plan.measures}
    by_code: dict[str, dict] = {}
    for (period_id, code), r in latest.items():
        if code in units:
            by_code.setdefault(code, {})[period_id] = restated.as_result(r, units[code])
    measures = [replace(m, restated=by_code[m.code]) if m.code in by_code else m for m in measures]
    order = {m.code: i for i, m in enumerate(measures)}
    found = [restated.as_result(r, units[r.code]) for r in carried if r.code in units]
    return measures, sorted(found, key=lambda x: (order.get(x.code, len(order)), x.period))


def previous_comments(db_url: str, period: str, services=None) -> dict[tuple[str, str], str]:
    """(kind, code/ref) → comment stored for `period` ("measure"/"action"), for the unchanged check;
    only those of `services` when given."""
    found: dict[tuple[str, str], str] = {}
    with _reader(db_url) as conn:
        if conn is None:
            return found
        for kind, table, key in (("measure", measure_values, "code"), ("action", action_updates, "ref")):
            chosen = table.c.period == period
            if services is not None:
                chosen = and_(chosen, table.c.service.in_(sorted(services)))
            rows = conn.execute(select(table.c[key], table.c.comment).where(chosen))
            found.update({(kind, code): comment for code, comment in rows})
    return found


def imported_codes(db_url: str, period: str) -> dict[str, str]:
    """code → system, for the measures whose figure for `period` was imported from a system extract."""
    with _reader(db_url) as conn:
        if conn is None:
            return {}
        return {code: system or "a system" for code, system in conn.execute(
            select(measure_values.c.code, measure_values.c.source_system).where(
                measure_values.c.period == period, measure_values.c.origin == "import"))}


def risks_before(db_url: str, period: Period) -> dict:
    """Code → the latest stored assessment of each risk before `period` (likelihood, impact, score,
    commentary, period): the previous assessment a template shows and collect compares with."""
    from xlplan.store import risks as risk_register      # (for a plan with a risk register only)
    with _reader(db_url) as conn:
        return risk_register.assessments_before(conn, period)


def plan_stored(db_url: str, fingerprint: str) -> bool:
    """Whether the store holds the plan with this fingerprint (its snapshot need not be built)."""
    with _reader(db_url, table="plans") as conn:
        return conn is not None and conn.execute(
            select(plans.c.fingerprint).where(plans.c.fingerprint == fingerprint)).first() is not None


BOOKKEEPING = ("store_generation", "collect_memo")    # how the store tracks its writes, not what it holds


def table_contents(db_url: str, bookkeeping: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key (for checks that a re-run changed nothing);
    the re-run memo's BOOKKEEPING tables only with `bookkeeping`."""
    eng = store.engine(db_url, create=False, write=False)
    try:
        with eng.connect() as conn:
            return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                    for t in metadata.sorted_tables if bookkeeping or t.name not in BOOKKEEPING}
    finally:
        eng.dispose()


class _reader:
    """`with _reader(url) as conn:` — a read connection, or None when there is no store yet (no
    SQLite file, or no `table` in the database); an unusable store is an XlplanError."""

    def __init__(self, db_url: str, table: str = "measure_values") -> None:
        self.db_url, self.table, self.eng, self.conn = db_url, table, None, None

    def __enter__(self):
        path = store.sqlite_path(self.db_url)
        if path is not None and not path.exists():
            return None
        self.eng = store.engine(self.db_url, create=False, write=False)
        try:
            self.conn = self.eng.connect()
            if not self.eng.dialect.has_table(self.conn, self.table):
                return None
        except exc.OperationalError as e:
            self.__exit__(None, None, None)
            raise store.friendly(e, self.db_url) from None
        return self.conn

    def __exit__(self, *exc_info):
        if self.conn is not None:
            self.conn.close()
        if self.eng is not None:
            self.eng.dispose()


def _values(conn, period: Period) -> dict:
    if conn is None:
        return {}
    return {r.code: r for r in _records(conn, measure_values, measure_values.c.period == period.id)}


def _records(conn, table, where) -> Iterator[tuple]:
    """The table's rows matching `where` as named tuples: reading their fields is several times
    cheaper than a SQLAlchemy Row's, which counts at tens of thousands of measures."""
    make = _RECORDS.setdefault(table.name, namedtuple(f"{table.name}_row", [c.name for c in table.columns]))._make
    return map(make, conn.execute(select(table).where(where)))


_RECORDS: dict[str, type] = {}


def _history(conn, codes: set[str], years: set[str]) -> dict[tuple[str, str], object]:
    """(code, year) → stored outturn, for the plan's measures and the given years."""
    found: dict[tuple[str, str], object] = {}
    if conn is None:
        return found
    for code, year, figure in conn.execute(select(history.c.code, history.c.year, history.c.figure)):
        if year in years and code in codes:
            found[(code, year)] = store.figure_from_json(figure)
    return found


def _plan_order(plan: Plan, actions: bool = False) -> list:
    items = plan.actions if actions else plan.measures
    themes = {t: i for i, t in enumerate(plan.themes)}
    outcomes = {t: {o: i for i, o in enumerate(plan.outcomes(t))} for t in plan.themes}
    return sorted(items, key=lambda x: (themes.get(x.theme, len(themes)),
                                        outcomes.get(x.theme, {}).get(x.outcome, 99999), x.row))


def _measure(m: Measure, plan: Plan, period: Period, row, prev, year_ago, years: dict,
             rules: dict[str, tuple]) -> MeasureResult:
    cumulative = m.profile.kind is ProfileKind.CUMULATIVE
    if row is None:  # not collected (yet): what the plan's rule says, with no figure
        rule = m.rule(period, plan.settings.amber_tolerance)
        a = measure_status(None, rule, due=m.due_in(period))
        return MeasureResult(
            code=m.code, name=m.name, theme=m.theme, outcome=m.outcome, service=m.service, unit=m.unit,
            polarity=rule.polarity.value, target=rule.target, target_text=target_text(rule, m.unit),
            annual_target_text=m.target.describe(m.unit), figure=None, missing=None, status=a.status,
            basis=a.basis, rule=rule.describe(), history=years,
            previous_quarter=_fig(prev), same_quarter_last_year=_fig(year_ago),
            previous_status=Status(prev.status) if prev is not None else None)
    known = rules.get(row.rule)
    if known is None:
        rule = json.loads(row.rule)
        known = rules[row.rule] = (Polarity(rule["polarity"]), store.figure_from_json(rule["target"]))
    polarity, target = known
    figure = store.figure_from_json(row.figure)
    return MeasureResult(
        code=m.code, name=m.name, theme=m.theme, outcome=m.outcome, service=m.service, unit=m.unit,
        polarity=polarity.value, target=target, target_text=row.target_text,
        annual_target_text=row.annual_target_text, figure=figure,
        missing=Missing(row.missing) if row.missing else None, status=Status(row.status), basis=row.basis,
        rule=row.rule_text, comment=row.comment, history=years,
        previous_quarter=_fig(prev), same_quarter_last_year=_fig(year_ago),
        trend_quarter=trend(figure, _fig(prev), polarity,
                            period.quarter if cumulative else 1, period.previous().quarter if cumulative else 1),
        trend_year=trend(figure, _fig(year_ago), polarity),
        previous_status=Status(prev.status) if prev is not None else None,
        in_error=bool(row.in_error), source=_source(row))


def _fig(row):
    return store.figure_from_json(row.figure) if row is not None else None


def _source(row) -> Source | None:
    if not row.source_file:
        return None
    system = getattr(row, "source_system", None)      # measure_values only
    return Source(row.source_file, row.source_sha256 or "", row.source_sheet or "", row.source_cell or "",
                  system or "", getattr(row, "source_row", None) if system else None)


def _action(a, period: Period, row) -> ActionResult:
    if row is None:
        status = ActionStatus.REPORT_LATER
        from xlplan.status import action_overdue
        return ActionResult(ref=a.ref, name=a.name, measures=a.measures, theme=a.theme, outcome=a.outcome,
                            service=a.service, status=status, due=a.due,
                            overdue=action_overdue(status, a.due, period))
    return ActionResult(ref=a.ref, name=a.name, measures=a.measures, theme=a.theme, outcome=a.outcome,
                        service=a.service, status=ActionStatus(row.status), comment=row.comment, due=a.due,
                        overdue=bool(row.overdue), source=_source(row))


def _issue(r) -> Issue:
    return Issue(code=r.code, severity=Severity(r.severity), message=r.message, hint=r.hint, file=r.file,
                 sheet=r.sheet, cell=r.cell, row=r.row, key=r.key)
