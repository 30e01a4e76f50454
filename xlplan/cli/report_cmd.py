"""`xlplan report`: the Word committee report and the summary workbook for a quarter, from the store."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from xlplan.plan import read_plan
from xlplan.cli.common import PERIOD, WORKBOOKS, UsageProblem, db_option, friendly_errors, plan_option
from xlplan.cli.plan_cmds import YearType
from xlplan.cli.render import console, working


def default_out(period) -> Path:
    return WORKBOOKS / period.id / "reports"


@click.command()
@click.option("--period", type=PERIOD, default=None, help="The quarter, e.g. 2023-24-Q2.")
@click.option("--year", type=YearType(), default=None,
              help="Instead of --period: the financial year, e.g. 2023-24, for the annual performance report "
                   "(written to workbooks/<year>/reports).")
@plan_option
@db_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the report files (default: workbooks/<period>/reports).")
@click.option("--templates-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="A folder of your own report templates (report/*.txt.j2, report/reference.docx) to use "
                   "before ./templates and xlplan's defaults.")
@friendly_errors
def report(period, year, plan_path: Path, db_url: str, out_dir: Path | None, templates_dir: Path | None) -> None:
    """Write the Word committee report and the summary workbook for --period, or with --year the
    annual performance report and annual summary workbook for a financial year.

    The figures come from the store as `xlplan collect` left them; run collect first. The words of
    the cover report come from templates/report/*.txt.j2 and the plan's Settings sheet, which you
    can edit without touching code. The annual report gives every measure's four quarters, its
    outturn against the year's target, its trend on the history years and a chart per theme.
    """
    if (period is None) == (year is None):
        raise UsageProblem("Give --period (a quarter, e.g. 2023-24-Q2) or --year (e.g. 2023-24), not both"
                           if period else "Give --period (a quarter, e.g. 2023-24-Q2) or --year (e.g. 2023-24).")
    if year is not None:
        return _annual(year, plan_path, db_url, out_dir, templates_dir)
    from xlplan.reports import write_reports
    from xlplan.store import load_results
    with working(console(stderr=True), f"Writing the {period.label} report and summary workbook…"):
        plan = read_plan(plan_path)
        results = load_results(db_url, plan, period)
        paths = write_reports(results, out_dir or default_out(period), templates_dir=templates_dir)
    out = console()
    counts = results.measure_counts()
    summary = ", ".join(f"{n} {st.value}" for st, n in counts.items() if n)
    out.print(f"{period.label}: {len(results.measures)} measures ({summary or 'none'}), "
              f"{len(results.actions)} actions.")
    if not any(r.outcome == "accepted" for r in results.returns):
        out.print(f"[yellow]No returns have been collected for {period.id} yet[/], so every measure shows "
                  f"Report later. Run `xlplan collect --period {period.id}` first if returns are in.")
    elif results.missing_services:
        out.print(f"[yellow]Returns still awaited from[/]: {', '.join(results.missing_services)}")
    if results.signoff is not None:
        s = results.signoff
        out.print(f"{escape(s.line())}: the report is of the figures approved, dated at the sign-off."
                  + ("" if s.matches else " [bold red]The stored figures no longer match what was signed off[/]"
                                          " (the report says so)."))
    for p in paths:
        out.print(f"Wrote {p}")


def _annual(year, plan_path: Path, db_url: str, out_dir: Path | None, templates_dir: Path | None) -> None:
    from xlplan.reports import write_annual_reports
    from xlplan.store import load_year
    with working(console(stderr=True), f"Writing the {year.slash} annual report and summary workbook…"):
        plan = read_plan(plan_path)
        results = load_year(db_url, plan, year)
        paths = write_annual_reports(results, out_dir or WORKBOOKS / year.label / "reports",
                                     templates_dir=templates_dir)
    out = console()
    counts = results.status_counts()
    summary = ", ".join(f"{n} {st.value}" for st, n in counts.items() if n)
    out.print(f"{year.slash} outturns: {len(results.measures)} measures ({summary or 'none'}).")
    missing = [f"Q{q}" for q in (1, 2, 3, 4) if q not in results.collected]
    if missing:
        out.print(f"[yellow]Not collected for {year.label}[/]: {', '.join(missing)} — those figures show as "
                  "not collected and an outturn that needs them is not given.")
    if plan.year is not None and plan.year != year:
        out.print(f"[yellow]The plan is for {plan.year.label}[/]: names and order come from it, figures from "
                  f"what was stored for {year.label}.")
    for p in paths:
        out.print(f"Wrote {p}")


COMMANDS = [report]
