"""`xlplan check`: lint the plan workbook."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..plan import load_plan
from .common import DEFAULT_PLAN
from .render import console, issues_table


@click.command()
@click.argument("plan_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PLAN,
                required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
def check(plan_path: Path, as_json: bool) -> None:
    """Check the plan workbook PLAN_PATH (default workbooks/plan.xlsx).

    Lists every problem with its sheet, row and cell; exits 1 when there are errors.
    """
    plan, report = load_plan(plan_path)
    if as_json:
        click.echo(json.dumps({"valid": report.valid, "issues": [i.to_dict() for i in report]}, indent=2))
        raise SystemExit(int(not report.valid))
    out = console()
    if report.issues:
        out.print(issues_table(report, title=f"Problems in {plan_path}"))
    if plan is not None and report.valid:
        out.print(f"[green]OK[/]: {plan_path} — {len(plan.themes)} themes, {len(plan.services)} services, "
                  f"{len(plan.measures)} measures, {len(plan.actions)} actions"
                  + (f", {len(report.warnings)} warnings" if report.warnings else ""))
    else:
        out.print(f"[red]{len(report.errors)} errors[/] and {len(report.warnings)} warnings in {plan_path}")
    raise SystemExit(int(not report.valid))


COMMANDS = [check]
