"""`xlplan upgrade-store`: bring a store written by an earlier xlplan to today's schema."""

from __future__ import annotations

import click

from xlplan.cli.common import db_option, friendly_errors
from xlplan.cli.render import console


@click.command("upgrade-store")
@db_option
@friendly_errors
def upgrade_store(db_url: str) -> None:
    """Upgrade the store at --db to the schema this xlplan writes, keeping every stored row.

    Run it once after installing a newer xlplan, when a command says the store was written by an
    earlier one. It is safe to run again: a store that is already current is left alone. Back up a
    shared PostgreSQL store first, as for any schema change.
    """
    from xlplan.store import upgrade_store as upgrade
    done = upgrade(db_url)
    console().print(done.sentence(db_url))


COMMANDS = [upgrade_store]
