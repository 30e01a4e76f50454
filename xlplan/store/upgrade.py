"""`xlplan upgrade-store`: bring a store written by an earlier xlplan to today's schema with
Alembic, keeping every row.

The one place that imports Alembic (about a third of a second of import, which collect and the
reports never pay): they only compare the store's recorded revision with SCHEMA_HEAD (schema.py).
The upgrade runs in one transaction under the store's write lock, so a collect cannot write
half-way through it and a failure leaves the store as it was (PostgreSQL and SQLite both run
DDL inside a transaction).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from xlplan.errors import XlplanError
from xlplan.store.schema import (BEFORE_ALEMBIC, NEW_STORE, SCHEMA_HEAD, SCHEMA_REVISIONS, alembic_version,
                                 engine, metadata, outdated, store_revision, transaction)
from xlplan.store.paths import shown_url, sqlite_path

SCRIPTS = Path(__file__).with_name("migrations")
BASELINE = SCHEMA_REVISIONS[0]


class Upgrade(NamedTuple):
    before: str          # the store's revision before: NEW_STORE, BEFORE_ALEMBIC, or a revision id
    after: str           # SCHEMA_HEAD
    applied: list[str]   # the revisions run, oldest first ([] when the store was already current)

    def sentence(self, db_url: str) -> str:
        if self.before == NEW_STORE:
            return f"There was no store at {shown_url(db_url)}; it was created at schema {self.after}."
        if not self.applied:
            return f"The store {shown_url(db_url)} is already at schema {self.after}; nothing to do."
        shown = "from before schema revisions" if self.before == BEFORE_ALEMBIC else f"at schema {self.before}"
        return (f"The store {shown_url(db_url)} was {shown}; it is now at schema {self.after} "
                f"(applied {', '.join(self.applied)}). Every stored row was kept.")


def upgrade_store(db_url: str, to: str = SCHEMA_HEAD) -> Upgrade:
    """Upgrade the store at `db_url` to revision `to` (today's schema by default). A store written
    before revisions were recorded is stamped with the baseline first; a database with none of the
    store's tables gets today's schema at once."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.config import Config

    path = sqlite_path(db_url)
    if path is not None and not path.exists():
        eng = engine(db_url)                           # a new store, created at SCHEMA_HEAD
        eng.dispose()
        return Upgrade(NEW_STORE, SCHEMA_HEAD, [])
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    scripts = ScriptDirectory.from_config(config)
    eng = engine(db_url, create=False, check=False)
    try:
        with transaction(eng, db_url) as conn:
            before = store_revision(conn)
            if before == NEW_STORE:
                metadata.create_all(conn)
                alembic_version.create(conn)
                conn.execute(alembic_version.insert().values(version_num=SCHEMA_HEAD))
                return Upgrade(NEW_STORE, SCHEMA_HEAD, [])
            if before and before not in SCHEMA_REVISIONS:
                raise outdated(db_url, before)
            start = before or None
            applied = [s.revision for s in reversed(list(scripts.iterate_revisions(to, start)))]
            config.attributes["connection"] = conn
            if before == BEFORE_ALEMBIC:
                context = MigrationContext.configure(conn)
                context.stamp(scripts, BASELINE)
                applied = [r for r in applied if r != BASELINE]
            from alembic import command
            command.upgrade(config, to)
            after = store_revision(conn)
    finally:
        eng.dispose()
    if after != to:
        raise XlplanError(f"The store {shown_url(db_url)} did not reach schema {to} (it is at {after}); nothing was kept.")
    return Upgrade(before, after, applied)


def script_heads() -> list[str]:
    """The head revision(s) of the migration scripts (one, unless two branches were not chained)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return list(ScriptDirectory.from_config(config).get_heads())


def script_chain() -> list[str]:
    """Every revision of the migration scripts, oldest first."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return [s.revision for s in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]
