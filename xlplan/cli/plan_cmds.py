"""`xlplan init` (write a starter plan) and `xlplan check` (lint the plan workbook)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from xlplan.periods import FinancialYear
from xlplan.plan import load_plan
from xlplan.plan import write_starter
from xlplan.cli.common import DEFAULT_PLAN, WORKBOOKS, friendly_errors
from xlplan.cli.render import console, issues_table


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
                  + (f", {len(plan.risks)} risks" if plan.risks else "")
                  + (f", {_count(plan.budget.lines, 'budget line')}" if plan.budget is not None else "")
                  + (f", {_count(report.warnings, 'warning')}" if report.warnings else ""))
    else:
        out.print(f"[red]{_count(report.errors, 'error')}[/] and {_count(report.warnings, 'warning')} in {plan_path}")
    raise SystemExit(int(not report.valid))


def _count(items: list, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


class YearType(click.ParamType):
    name = "year"

    def convert(self, value, param, ctx):
        try:
            return value if isinstance(value, FinancialYear) else FinancialYear.parse(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=WORKBOOKS, required=False)
@click.option("--year", type=YearType(), default=None,
              help="The plan's financial year, e.g. 2024-25 (default: the current one).")
@click.option("--force", is_flag=True, help="Replace an existing plan.xlsx in FOLDER.")
@click.option("--risks", is_flag=True, help="Add a Risks sheet (the optional risk register) with example rows.")
@friendly_errors
def init(folder: Path, year: FinancialYear | None, force: bool, risks: bool) -> None:
    """Write a starter plan workbook, FOLDER/plan.xlsx (default workbooks/plan.xlsx).

    Every sheet and setting is there, each column has a note saying what it holds, columns that take
    fixed words have dropdowns, and a few example rows show how to fill it in. Replace them with
    your own, then run `xlplan check`.
    """
    path = write_starter(folder, year=year, force=force, risks=risks)
    click.echo(f"Wrote {path}: a starter plan with example rows on each sheet.")
    click.echo(f"Next: open it in Excel, replace the example rows with your plan, then run "
               f"`xlplan check {path}`.")


COMMANDS = [init, check]
