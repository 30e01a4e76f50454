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
                     "sqlite:///" + root + "/xlplan.db", jobs=1)
print("finished without being killed")
"""


def db_url(root: Path) -> str:
    return f"sqlite:///{root}/xlplan.db"


def run(root: Path) -> None:
    collect_and_report(root / "plan.xlsx", hostile.Q2, root / "returns", root / "out", db_url(root), jobs=1)


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
