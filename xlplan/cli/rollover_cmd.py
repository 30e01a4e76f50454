"""`xlplan rollover`: next year's plan workbook from this year's plan and the year's outturns."""

from __future__ import annotations

from pathlib import Path

import click

from xlplan.periods import FinancialYear
from xlplan.cli.common import UsageProblem, db_option, friendly_errors, plan_option
from xlplan.cli.plan_cmds import YearType
from xlplan.cli.render import console
from xlplan.store import shown_url


@click.command()
@click.option("--to", "to_year", type=YearType(), required=True, help="The new plan's financial year, e.g. 2024-25.")
@plan_option
@db_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the new plan (default: 'plan <year>.xlsx' beside the plan).")
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
@friendly_errors
def rollover(to_year, plan_path: Path, db_url: str, out_path: Path | None, force: bool) -> None:
    """Write next year's plan workbook (--to 2024-25) from the plan and its year's outturns.

    Each measure's outturn (from the store: `xlplan report --year` shows how each is worked out)
    becomes a history column headed by the old year; the old year's target is kept in its own
    Target column; Target becomes the new year's from the plan's Target 2024/25 column, and is left
    blank for you to set where the plan has none (`xlplan check` names each such cell). Actions
    complete by the year end move to a Closed actions sheet; open ones are carried with their
    latest status and progress. A Budget sheet is carried as it is, for the new year's budget to be
    typed in. The plan you give and the store are not changed.
    """
    from xlplan.plan import read_plan, roll_over
    from xlplan.periods import Period
    from xlplan.store import load_year, risks_before
    plan = read_plan(plan_path)
    if plan.year is None:
        raise UsageProblem(f"{plan_path} has no Year setting, so the year to roll over from is not known.")
    if to_year != _following(plan.year):
        raise UsageProblem(f"{plan_path} is the plan for {plan.year.label}: it rolls over to "
                           f"{_following(plan.year).label}, not {to_year.label}.")
    out = out_path or plan_path.with_name(f"plan {to_year.label}.xlsx")
    if out.resolve() == plan_path.resolve():
        raise UsageProblem(f"--out is the plan itself ({plan_path}); the old year's plan is kept: give another file.")
    if out.exists() and not force:
        raise UsageProblem(f"{out} exists already; give --force to replace it, or another --out.")
    year = load_year(db_url, plan, plan.year)
    updates = {a.ref: a for a in year.actions}     # each action's latest update of the year
    risks = risks_before(db_url, Period.parse(f"{to_year.label}-Q1")) if plan.risks else None   # the year's latest
    done = roll_over(plan_path, plan, to_year, year.outturns(), updates, out, risks)
    con = console()
    if not year.collected:
        con.print(f"[yellow]Nothing has been collected for {plan.year.label} in this store[/] ({shown_url(db_url)}): "
                  f"no outturns to write. Check --db.")
    elif 4 not in year.collected:
        con.print(f"[yellow]{plan.year.label} Q4 has not been collected[/]: outturns that need it are left blank; "
                  f"run `xlplan collect --period {plan.year.label}-Q4` and roll over again with --force.")
    con.print(f"Wrote {out}: the plan for {to_year.label}.")
    con.print(f"  {len(done.outturns)} outturns written to the {plan.year.slash} history column"
              + (f"; none for {', '.join(done.no_outturn)} (no outturn: see `xlplan report --year "
                 f"{plan.year.label}`)" if done.no_outturn else ""))
    con.print(f"  targets: {len(done.targets_set)} from Target {to_year.slash}, {len(done.targets_kept)} "
              f"directions kept (Increase/Reduce/Maintain), {len(done.targets_needed)} left blank for you to set")
    for code, was, now in done.profiles_reset:
        con.print(f"  {code}: the quarterly targets {was} were for {plan.year.slash}; its Profile is now {now}")
    con.print(f"  actions: {len(done.closed)} complete and closed (sheet Closed actions), {len(done.carried)} carried")
    if plan.risks:
        con.print(f"  risks: {len(done.risks_moved)} of {len(plan.risks)} start {to_year.slash} at their latest "
                  f"assessment (Likelihood and Impact on the Risks sheet)")
    if plan.budget is not None:
        lines = len(plan.budget.lines)
        con.print(f"[yellow]Budget[/]: {lines} line{'s' if lines != 1 else ''} carried with their {plan.year.slash} "
                  f"figures; put the {to_year.slash} budget on the Budget sheet before `xlplan templates`, or "
                  f"{to_year.slash}'s spend is judged against {plan.year.slash}'s budget.")
    if done.targets_needed:
        cells = ", ".join(f"{code} ({cell})" for code, cell in done.targets_needed[:12])
        more = f" and {len(done.targets_needed) - 12} more" if len(done.targets_needed) > 12 else ""
        con.print(f"[yellow]Set the {to_year.slash} targets[/] for {cells}{more} on the Measures sheet, then run "
                  f"`xlplan check \"{out}\"`.")
    else:
        con.print(f"Next: `xlplan check \"{out}\"`.")


def _following(year: FinancialYear) -> FinancialYear:
    return FinancialYear(year.start + 1)


COMMANDS = [rollover]
