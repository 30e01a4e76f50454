"""The restatements table: its Alembic revision creates exactly the table the schema declares, and
a store from before restatements (no such table) still reads, with nothing restated."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from xlplan import store
from xlplan.periods import Period
from xlplan.store import restated

REVISION = Path(__file__).resolve().parents[2] / "xlplan/store/migrations/versions/0002_restatements.py"


def columns(conn, table: str) -> list[tuple]:
    found = inspect(conn).get_columns(table)
    keys = inspect(conn).get_pk_constraint(table)["constrained_columns"]
    return [(c["name"], str(c["type"]).split("(")[0], c["nullable"] and c["name"] not in keys, c["name"] in keys)
            for c in found]


def test_the_alembic_revision_creates_the_schemas_restatements_table(tmp_path, db_url):
    pytest.importorskip("alembic")
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    spec = importlib.util.spec_from_file_location("rev_0002", REVISION)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    assert (revision.revision, revision.down_revision) == ("0002_restatements", "0001_baseline")
    eng = create_engine(db_url)
    try:
        with eng.begin() as conn:
            with Operations.context(MigrationContext.configure(conn)):
                revision.upgrade()
            migrated = columns(conn, "restatements")
            store.restatements.drop(conn)
            store.restatements.create(conn)
            declared = columns(conn, "restatements")
            assert migrated == declared
            with Operations.context(MigrationContext.configure(conn)):
                revision.downgrade()
            assert not inspect(conn).has_table("restatements")
    finally:
        eng.dispose()


def test_a_store_without_the_table_reads_with_nothing_restated(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    eng = store.engine(db)
    with eng.begin() as conn:
        store.restatements.drop(conn)                       # as a store written before restatements
    eng.dispose()
    assert restated.reported_for_correction(db, Period.parse("2023-24-Q2")) == {}
    with create_engine(db).connect() as conn:
        assert restated.shown(conn, Period.parse("2023-24-Q2"), [Period.parse("2023-24-Q1")]) == ({}, [])
