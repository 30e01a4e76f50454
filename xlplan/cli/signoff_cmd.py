"""`xlplan signoff` and `xlplan reopen`: approve a quarter's figures (locking them), or reopen it
with a recorded reason."""

from __future__ import annotations

import getpass

import click
from rich.markup import escape

from xlplan.cli.common import db_option, friendly_errors, period_option
from xlplan.cli.render import console


@click.command()
@period_option
@click.option("--by", "by", default=None, help="Who approved the figures, e.g. \"J. Smith, Head of Service\".")
@click.option("--history", "show_history", is_flag=True, help="List the quarter's sign-offs and reopenings; change nothing.")
@db_option
@friendly_errors
def signoff(period, by: str | None, show_history: bool, db_url: str) -> None:
    """Record that the quarter's figures were approved, and lock them.

    Stores who, when and a fingerprint of everything stored for the quarter. From then on a collect
    for it archives and lists new returns as arrived after sign-off and changes nothing, until
    `xlplan reopen`. The quarter's Word report says it was signed off.
    """
    from xlplan import store
    out = console()
    if show_history:
        events = store.signoff_history(db_url, period.id)
        if not events:
            out.print(f"{period.id} has never been signed off.")
        for e in events:
            out.print(escape(e.line()))
        return
    if not by:
        raise click.UsageError("Say who approved the figures: --by NAME.")
    done = store.sign_off(db_url, period.id, by)
    out.print(f"[green]{escape(period.id)} signed off[/]: {escape(done.line())}.")
    out.print(f"Its figures are locked: a later collect for {escape(period.id)} archives and lists new returns "
              f"and changes nothing until `xlplan reopen --period {escape(period.id)} --reason \"…\"`.")


@click.command()
@period_option
@click.option("--reason", required=True, help="Why the quarter is reopened (recorded with its sign-off).")
@click.option("--by", "by", default=None, help="Who is reopening it [default: your login name].")
@db_option
@friendly_errors
def reopen(period, reason: str, by: str | None, db_url: str) -> None:
    """Reopen a signed-off quarter so its returns can be collected again (the reason is recorded).

    Returns that arrived after sign-off are then used by the next collect; sign the quarter off
    again once its figures are approved.
    """
    from xlplan import store
    done = store.reopen(db_url, period.id, reason, by or _login())
    console().print(f"[dark_orange]{escape(period.id)} reopened[/]: {escape(done.line())}. "
                    f"Collect it again, then `xlplan signoff --period {escape(period.id)} --by NAME`.")


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:       # no login name (a service account without one): --by is then needed
        return ""


COMMANDS = [signoff, reopen]
