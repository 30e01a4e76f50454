"""The risk_updates table: its Alembic revision creates exactly the table the schema declares, and
two quarters of assessments are stored and read back with their movement on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from risk_cases import Q1, Q2, returns, risk_plan, templates
from xlplan import store
from xlplan.collect import collect
from xlplan.plan import read_plan
from xlplan.store import load_results

REVISION = Path(__file__).resolve().parents[2] / "xlplan/store/migrations/versions/0005_risks.py"


def columns(conn, table: str) -> list[tuple]:
    found = inspect(conn).get_columns(table)
    keys = inspect(conn).get_pk_constraint(table)["constrained_columns"]
    return [(c["name"], str(c["type"]).split("(")[0], c["nullable"] and c["name"] not in keys, c["name"] in keys)
            for c in found]


def test_the_alembic_revision_creates_the_schemas_risk_updates_table(db_url):
    pytest.importorskip("alembic")
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    spec = importlib.util.spec_from_file_location("rev_0005", REVISION)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    assert (revision.revision, revision.down_revision) == ("0005_risks", "0003_signoff")
    eng = create_engine(db_url)
    try:
        with eng.begin() as conn:
            with Operations.context(MigrationContext.configure(conn)):
                revision.upgrade()
            migrated = columns(conn, "risk_updates")
            store.risk_updates.drop(conn)
            store.risk_updates.create(conn)
            assert migrated == columns(conn, "risk_updates")
            with Operations.context(MigrationContext.configure(conn)):
                revision.downgrade()
            assert not inspect(conn).has_table("risk_updates")
    finally:
        eng.dispose()


def test_two_quarters_of_assessments_are_stored_and_read_back(tmp_path, db_url):
    plan_path = risk_plan(tmp_path)
    q1 = templates(plan_path, Q1, db_url)
    collect(plan_path, Q1, returns(q1, tmp_path / "q1", {"R1": {"Likelihood": 2, "Impact": 3, "Commentary": "Ok"}},
                                   {"R3": {"Likelihood": 4, "Impact": 4, "Commentary": "Busy"}}), db_url)
    assert {c: (b.likelihood, b.impact, b.score, b.period) for c, b in store.risks_before(db_url, Q2).items()} == {
        "R1": (2, 3, 6, Q1.id), "R3": (4, 4, 16, Q1.id)}                 # R2 was not assessed in Q1
    q2 = templates(plan_path, Q2, db_url)
    collect(plan_path, Q2, returns(q2, tmp_path / "q2", {"R1": {"Likelihood": 1, "Impact": 3, "Commentary": "Better"},
                                                         "R2": {"Likelihood": 4, "Impact": 4, "Commentary": "New"}},
                                   {"R3": {"Likelihood": 4, "Impact": 4, "Commentary": "Busy"}}), db_url)
    results = load_results(db_url, read_plan(plan_path), Q2)
    assert [(r.code, r.score, r.band, r.movement_text()) for r in results.risks] == [
        ("R2", 16, "Red", "↑ up from 9 (the plan)"), ("R3", 16, "Red", "→ unchanged at 16 (Q1)"),
        ("R1", 3, "Green", "↓ down from 6 (Q1)")]
    assert load_results(db_url, read_plan(plan_path), Q1).risks[0].previous_when == "the plan"


def test_a_signed_off_quarter_locks_its_risk_assessments(tmp_path):
    from sqlalchemy import delete
    from xlplan.store.signoff import quarter_fingerprint
    db = f"sqlite:///{tmp_path}/xlplan.db"
    plan_path = risk_plan(tmp_path)
    q1 = templates(plan_path, Q1, db)
    folder = returns(q1, tmp_path / "q1", {"R1": {"Likelihood": 2, "Impact": 3, "Commentary": "Ok"}})
    collect(plan_path, Q1, folder, db)
    eng = store.engine(db)
    with eng.connect() as conn:
        with_risks = quarter_fingerprint(conn, Q1.id)
    store.sign_off(db, Q1.id, "Head of Service")
    returns(q1, tmp_path / "late", {"R1": {"Likelihood": 5, "Impact": 5, "Commentary": "Much worse"}})
    collect(plan_path, Q1, tmp_path / "late", db)                     # after sign-off: changes nothing
    assert {r.code: r.score for r in load_results(db, read_plan(plan_path), Q1).risks}["R1"] == 6
    with eng.begin() as conn:
        assert quarter_fingerprint(conn, Q1.id) == with_risks
        conn.execute(delete(store.risk_updates))
        assert quarter_fingerprint(conn, Q1.id) != with_risks           # the assessments are part of it
    eng.dispose()
