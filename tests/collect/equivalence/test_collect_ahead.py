"""A first collect of many files has its files' bytes judged by workers while it reads the plan
(engine.judging_ahead): it stores exactly what one process stores, and a file changed after
its judgement ahead is judged again, on the bytes it is read with."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from quarter import run
from xlplan.collect import engine, pipeline
from xlplan import store


def _copy(src: Path, dest: Path) -> Path:
    for name in ("plan.xlsx", ".xlplan-key"):
        shutil.copy2(src / name, dest / name)
    shutil.copytree(src / "returns", dest / "returns", copy_function=shutil.copy2)
    return dest


@pytest.fixture
def ahead(monkeypatch):
    """The judgements each collect made ahead (every file waited for), by path; `then(judged)` runs
    after they were made and before any file is examined."""
    monkeypatch.setattr(engine, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "BUSY_MIN_FILES", 1)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    made: list[dict] = []
    real = pipeline.judging_ahead

    @contextmanager
    def waiting(paths, jobs, rerun):
        with real(paths, jobs, rerun) as stop:
            def every():
                judged = stop(every=True)
                made.append(judged)
                waiting.then(judged)
                return judged
            yield every

    waiting.then = lambda judged: None
    waiting.made = made
    monkeypatch.setattr(pipeline, "judging_ahead", waiting)
    return waiting


def test_judging_ahead_stores_what_one_process_stores(quarter, tmp_path_factory, ahead):
    other = _copy(quarter, tmp_path_factory.mktemp("ahead"))
    one = run(quarter, jobs=1)
    judged = run(other, jobs=2)
    assert ahead.made[0] == {}                                       # one process: nothing judged ahead
    assert sorted(p.name for p in ahead.made[1]) == sorted(p.name for p in (other / "returns").iterdir())
    assert judged.files == one.files and judged.records == one.records
    assert store.table_contents(f"sqlite:///{quarter}/xlplan.db") == store.table_contents(f"sqlite:///{other}/xlplan.db")


def test_a_return_changed_after_it_was_judged_ahead_is_judged_on_its_new_bytes(quarter, tmp_path_factory, ahead):
    """A manager's return is overwritten by a broken copy (cut short) once its judgement ahead is
    made: the collect rejects it, exactly as a collect of the broken file does."""
    other = _copy(quarter, tmp_path_factory.mktemp("ahead"))
    target = other / "returns" / "Copy of AOP.xlsx"
    broken = target.read_bytes()[:4000]
    ahead.then = lambda judged: target in judged and target.write_bytes(broken)
    judged = run(other, jobs=2)
    (quarter / "returns" / "Copy of AOP.xlsx").write_bytes(broken)
    shutil.copystat(target, quarter / "returns" / "Copy of AOP.xlsx")
    one = run(quarter, jobs=1)
    assert target in ahead.made[0]
    cut = next(f for f in judged.files if f.name == target.name)
    assert cut.service is None and any(i.code == "return.truncated" for i in cut.issues)
    assert judged.files == one.files and judged.records == one.records
