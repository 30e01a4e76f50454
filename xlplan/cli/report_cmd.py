"""`xlplan report`: the Word committee report and the summary workbook for a quarter, from the store."""

from __future__ import annotations

from pathlib import Path

import click

from xlplan.plan import read_plan
from xlplan.cli.common import WORKBOOKS, db_option, friendly_errors, period_option, plan_option
from xlplan.cli.render import console


def default_out(period) -> Path:
    return WORKBOOKS / period.id / "reports"


@click.command()
@period_option
@plan_option
@db_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the report files (default: workbooks/<period>/reports).")
@click.option("--templates-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="A folder of your own report templates (report/*.txt.j2, report/reference.docx) to use "
                   "before ./templates and xlplan's defaults.")
@friendly_errors
def report(period, plan_path: Path, db_url: str, out_dir: Path | None, templates_dir: Path | None) -> None:
    """Write the Word committee report and the summary workbook for --period.

    The figures come from the store as `xlplan collect` left them; run collect first. The words of
    the cover report come from templates/report/*.txt.j2 and the plan's Settings sheet, which you
    can edit without touching code.
    """
    from xlplan.reports import write_reports
    from xlplan.store import load_results
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
    for p in paths:
        out.print(f"Wrote {p}")


COMMANDS = [report]
