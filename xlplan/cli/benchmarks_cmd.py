"""`xlplan benchmarks import FILE --year 2022-23`: comparator figures for the plan's measures."""

from __future__ import annotations

from pathlib import Path

import click

from xlplan.cli.common import db_option, friendly_errors, plan_option
from xlplan.cli.render import console


@click.group("benchmarks")
def benchmarks() -> None:
    """Comparator figures (LGBF: Scottish average, family group average, best in class, rank).

    \b
    xlplan benchmarks import FILE --year 2022-23   read a CSV or xlsx download into the store
    """


@benchmarks.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", required=True, help="The financial year the figures are for, e.g. 2022-23.")
@plan_option
@db_option
@friendly_errors
def import_cmd(file: Path, year: str, plan_path: Path, db_url: str) -> None:
    """Import benchmark figures from FILE (a CSV or xlsx download) for --year.

    Columns are found by their headers in any case and order: Code (or Indicator code), Scottish
    average, Family group average, Best in class, Rank, and optionally Value (the council's own
    figure) and Year. Each row is matched to a plan measure by its Code, or a code in the measure's
    Links; every row that matches none is listed. Figures are read in the measure's unit. Exit 1
    if a figure could not be read (the other rows are still imported).
    """
    from xlplan.benchmarks import import_benchmarks
    from xlplan.errors import XlplanError
    from xlplan.periods import FinancialYear
    from xlplan.plan import read_plan
    try:
        fy = FinancialYear.parse(year)
    except ValueError as e:
        raise XlplanError(f"--year {year}: {e}") from None
    plan = read_plan(plan_path)
    result = import_benchmarks(file, plan, fy, db_url)
    out = console()
    how = ", ".join(x for x in (result.encoding, f"separated by {result.separator!r}" if result.separator else "")
                    if x)
    out.print(f"{file.name}{f' ({how})' if how else ''}: {len(result.stored)} measure"
              f"{'s' if len(result.stored) != 1 else ''} imported for {fy.slash}"
              + (f"; {result.other_years} row(s) of other years left out" if result.other_years else ""))
    if result.columns:
        out.print("Columns: " + "; ".join(f"{k} = '{v}'" for k, v in result.columns.items()), markup=False,
                  highlight=False)
    if result.unmatched:
        out.print(f"{len(result.unmatched)} row(s) match no measure of the plan:", markup=False, highlight=False)
        for row, code in result.unmatched:
            out.print(f"  row {row}: {code}", markup=False, highlight=False)
    for i in result.report.errors:
        out.print(str(i), markup=False, highlight=False)
    raise SystemExit(result.exit_code)


COMMANDS = [benchmarks]
