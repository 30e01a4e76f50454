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
@friendly_errors
def demo(folder: Path | None) -> None:
    """Run the whole quarterly loop on the example plan: templates, emails drafted, returns filled
    as managers would, collect, and the committee report — for 2023-24 Q1 and Q2. Ends with the
    paths of everything it produced."""
    out = console()
    produced = run_demo(folder, say=lambda text: out.print(text, markup=False))
    out.print("\n[bold]Produced[/]")
    for kind, paths in produced.items():
        out.print(f"[bold]{kind}[/]")
        for p in paths:
            out.print(f"  {p}", markup=False)


COMMANDS = [demo]
