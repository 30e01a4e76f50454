"""Store upgrades: a store written before schema revisions (a real one, made by commit 21338e5)
upgrades to today's schema with every row kept, on SQLite and PostgreSQL; the upgraded schema is
the one a new store gets; commands refuse an old store, naming `xlplan upgrade-store`; and the
migration scripts are the chain schema.py expects."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, inspect, select

from quarter import Q2, run, two_good_returns
from xlplan import store
from xlplan.errors import XlplanError
from xlplan.periods import Period
from xlplan.store import schema
from xlplan.store.upgrade import BASELINE, SCRIPTS, script_chain, script_heads, upgrade_store

pytest.importorskip("alembic")

OLD_STORE = Path(__file__).with_name("fixtures") / "store-21338e5.sqlite"
OLD_TABLES = ["plans", "returns", "measure_values", "action_updates", "issues", "history", "history_plan",
              "mail_log"]


def old_rows() -> dict[str, list[tuple]]:
    """Every row of every table of the fixture, in a fixed order, read with the sqlite3 module
    (nothing of xlplan's in the way)."""
    conn = sqlite3.connect(OLD_STORE)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert sorted(tables) == sorted(OLD_TABLES)
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        conn.close()


def old_columns(table: str) -> list[str]:
    """The fixture's columns of `table`, in its order (later revisions add columns after them)."""
    conn = sqlite3.connect(OLD_STORE)
    try:
        return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
    finally:
        conn.close()


def rows_of(db_url: str, tables=OLD_TABLES) -> dict[str, list[tuple]]:
    """The rows of `tables` at `db_url`, in the old store's columns only."""
    eng = create_engine(db_url)
    try:
        meta = MetaData()
        meta.reflect(eng, only=tables)
        with eng.connect() as conn:
            found = {}
            for t in tables:
                table = meta.tables[t]
                rows = conn.execute(select(*(table.c[c] for c in old_columns(t)))).all()
                found[t] = sorted((tuple(_plain(v) for v in r) for r in rows), key=repr)
            return found
    finally:
        eng.dispose()


def _plain(value):
    """A value as sqlite3 gives it back: datetimes as SQLite stores them, booleans as 0/1."""
    from datetime import datetime
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    return value


def shape(db_url: str) -> dict[str, list[tuple]]:
    """Each table's columns (name, type, nullable, in the key) as the database reports them."""
    eng = create_engine(db_url)
    try:
        with eng.connect() as conn:
            found = {}
            for t in sorted(inspect(conn).get_table_names()):
                keys = inspect(conn).get_pk_constraint(t)["constrained_columns"]
                found[t] = [(c["name"], str(c["type"]), bool(c["nullable"]) and c["name"] not in keys,
                             c["name"] in keys) for c in inspect(conn).get_columns(t)]
            return found
    finally:
        eng.dispose()


def revision_of(db_url: str) -> str:
    eng = create_engine(db_url)
    try:
        with eng.connect() as conn:
            return schema.store_revision(conn)
    finally:
        eng.dispose()


def old_store_on(db_url: str) -> None:
    """Make the database at `db_url` hold the fixture's store as the old version would have:
    the baseline revision's tables (laid out by Alembic, then its record of that removed, as
    stores were before revisions), every row of the fixture copied in."""
    from alembic import command
    from alembic.config import Config
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    eng = create_engine(db_url)
    try:
        with eng.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, BASELINE)
            schema.alembic_version.drop(conn)
            meta = MetaData()
            meta.reflect(conn, only=OLD_TABLES)
            source = sqlite3.connect(OLD_STORE)
            source.row_factory = sqlite3.Row
            for name in OLD_TABLES:
                table = meta.tables[name]
                rows = [dict(r) for r in source.execute(f'SELECT * FROM "{name}"')]
                for row in rows:
                    for col in table.columns:
                        if row[col.name] is not None and col.type.python_type.__name__ == "datetime":
                            from datetime import datetime
                            row[col.name] = datetime.fromisoformat(row[col.name])
                        elif row[col.name] is not None and col.type.python_type is bool:
                            row[col.name] = bool(row[col.name])
                if rows:
                    conn.execute(table.insert(), rows)
            source.close()
    finally:
        eng.dispose()


def test_the_migration_scripts_are_the_chain_the_schema_expects():
    assert script_chain() == list(schema.SCHEMA_REVISIONS)
    assert script_heads() == [schema.SCHEMA_HEAD]


def test_a_real_old_store_upgrades_keeping_every_row(tmp_path):
    copy = tmp_path / "xlplan.db"
    shutil.copy(OLD_STORE, copy)
    url = f"sqlite:///{copy}"
    before = old_rows()
    assert revision_of(url) == schema.BEFORE_ALEMBIC
    done = upgrade_store(url)
    assert (done.before, done.after) == (schema.BEFORE_ALEMBIC, schema.SCHEMA_HEAD)
    assert done.applied == list(schema.SCHEMA_REVISIONS[1:])
    assert "Every stored row was kept" in done.sentence(url)
    assert revision_of(url) == schema.SCHEMA_HEAD
    conn = sqlite3.connect(copy)
    after = {t: sorted(conn.execute(f'SELECT {", ".join(old_columns(t))} FROM "{t}"').fetchall(), key=repr)
             for t in OLD_TABLES}
    assert after == before
    assert sum(len(v) for v in after.values()) > 200        # the fixture is a real quarter's store
    conn.close()
    again = upgrade_store(url)                               # a second run changes nothing
    assert again.applied == [] and "already" in again.sentence(url)


def test_an_upgraded_store_has_the_schema_a_new_store_gets(tmp_path, db_url, request):
    server = None if db_url.startswith("sqlite") else request.getfixturevalue("postgres_server")
    fresh = f"sqlite:///{tmp_path}/fresh.db" if server is None else server.database()
    try:
        store.engine(fresh).dispose()
        old_store_on(db_url)
        before = rows_of(db_url)
        upgrade_store(db_url)
        assert rows_of(db_url) == before
        upgraded = shape(db_url)
        upgraded.pop("mail_log")                             # xlplan.mail's own table, made on first use
        assert upgraded == shape(fresh)
    finally:
        if server is not None:
            server.drop(fresh)


def test_commands_refuse_an_old_store_and_name_the_upgrade(tmp_path):
    copy = tmp_path / "old" / "xlplan.db"
    copy.parent.mkdir()
    shutil.copy(OLD_STORE, copy)
    url = f"sqlite:///{copy}"
    data = copy.read_bytes()
    two_good_returns(tmp_path / "quarter")
    with pytest.raises(XlplanError, match=r"earlier xlplan.*xlplan upgrade-store --db sqlite:///"):
        run(tmp_path / "quarter", db=url)
    assert copy.read_bytes() == data                          # nothing written
    with pytest.raises(XlplanError, match="upgrade-store"):
        store.previous_comments(url, "2023-24-Q1")            # a reading command is told too
    upgrade_store(url)
    result = run(tmp_path / "quarter", db=url)
    assert [r.outcome for r in result.records] == ["accepted", "accepted"]   # collect works once upgraded
    q1 = rows_of(url, ["measure_values"])["measure_values"]
    assert {r[0] for r in q1} >= {"2023-24-Q1", Q2.id}
    assert len([r for r in q1 if r[0] == "2023-24-Q1"]) == len(
        [r for r in old_rows()["measure_values"] if r[0] == "2023-24-Q1"]) > 0   # the old store's Q1 is kept


def test_a_store_from_a_newer_xlplan_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path}/xlplan.db"
    store.engine(url).dispose()
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(schema.alembic_version.update().values(version_num="9999_future"))
    eng.dispose()
    with pytest.raises(XlplanError, match="newer xlplan"):
        store.engine(url)
    with pytest.raises(XlplanError, match="newer xlplan"):
        upgrade_store(url)


def test_a_new_store_is_made_at_todays_revision(tmp_path, db_url):
    store.engine(db_url).dispose()
    assert revision_of(db_url) == schema.SCHEMA_HEAD
    assert upgrade_store(db_url).applied == []
