"""Where the system cannot fork (Windows), collect's workers are spawned and handed their job
pickled: they must store exactly what forked workers, and collect's own process, store."""

from __future__ import annotations

import multiprocessing
import shutil

from quarter import run
from xlplan.collect import engine
from xlplan import store


def test_spawned_workers_store_what_one_process_stores(quarter, tmp_path_factory, monkeypatch):
    monkeypatch.setattr(engine, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "BUSY_MIN_FILES", 1)
    other = tmp_path_factory.mktemp("spawned")
    for name in ("plan.xlsx", ".xlplan-key"):
        shutil.copy2(quarter / name, other / name)
    shutil.copytree(quarter / "returns", other / "returns", copy_function=shutil.copy2)
    started = []

    def spawn():
        started.append("spawn")
        return multiprocessing.get_context("spawn")

    monkeypatch.setattr(engine, "_start_method", spawn)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    one = run(quarter, jobs=1)
    spawned = run(other, jobs=2)
    assert started == ["spawn", "spawn"]     # the pool judging ahead while the plan is read, then the examining one
    assert spawned.files == one.files and spawned.records == one.records
    assert store.table_contents(f"sqlite:///{quarter}/xlplan.db") == store.table_contents(f"sqlite:///{other}/xlplan.db")


def test_fork_is_used_where_the_system_has_it():
    engine._start_method.cache_clear()
    method = engine._start_method().get_start_method()
    assert method == ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
