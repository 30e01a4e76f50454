"""`xlplan import`: store a quarter's figures from a system extract (CSV or xlsx)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from xlplan.cli.common import db_option, friendly_errors, period_option, plan_option
from xlplan.cli.render import console

LIST_ALL_UP_TO = 40     # figures listed one by one; above this only counted


@click.command("import")
@plan_option
@period_option
@db_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--override", is_flag=True,
              help="Also store figures for measures the plan has reported in a return (no Source); they then "
                   "replace the returned figure for the quarter, and a later collect keeps them.")
@friendly_errors
def import_(plan_path: Path, period, db_url: str, file: Path, override: bool) -> None:
    """Store FILE's figures for the quarter: an extract from a system, as CSV (any common encoding;
    comma, semicolon, tab or pipe) or an .xlsx workbook.

    Columns are found by header: Code and Value, optional Period (or Quarter), Comment and Source.
    Every figure is read by its measure's unit exactly as a return's is; a bad row is listed with
    its row number and left out. Exits 0 when every row for the quarter was stored, 1 when any was
    left out, 2 for a usage problem (no such file, no Code or Value column).
    """
    from xlplan.collect import import_extract
    if not file.exists():
        raise click.UsageError(f"There is no file {file}.")
    result = import_extract(plan_path, period, file, db_url, override=override)
    render(result, console())
    raise SystemExit(result.exit_code)


def render(result, out) -> None:
    """What was read, what was stored, and every row left out with why."""
    ex = result.extract
    out.print(escape(f"Read {ex.name} ({ex.kind}, {ex.how}; header row {ex.header_row}: "
                     + ", ".join(ex.columns.values()) + f"): {len(ex.rows)} rows."))
    if ex.ignored:
        out.print(escape("Columns not used: " + ", ".join(ex.ignored) + "."))
    if result.stored and len(result.stored) <= LIST_ALL_UP_TO:
        table = Table(title=escape(f"Stored for {result.period.id}"))
        for column in ("Code", "Row", "Figure", "Status"):
            table.add_column(column, overflow="fold")
        for code, (row, shown, status) in result.stored.items():
            table.add_row(escape(code), str(row), escape(shown), escape(status))
        out.print(table)
    n = len(result.stored)
    out.print(f"[green]Stored {n} figure{'' if n == 1 else 's'}[/] for {result.period.id} from "
              + escape(f"{ex.name} (sha256 {ex.sha256[:12]}…)") + ".")
    for label, notes, style in (("Left out", result.left_out, "bold red"),
                                ("Other quarters, skipped", result.other_periods, "dim")):
        if notes:
            out.print(f"[{style}]{label}[/] ({len(notes)}):")
            for n in notes:
                out.print("  " + escape(n.text))
    read_as = [n for n in result.notes if n.kind == "read as"]
    for n in read_as:
        out.print("  [dim]" + escape(n.text) + "[/]")
    if result.exit_code:
        bad = len(result.left_out)
        out.print(f"[red]Needs attention[/]: {bad} row{'' if bad == 1 else 's'} left out; correct them in the extract "
                  f"and import it again (the figures stored stay as they are until then).")


COMMANDS = [import_]
