"""Reading the quarter's resources and benchmarks back from the store, for reports.

Budget lines: one per line of the plan's Budget sheet, as stored by the quarter's collect (with the
status and rule it was judged by, so a past quarter is never re-judged when the plan changes); a
line not collected yet is shown from the plan, with no spend (Report later). A plan without a
Budget sheet has none.

Benchmarks: for each measure of the plan, the comparators of the latest year imported that is not
after the quarter's year (the LGBF publishes a year or two behind), as imported.
"""

from __future__ import annotations

from sqlalchemy import select

from xlplan.periods import FinancialYear, Period
from xlplan.plan import Plan
from xlplan.plan.budget import judge
from xlplan.status import Status
from xlplan.store import schema as store
from xlplan.store.results import Benchmark, BudgetRestatement, BudgetResult, Source
from xlplan.store.schema import benchmarks, budget_lines, budget_restatements
from xlplan.values import Unit


def budget_results(conn, plan: Plan, period: Period) -> list[BudgetResult]:
    """The plan's budget lines for `period` (plan order), as stored or, not collected yet, from the plan."""
    if plan.budget is None:
        return []
    stored = {}
    if conn is not None and conn.dialect.has_table(conn, budget_lines.name):
        for r in conn.execute(select(budget_lines).where(budget_lines.c.period == period.id)):
            r = store.BudgetRow(*r)
            stored[(r.service, r.line)] = r
    found = []
    for line in plan.budget.lines:
        r = stored.get((line.service, line.line))
        if r is None:
            v = judge(line, period.quarter, None, None, plan.budget.tolerance)
            found.append(BudgetResult(line.service, line.line, line.kind, line.fte, line.expenditure, line.income,
                                      line.net, line.budget, line.profile_text(), v.profiled, None, None, None, None,
                                      v.status, v.reason))
            continue
        source = Source(r.source_file, r.source_sha256 or "", r.source_sheet or "", r.source_cell or "") \
            if r.source_file else None
        found.append(BudgetResult(r.service, r.line, r.kind, r.fte, r.expenditure, r.income, r.net, r.budget,
                                  r.profile, r.profiled, r.spend, r.forecast, r.variance, r.forecast_variance,
                                  Status(r.status), r.reason, r.comment, bool(r.in_error), source))
    return found


def benchmark_results(conn, plan: Plan, period: Period) -> dict[str, Benchmark]:
    """Code → the latest comparators of each measure, of a year not after `period`'s."""
    if conn is None or not conn.dialect.has_table(conn, benchmarks.name):
        return {}
    units = {m.code: m.unit for m in plan.measures}
    latest: dict[str, tuple[FinancialYear, store.BenchmarkRow]] = {}
    for r in conn.execute(select(benchmarks)):
        r = store.BenchmarkRow(*r)
        if r.code not in units:
            continue
        try:
            year = FinancialYear.parse(r.year)
        except ValueError:
            continue
        if year > period.year:
            continue
        if r.code not in latest or latest[r.code][0] < year:
            latest[r.code] = (year, r)
    fig = store.figure_from_json
    return {code: Benchmark(code, r.year, units[code] if r.unit == units[code].value else Unit(r.unit),
                            fig(r.council), fig(r.scotland), fig(r.family), fig(r.best), r.rank, r.rank_of, r.file,
                            r.row)
            for code, (_, r) in latest.items()}


# --- last quarter's spend corrected --------------------------------------------------------------


def _reading(db_url: str):
    from xlplan.store.restated import _reading as reading
    return reading(db_url)


def reported_spend(conn, period: Period) -> dict[tuple[str, str], tuple[float | None, str, float | None]]:
    """(service, line) → (latest spend, stored rule JSON, the spend as first reported) of the quarter
    before `period`: as its collect stored it, overlaid by corrections carried before `period`."""
    before = period.previous()
    found = {}
    if conn is None or not conn.dialect.has_table(conn, budget_lines.name):
        return found
    for r in conn.execute(select(budget_lines).where(budget_lines.c.period == before.id)):
        r = store.BudgetRow(*r)
        found[(r.service, r.line)] = (r.spend, r.rule, r.spend)
    if conn.dialect.has_table(conn, budget_restatements.name):
        rows = conn.execute(select(budget_restatements).where(
            (budget_restatements.c.restated_period == before.id) & (budget_restatements.c.period < period.id))
            .order_by(budget_restatements.c.period, budget_restatements.c.collected))
        for r in rows:
            r = store.BudgetRestatementRow(*r)
            was = found.get((r.service, r.line))
            found[(r.service, r.line)] = (r.spend, was[1] if was else "", was[2] if was else None)
    return found


def reported_spend_at(db_url: str, period: Period) -> dict[tuple[str, str], tuple[float | None, str, float | None]]:
    """`reported_spend` from the store at `db_url` ({} when there is none yet)."""
    with _reading(db_url) as conn:
        return reported_spend(conn, period)


def budget_offers(db_url: str, plan: Plan, period: Period) -> dict[tuple[str, str], float]:
    """(service, line) → last quarter's spend as the store holds it (latest version), for a return
    template's Budget sheet to offer for correction; {} for Q1 or when nothing was stored."""
    if plan.budget is None or period.quarter == 1:
        return {}
    with _reading(db_url) as conn:
        spend = reported_spend(conn, period)
    lines = {(b.service, b.line) for b in plan.budget.lines}
    return {k: v[0] for k, v in spend.items() if k in lines and v[0] is not None}


def budget_restatement_results(conn, plan: Plan, period: Period) -> list[BudgetRestatement]:
    """The corrections of last quarter's spend this quarter's returns carried, in plan order."""
    if plan.budget is None or conn is None or not conn.dialect.has_table(conn, budget_restatements.name):
        return []
    order = {(b.service, b.line): i for i, b in enumerate(plan.budget.lines)}
    rows = [store.BudgetRestatementRow(*r) for r in conn.execute(
        select(budget_restatements).where(budget_restatements.c.period == period.id))]
    rows.sort(key=lambda r: order.get((r.service, r.line), len(order)))
    return [BudgetRestatement(r.service, r.line, r.manager, r.restated_period,
                              f"Q{Period.parse(r.restated_period).quarter}", r.reported, r.spend, Status(r.status),
                              r.reason, r.collected, Source(r.source_file, r.source_sha256, r.source_sheet,
                                                            r.source_cell)) for r in rows]
