"""Console output shared by commands: issue tables and summaries (rich, plain when not a terminal)."""

from __future__ import annotations

from typing import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from xlplan.errors import Issue, Severity

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


def console(stderr: bool = False) -> Console:
    """A console that wraps to the terminal, or to 120 columns when output is captured."""
    import sys
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else 120
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def issues_table(issues: Iterable[Issue], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("Severity")
    table.add_column("Where", overflow="fold")
    table.add_column("Problem", overflow="fold")
    table.add_column("Code", style="dim")
    for i in issues:
        # text from workbooks is data: escaped so that "[bold]" in a comment is never rich markup
        table.add_row(f"[{_STYLE[i.severity]}]{i.severity.value}[/]", escape(i.location or "-"),
                      escape(i.message) + (f"\n[dim]{escape(i.hint)}[/]" if i.hint else ""), i.code)
    return table


def issue_lines(issues: Iterable[Issue]) -> list[str]:
    """One plain line per issue: `location: severity: message [code]`."""
    return [str(i) for i in issues]
