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
from xlplan.store.results import Benchmark, BudgetResult, Source
from xlplan.store.schema import benchmarks, budget_lines
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
