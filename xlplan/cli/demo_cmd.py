"""`xlplan demo`: the whole quarterly loop on the example plan in a scratch folder."""

from __future__ import annotations

from pathlib import Path

import click

from xlplan.demo import run_demo
from xlplan.cli.common import friendly_errors
from xlplan.cli.render import console


@click.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to run in (default: a new temporary folder).")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="An empty store to run in, e.g. a new PostgreSQL database (default: a new SQLite file in "
                   "the folder). XLPLAN_DB is not used: the demo never writes into your store.")
@friendly_errors
def demo(folder: Path | None, db_url: str | None) -> None:
    """Run the whole quarterly loop on the example plan: for each quarter of 2023-24 the templates,
    emails drafted, returns filled as managers would, collect, and the committee report (Q1 signed
    off); then the annual report and next year's plan. Ends with the paths of everything it
    produced."""
    out = console()
    produced = run_demo(folder, say=lambda text: out.print(text, markup=False), db_url=db_url)
    out.print("\n[bold]Produced[/]")
    for kind, paths in produced.items():
        out.print(f"[bold]{kind}[/]")
        for p in paths:
            out.print(f"  {p}", markup=False)


COMMANDS = [demo]
