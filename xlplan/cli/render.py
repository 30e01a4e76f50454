"""Console output shared by commands: issue tables and summaries (rich, plain when not a terminal)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

from rich.console import Console
from rich.table import Table
from rich.text import Text

from xlplan.errors import Issue, Severity
from xlplan.progress import Progress

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


def console(stderr: bool = False) -> Console:
    """A console that wraps to the terminal, or when output is captured (a pipe, a file) to COLUMNS
    where that is set to a width, else 120 columns. No emoji codes: a file name or comment from a
    return saying ":fire:" is printed as typed."""
    import os
    import sys
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else _captured_width(os.environ.get("COLUMNS", ""))
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width, emoji=False)


def _captured_width(columns: str) -> int:
    """The width of captured output: COLUMNS when it is a whole number of at least 40, else 120."""
    return int(columns) if columns.strip().isdigit() and int(columns) >= 40 else 120


@contextmanager
def progress_bar(err: Console, label: str) -> Iterator[Progress | None]:
    """A progress bar headed `label` on the terminal `err`, and the callback that moves it
    (`progress(done, total, name)`); None when `err` is not a terminal (a captured or scheduled
    run has no bar, and never loads rich's progress machinery)."""
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn
    # the name (a file's, a service's) is data: shown as typed, never read as markup
    with Bar(TextColumn(label, markup=False), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}", markup=False), console=err, transient=True) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=name[:40])

        yield progress


def working(err: Console, what: str):
    """A spinner saying `what` is being done, on the terminal `err` (nothing when output is
    captured): a context manager."""
    from contextlib import nullcontext
    return err.status(Text(what), spinner="dots") if err.is_terminal else nullcontext()


def issues_table(issues: Iterable[Issue], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("Severity")
    table.add_column("Where", overflow="fold")
    table.add_column("Problem", overflow="fold")
    table.add_column("Code", style="dim")
    for i in issues:
        # text from workbooks is data: given as Text, never parsed, so "[bold]" or ":thumbs_up:" in a
        # comment is shown as typed (not as markup or an emoji); and unparsed text draws faster
        problem = Text(i.message)
        if i.hint:
            problem.append("\n" + i.hint, "dim")
        table.add_row(Text(i.severity.value, _STYLE[i.severity]), Text(i.location or "-"), problem, Text(i.code))
    return table


def issue_lines(issues: Iterable[Issue]) -> list[str]:
    """One plain line per issue: `location: severity: message [code]`."""
    return [str(i) for i in issues]
