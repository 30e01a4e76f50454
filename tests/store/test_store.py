"""The store: one transaction per collect, a busy store fails clearly, past quarters keep their
colours, and the read functions other commands use."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from quarter import CJ, AOP, Q2, fill, make_plan, make_templates, run, two_good_returns
from xlplan import store
from xlplan.store import schema, write
from xlplan.errors import XlplanError
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.status import Status
from xlplan.values import Ratio


@pytest.fixture
def quarter(tmp_path):
    return two_good_returns(tmp_path)


class write_lock:
    """`with write_lock(db_url):` — another collect in the middle of writing: it holds the store's
    write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the writers' advisory lock) until `release()`."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    def __enter__(self):
        path = store.sqlite_path(self.db_url)
        if path is not None:
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            import psycopg
            from sqlalchemy.engine import make_url
            url = make_url(self.db_url)
            self.conn = psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database)
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (schema.WRITE_LOCK,))
        return self

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback() if store.sqlite_path(self.db_url) is None else self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None

    def __exit__(self, *exc_info):
        self.release()


def test_figures_round_trip_through_json():
    for figure in (None, 0.85, 46000.0, Ratio(70, 30)):
        assert store.figure_from_json(store.figure_json(figure)) == figure


def test_a_crash_while_writing_leaves_the_store_as_it_was(quarter, db_url, monkeypatch):
    db = db_url
    run(quarter, db=db)
    before = store.table_contents(db)
    fill(make_templates(quarter / "plan.xlsx", out=quarter / "t2")[CJ], quarter / "returns" / "cj.xlsx",
         {"SW01": {"To date": 0.5}})
    real_insert = write.insert

    def failing_insert(table):
        if table is store.issues:
            raise RuntimeError("power cut")
        return real_insert(table)

    monkeypatch.setattr(write, "insert", failing_insert)
    with pytest.raises(RuntimeError):
        run(quarter, db=db)
    assert store.table_contents(db) == before


def test_a_second_collect_waits_then_fails_clearly_while_the_store_is_busy(quarter, db_url, monkeypatch):
    run(quarter, db=db_url)
    before = store.table_contents(db_url)
    monkeypatch.setattr(schema, "BUSY_TIMEOUT", 0.5)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")     # a collect that writes (not a memo re-run, which only reads)
    with write_lock(db_url):                  # another collect in the middle of writing
        with pytest.raises(XlplanError, match="busy: another xlplan collect is writing"):
            run(quarter, db=db_url)
    assert store.table_contents(db_url) == before
    assert run(quarter, db=db_url).exit_code == 0


def test_a_second_collect_waits_for_the_first(quarter, db_url, monkeypatch):
    run(quarter, db=db_url)
    monkeypatch.setattr(schema, "BUSY_TIMEOUT", 30)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")     # a collect that writes (not a memo re-run, which only reads)
    other = write_lock(db_url).__enter__()
    released = threading.Event()

    def release():
        time.sleep(1.0)
        other.release()
        released.set()

    threading.Thread(target=release).start()
    result = run(quarter, db=db_url)         # blocks until the other transaction ends, then succeeds
    assert released.is_set() and result.exit_code == 0


def test_past_quarter_keeps_its_status_when_the_plan_changes(quarter, db_url):
    db = db_url
    run(quarter, db=db)
    from builders import measure
    from quarter import MEASURES
    make_plan(quarter, measures=[measure("SW01", Target="95%"), *MEASURES[1:]])
    plan = read_plan(quarter / "plan.xlsx")
    sw01 = next(m for m in store.load_results(db, plan, Q2).measures if m.code == "SW01")
    assert (sw01.status, sw01.target_text) == (Status.GREEN, "75%")   # as collected, not re-coloured


def test_returns_for_lists_every_file_and_is_empty_before_any_collect(quarter, db_url, tmp_path_factory):
    empty = tmp_path_factory.mktemp("nostore")
    assert store.returns_for(f"sqlite:///{empty}/xlplan.db", Q2) == []
    assert not (empty / "xlplan.db").exists()
    assert store.returns_for(db_url, Q2) == []
    run(quarter, db=db_url)
    records = store.returns_for(db_url, Q2)
    assert [(r.service, r.file, r.outcome) for r in records] == [(AOP, "aop.xlsx", "accepted"),
                                                                 (CJ, "cj.xlsx", "accepted")]
    assert store.returns_for(db_url, Period.parse("2023-24-Q3")) == []


def test_load_results_before_any_collect_shows_report_later(tmp_path, db_url):
    plan = read_plan(make_plan(tmp_path))
    results = store.load_results(db_url, plan, Q2)
    assert {m.status for m in results.measures} == {Status.REPORT_LATER}
    assert results.missing_services == [s.name for s in plan.services_with_returns()]
    assert [m.code for m in results.measures][:4] == ["SW01", "SW02", "SW03", "SW04"]


def test_schema_and_statements_compile_for_postgresql():
    """The same code must run on PostgreSQL later: every table and statement compiles for it."""
    from sqlalchemy import delete, insert, select
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    dialect = postgresql.dialect()
    for table in store.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert "PRIMARY KEY" in ddl
        str(insert(table).compile(dialect=dialect))
        str(select(table).order_by(*table.primary_key.columns).compile(dialect=dialect))
    str(delete(store.history).where(store.history.c.code.in_(["SW01"])).compile(dialect=dialect))
    str(select(store.issues).where(store.issues.c.counted.is_(True)).compile(dialect=dialect))


def test_two_collects_at_once_on_one_store_both_finish_and_agree(quarter, db_url):
    import subprocess
    import sys
    db = db_url
    args = [sys.executable, "-c", "from xlplan.cli import main; main()", "collect", "--plan", str(quarter / "plan.xlsx"), "--period", Q2.id,
            "--returns", str(quarter / "returns"), "--db", db, "--no-report"]
    runs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outs
    together = store.table_contents(db)
    run(quarter, db=db)
    assert store.table_contents(db) == together
