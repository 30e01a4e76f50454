"""The store survives faults (issue #7): `kill -9` of a collect at several points leaves the store
as it was (SQLite integrity intact, archive files all named by their hash) and a re-run gives the
same result as a collect that never crashed; two `xlplan collect` runs at once on one store do
not corrupt it (one waits for the other, or fails with a clear message)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import hostile
from xlplan import store
from xlplan.cli.collect_cmd import collect_and_report

HALF = ["good", "xlsm", "csv", "lock-files"]
FULL = HALF + ["good2", "duplicate", "links", "injection", "unicode", "formula", "locked", "bomb", "empty", "xxe",
               "truncated", "symlink-out", "notes"]

# Runs collect in a child process and SIGKILLs it at the n-th call of one function.
KILLER = r"""
import os, signal, sys
import sqlalchemy.engine.base as base
from xlplan.cli import collect_cmd as R
from xlplan.collect import examine as C
from xlplan import store
point, n, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
count = [0]

def tripping(orig):
    def call(*a, **k):
        count[0] += 1
        if count[0] >= n:
            os.kill(os.getpid(), signal.SIGKILL)
        return orig(*a, **k)
    return call

if point in ("examine", "_archive"):
    setattr(C, point, tripping(getattr(C, point)))
elif point == "_write_reports":
    setattr(R, point, tripping(getattr(R, point)))
elif point == "store":                      # inside the store transaction, at the n-th statement
    write = store.write_collect
    def write_collect(*a, **k):
        base.Connection.execute = tripping(base.Connection.execute)
        return write(*a, **k)
    store.write_collect = write_collect
R.collect_and_report(root + "/plan.xlsx", "2023-24-Q2", root + "/returns", root + "/out",
                     sys.argv[4] if len(sys.argv) > 4 else "sqlite:///" + root + "/xlplan.db", jobs=1)
print("finished without being killed")
"""


def db_url(root: Path) -> str:
    return f"sqlite:///{root}/xlplan.db"


def run(root: Path, db: str | None = None) -> None:
    collect_and_report(root / "plan.xlsx", hostile.Q2, root / "returns", root / "out", db or db_url(root), jobs=1)


def clone(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True, copy_function=shutil.copy2)
    return dst


def age(folder: Path) -> None:
    """Date every file an hour back, as returns saved from email a while ago (no quiet-file wait)."""
    for p in folder.iterdir():
        if not p.is_symlink():
            os.utime(p, (p.stat().st_mtime - 3600,) * 2)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """`half`: a store holding a collect of some of the returns, with the rest added to the folder
    since; `full`: the store a single uncrashed collect of the whole folder makes."""
    base = tmp_path_factory.mktemp("faults")
    q = hostile.hostile_quarter(base / "q")
    half = base / "half"
    half.mkdir()
    shutil.copy2(q.plan, half / "plan.xlsx")
    shutil.copy2(q.plan.parent / ".xlplan-key", half / ".xlplan-key")
    hostile.build_all(half / "returns", q, only=HALF)
    age(half / "returns")
    run(half)
    made = hostile.build_all(half / "returns", q, only=[c for c in FULL if c not in HALF])
    assert made
    age(half / "returns")
    full = clone(half, base / "full")
    run(full)
    return base, half, store.table_contents(db_url(full))


def integrity(root: Path) -> str:
    with sqlite3.connect(root / "xlplan.db") as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0]


def archive_is_consistent(root: Path) -> None:
    for p in (root / "archive").rglob("*"):
        if p.is_file() and not p.name.startswith("."):       # .tmp files of an interrupted copy aside
            assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name.split(".")[0], p


@pytest.mark.parametrize("point,n", [("examine", 3), ("_archive", 6), ("store", 3), ("store", 7),
                                     ("_write_reports", 1)])
def test_kill_9_leaves_the_store_as_it_was_and_a_rerun_gives_the_same_result(stores, tmp_path, point, n):
    base, half, full_contents = stores
    root = clone(half, tmp_path / "run")
    before = store.table_contents(db_url(root))
    killed = subprocess.run([sys.executable, "-c", KILLER, point, str(n), str(root)], capture_output=True,
                            text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, (killed.stdout, killed.stderr)
    assert integrity(root) == "ok"
    after_kill = store.table_contents(db_url(root))
    if point == "_write_reports":
        assert after_kill == full_contents          # the store was committed before the reports began
    else:
        assert after_kill == before                 # the interrupted transaction left no trace
    archive_is_consistent(root)
    run(root)
    assert store.table_contents(db_url(root)) == full_contents
    assert integrity(root) == "ok"
    assert any((root / "out").glob("*summary.xlsx"))


def test_two_collects_at_once_on_one_store_do_not_corrupt_it(stores, tmp_path):
    _, half, full_contents = stores
    root = clone(half, tmp_path / "both")
    (root / "xlplan.db").unlink()
    shutil.rmtree(root / "archive")
    cmd = [sys.executable, "-c", "from xlplan.cli import main; main()", "collect", "--plan", str(root / "plan.xlsx"),
           "--period", hostile.Q2.id, "--returns", str(root / "returns"), "--db", db_url(root), "--jobs", "1",
           "--no-report"]
    procs = [subprocess.Popen([*cmd, "--out", str(root / f"out{i}")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in (1, 2)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    for rc, out, err in results:
        assert "Traceback" not in err, err
        if rc == 2:                                  # the one that could not wait long enough says so
            assert "busy" in err.lower() or "locked" in err.lower() or "another" in err.lower(), err
        else:
            assert rc == 1, (out, err)               # finished (the folder has rejections, hence 1)
    assert any(rc == 1 for rc, _, _ in results)
    assert integrity(root) == "ok"
    assert store.table_contents(db_url(root)) == full_contents
    archive_is_consistent(root)


# --- the same faults on PostgreSQL ------------------------------------------------------------------


def _on_postgresql(server, half: Path, root: Path) -> str:
    """A PostgreSQL store holding what the SQLite store in `half` holds, its archive where a
    collect run in `root` keeps it (workbooks/archive): the state a collect is killed in."""
    from sqlalchemy import delete as sql_delete
    url = server.database()
    contents = store.table_contents(db_url(half), bookkeeping=True)
    eng = store.engine(url)
    with store.transaction(eng, url) as conn:
        for table in store.metadata.sorted_tables:
            conn.execute(sql_delete(table))
            store.bulk_insert(conn, table, contents[table.name])
    eng.dispose()
    (root / "xlplan.db").unlink()
    shutil.move(root / "archive", root / "workbooks" / "archive")
    return url


# On PostgreSQL the writing transaction's first statements take the write lock and create what is
# missing; the 14th and 18th come after the collect's first deletes and inserts of its rows.
@pytest.mark.parametrize("point,n", [("store", 3), ("store", 14), ("store", 18), ("_write_reports", 1)])
def test_kill_9_on_postgresql_leaves_the_store_as_it_was_and_a_rerun_gives_the_same_result(
        stores, tmp_path, monkeypatch, postgres_server, point, n):
    base, half, full_contents = stores
    root = clone(half, tmp_path / "run")
    (root / "workbooks").mkdir()
    url = _on_postgresql(postgres_server, half, root)
    try:
        monkeypatch.chdir(root)
        before = store.table_contents(url)
        assert before == store.table_contents(db_url(half))
        killed = subprocess.run([sys.executable, "-c", KILLER, point, str(n), str(root), url], capture_output=True,
                                text=True, timeout=300, cwd=root)
        assert killed.returncode == -signal.SIGKILL, (killed.stdout, killed.stderr)
        after_kill = store.table_contents(url)
        if point == "_write_reports":
            assert after_kill == full_contents      # the store was committed before the reports began
        else:
            assert after_kill == before             # the server rolled the killed transaction back
        run(root, url)
        assert store.table_contents(url) == full_contents
    finally:
        postgres_server.drop(url)


def test_postgresql_stores_what_sqlite_stores_for_every_hostile_return(stores, tmp_path, monkeypatch,
                                                                       postgres_server):
    _, half, full_contents = stores
    root = clone(half, tmp_path / "pg")
    (root / "xlplan.db").unlink()
    shutil.rmtree(root / "archive")
    url = postgres_server.database()
    try:
        monkeypatch.chdir(root)
        run(root, url)
        assert store.table_contents(url) == full_contents
    finally:
        postgres_server.drop(url)
