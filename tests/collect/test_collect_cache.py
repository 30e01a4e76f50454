"""Re-runs of collect reuse what was learnt from each unchanged file (xlplan/collect/reuse.py): the
store, the result and the console are exactly a cold run's, for every kind of file; exactly the
changed files are examined again; safety is never bypassed; entries are pruned."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import pytest
from rich.console import Console

import hostile
from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, MEASURES, fill, make_plan, make_templates, run
from builders import measure
from xlplan import cache
from xlplan.errors import RETURN_STILL_BEING_WRITTEN
from xlplan.safety import inspection as safety
from xlplan import store
import xlplan.collect.engine as engine
from xlplan.collect import collect
from xlplan.cli.collect_cmd import render
from xlplan.demo.fill import fill_return
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.templates.build import write_templates

Q1 = Period.parse("2023-24-Q1")
CASES = ["good", "good2", "duplicate", "not-a-zip", "empty", "truncated", "csv", "xls", "encrypted", "xlsm", "xxe",
         "far-cell", "links", "identity", "locked", "deleted", "lock-files", "symlink", "symlink-out", "odd-names",
         "notes", "thumbs"]


@pytest.fixture(autouse=True)
def cache_on(monkeypatch):
    monkeypatch.delenv("XLPLAN_NO_CACHE", raising=False)
    monkeypatch.delenv("XLPLAN_SECRET", raising=False)


@pytest.fixture(scope="module")
def mixed_source(tmp_path_factory) -> Path:
    """A hostile quarter whose returns folder holds good, rejected, wrong-quarter, tampered, skipped
    and hostile files (all received an hour ago)."""
    root = tmp_path_factory.mktemp("mixed")
    q = hostile.hostile_quarter(root)
    folder = root / "returns"
    hostile.build_all(folder, q, only=CASES)
    q1 = write_templates(read_plan(q.plan), Q1, root / "q1", plan_path=q.plan)
    fill_return(q1[0], folder / "Last quarter.xlsx", {}, {})

    def retarget(wb):                       # claims another service: the signature no longer matches
        for row in wb["xlplan"].iter_rows():
            if row[0].value == "service":
                row[1].value = hostile.SERVICES["good2"]
    hostile.edit_workbook(q.good["identity"], folder / "Tampered.xlsx", retarget)
    for p in folder.iterdir():
        if not p.is_symlink():
            os.utime(p, (time.time() - 3600,) * 2)
    return root


@pytest.fixture
def mixed(mixed_source, tmp_path) -> Path:
    root = Path(shutil.copytree(mixed_source, tmp_path / "q", symlinks=True, copy_function=shutil.copy2))
    hostile.fifo(root / "returns")
    return root


def _collect(root: Path, db: str, **kw):
    return collect(root / "plan.xlsx", kw.pop("period", hostile.Q2), root / "returns", f"sqlite:///{root}/{db}",
                   **kw)


def _cacheable(root: Path) -> set[str]:
    """Names of the files a collect may keep: ordinary files, lock files excepted."""
    return {safety.display_name(p) for p in (root / "returns").iterdir()
            if p.is_file() and not p.is_symlink() and not safety.is_lock_file(p.name)}


def _afresh(result) -> set[str]:
    return {f.name for f in result.files} - set(result.reused)


def _console(result) -> str:
    """What collect prints, but the line saying how many files were unchanged since last time."""
    out = Console(file=io.StringIO(), width=200, color_system=None)
    render(result, out)
    return "".join(line for line in out.file.getvalue().splitlines(True)
                   if not line.startswith("Unchanged since the last collect"))


def test_the_console_says_how_many_files_were_unchanged(mixed):
    _collect(mixed, "x.db")
    again = _collect(mixed, "x.db")
    out = Console(file=io.StringIO(), width=200, color_system=None)
    render(again, out)
    assert f"Unchanged since the last collect: {len(again.reused)} of {len(again.records)} files" \
        in out.file.getvalue()
    assert again.reused


def _same(a, b) -> None:
    assert a.files == b.files
    assert (a.records, a.issues, a.status_counts, a.exit_code, a.missing_services) == \
           (b.records, b.issues, b.status_counts, b.exit_code, b.missing_services)
    assert _console(a) == _console(b)


@pytest.mark.parametrize("jobs", [1, 3])
def test_a_rerun_stores_prints_and_returns_exactly_what_a_cold_run_does(mixed, monkeypatch, jobs):
    monkeypatch.setattr(engine, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "BUSY_MIN_FILES", 1)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    cold = _collect(mixed, "cold.db", jobs=jobs)
    assert not list((mixed / cache.FOLDER).glob("collect-*"))   # (the plan cache may be there)
    monkeypatch.delenv("XLPLAN_NO_CACHE")
    first = _collect(mixed, "warm.db", jobs=jobs)
    assert first.reused == [] and len(list((mixed / cache.FOLDER).glob("collect-*.pickle"))) == len(_cacheable(mixed))
    again = _collect(mixed, "again.db", jobs=jobs)
    assert set(again.reused) == _cacheable(mixed) and _afresh(again) == {f.name for f in again.files} - _cacheable(mixed)
    rerun = _collect(mixed, "warm.db", jobs=jobs)           # the officer's re-run: the same store
    assert set(rerun.reused) == _cacheable(mixed)
    outcomes = {f.outcome for f in cold.files}
    assert outcomes == {"accepted", "rejected", "superseded", "skipped"}
    codes = {i.code for f in cold.files for i in f.issues}
    assert {"return.wrong-period", "return.bad-identity", "return.xml-entities", "return.legacy-xls",
            "return.duplicate", "return.locked-edited", "return.not-a-zip", "return.sheet-too-large"} <= codes
    assert {"a link, not a file", "an Excel or LibreOffice lock file", "not an ordinary file",
            "not a spreadsheet"} == {f.skipped for f in cold.files if f.skipped}
    for result in (first, again, rerun):
        _same(cold, result)
    contents = store.table_contents(f"sqlite:///{mixed}/cold.db")
    assert store.table_contents(f"sqlite:///{mixed}/again.db") == contents
    assert store.table_contents(f"sqlite:///{mixed}/warm.db") == contents


def test_a_pool_rerun_examines_only_the_changed_files_in_its_workers(mixed, monkeypatch):
    monkeypatch.setattr(engine, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "BUSY_MIN_FILES", 1)
    _collect(mixed, "x.db", jobs=3)
    changed = mixed / "returns" / "Copy of AOP return.xlsx"
    os.utime(changed, (time.time() - 60,) * 2)
    result = _collect(mixed, "x.db", jobs=3)
    assert _afresh(result) & _cacheable(mixed) == {changed.name}
    assert sorted(result.reused) == sorted(_cacheable(mixed) - {changed.name})     # each file once
    assert len(list((mixed / cache.FOLDER).glob("collect-*.pickle"))) == len(_cacheable(mixed))


@pytest.mark.parametrize("stream_from", [1, 10_000])
def test_a_rerun_examines_its_misses_in_workers_from_stream_min_misses(mixed, monkeypatch, tmp_path, stream_from):
    """With jobs > 1 a re-run hands the files it cannot serve to workers while it serves the others
    (from STREAM_MIN_MISSES such files; fewer are examined in collect's own process), and stores,
    prints and returns exactly what a cold --jobs 1 collect does."""
    monkeypatch.setattr(engine, "STREAM_MIN_MISSES", stream_from)
    monkeypatch.setattr(engine, "BUSY_MIN_FILES", stream_from)      # (collect begins while it opens the store)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    _collect(mixed, "warm.db", jobs=1)
    monkeypatch.delenv("XLPLAN_NO_CACHE")
    _collect(mixed, "warm.db", jobs=3)
    changed = [mixed / "returns" / n for n in ("Copy of AOP return.xlsx", "Tampered.xlsx", "Last quarter.xlsx")]
    for i, path in enumerate(changed):
        os.utime(path, (time.time() - 60 - i,) * 2)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    cold = _collect(mixed, "cold.db", jobs=1)
    monkeypatch.delenv("XLPLAN_NO_CACHE")
    marks = tmp_path / "marks"
    _marking(monkeypatch, marks)
    rerun = _collect(mixed, "warm.db", jobs=3)
    _same(cold, rerun)
    assert store.table_contents(f"sqlite:///{mixed}/warm.db") == store.table_contents(f"sqlite:///{mixed}/cold.db")
    assert _afresh(rerun) & _cacheable(mixed) == {p.name for p in changed}
    by = {}
    for m in marks.iterdir():
        pid, name = m.name.split(" ", 1)
        by.setdefault(name, set()).add(int(pid))
    assert {p.name for p in changed} <= set(by)
    assert set(by) <= {f.name for f in rerun.files} - set(rerun.reused)
    pids = set().union(*by.values())
    if stream_from == 1:
        assert os.getpid() not in pids
    else:
        assert pids == {os.getpid()}


def test_exactly_the_affected_files_are_examined_again(mixed):
    returns = mixed / "returns"
    cacheable = _cacheable(mixed)
    _collect(mixed, "x.db")

    def afresh() -> set[str]:
        return _afresh(_collect(mixed, "x.db")) & _cacheable(mixed)

    assert afresh() == set()
    edited = returns / "CJ return FINAL (2).xlsx"
    when = edited.stat().st_mtime
    edited.write_bytes(edited.read_bytes() + b"\0")          # new bytes, same name and time
    os.utime(edited, (when, when))
    assert afresh() == {edited.name}
    renamed = (returns / "Tampered.xlsx").rename(returns / "Tampered (2).xlsx")
    assert afresh() == {renamed.name}
    touched = returns / "Last quarter.xlsx"
    os.utime(touched, (time.time() - 120,) * 2)
    assert afresh() == {touched.name}
    assert afresh() == set()
    assert len(cacheable) == len(_cacheable(mixed))


def test_a_changed_plan_period_or_key_examines_every_file_again(tmp_path, monkeypatch):
    plan_path = make_plan(tmp_path)
    templates = make_templates(plan_path)
    fill(templates[CJ], tmp_path / "returns" / "cj.xlsx", GOOD_CJ)
    fill(templates[AOP], tmp_path / "returns" / "aop.xlsx", GOOD_AOP)
    for p in (tmp_path / "returns").iterdir():
        os.utime(p, (time.time() - 3600,) * 2)
    both = {"cj.xlsx", "aop.xlsx"}
    assert _afresh(run(tmp_path)) == both
    assert _afresh(run(tmp_path)) == set()
    make_plan(tmp_path, measures=[measure("SW01", Target="85%"), *MEASURES[1:]])    # a target raised
    assert _afresh(run(tmp_path)) == both
    assert _afresh(run(tmp_path)) == set()
    assert _afresh(run(tmp_path, period=Period.parse("2023-24-Q3"))) == both
    assert _afresh(run(tmp_path)) == set()                   # another period's entries are its own
    monkeypatch.setenv("XLPLAN_SECRET", "another key")
    assert _afresh(run(tmp_path)) == both


@pytest.mark.quiet_period
def test_a_file_still_being_written_is_never_served_from_or_put_into_the_cache(mixed, monkeypatch):
    returns = mixed / "returns"
    good = returns / "Copy of AOP return.xlsx"
    first = _collect(mixed, "x.db")
    assert next(f for f in first.files if f.name == good.name).outcome == "accepted"
    real = safety._still_changing

    def growing(path, before, ins, limits):
        if path.name == good.name:
            ins.kind = safety.Kind.GROWING
            ins._add(RETURN_STILL_BEING_WRITTEN)
            return True
        return real(path, before, ins, limits)

    monkeypatch.setattr(safety, "_still_changing", growing)
    result = _collect(mixed, "x.db")
    ex = next(f for f in result.files if f.name == good.name)
    assert good.name not in result.reused and [i.code for i in ex.issues] == ["return.still-being-written"]
    assert ex.outcome == "rejected"
    monkeypatch.setattr(safety, "_still_changing", real)
    # its entry was not used, so it was pruned; the next quiet read examines it afresh
    assert _afresh(_collect(mixed, "x.db")) & _cacheable(mixed) == {good.name}

    fresh = returns / "Arriving return.xlsx"
    grower = hostile.Grower(fresh).start(hostile.hostile_quarter(mixed.parent / "g").good["good"])
    try:
        result = _collect(mixed, "x.db")
    finally:
        grower.finish()
    assert [i.code for f in result.files if f.name == fresh.name for i in f.issues] == ["return.still-being-written"]
    assert len(list((mixed / cache.FOLDER).glob("collect-*.pickle"))) == len(_cacheable(mixed)) - 1


def test_a_hit_makes_the_archive_copy_again_when_it_went_missing(mixed):
    first = _collect(mixed, "x.db")
    shutil.rmtree(mixed / "archive")
    again = _collect(mixed, "x.db")
    assert set(again.reused) == _cacheable(mixed)
    for f in again.files:
        if f.archive:
            copy = mixed / "archive" / f.archive
            assert copy.exists(), f.name
    assert [f.archive for f in first.files] == [f.archive for f in again.files]


def test_entries_are_pruned_to_the_files_of_the_last_collect_of_each_period(mixed):
    folder = mixed / cache.FOLDER
    _collect(mixed, "x.db")
    q2 = set(folder.glob("collect-2023-24-Q2-*.pickle"))
    assert len(q2) == len(_cacheable(mixed))
    (mixed / "returns" / "Tampered.xlsx").unlink()
    _collect(mixed, "x.db")
    assert len(list(folder.glob("collect-2023-24-Q2-*.pickle"))) == len(_cacheable(mixed)) == len(q2) - 1
    _collect(mixed, "x.db", period=hostile.Q2.previous())
    assert len(list(folder.glob("collect-2023-24-Q2-*.pickle"))) == len(q2) - 1
    assert len(list(folder.glob("collect-2023-24-Q1-*.pickle"))) == len(_cacheable(mixed))


def test_an_entry_altered_on_disk_is_ignored_and_the_file_examined_again(mixed):
    _collect(mixed, "x.db")
    entry = sorted((mixed / cache.FOLDER).glob("collect-*.pickle"))[0]
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert len(_afresh(_collect(mixed, "x.db")) & _cacheable(mixed)) == 1


def test_xlplan_no_cache_neither_reads_nor_writes_entries(mixed, monkeypatch):
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    assert _collect(mixed, "x.db").reused == [] and _collect(mixed, "x.db").reused == []
    assert not list((mixed / cache.FOLDER).glob("collect-*"))   # (the plan cache may be there)


def test_inspect_read_then_judged_is_inspect_in_one_go(mixed):
    for path in sorted((mixed / "returns").iterdir()):
        whole = safety.inspect(path, keep_bytes=True)
        halves = safety.judge(safety.inspect(path, keep_bytes=True, judge_bytes=False))
        assert (whole.kind, whole.issues, whole.sheets, whole.sha256, whole.size, whole.data) == \
               (halves.kind, halves.issues, halves.sheets, halves.sha256, halves.size, halves.data), path.name
        assert not halves.pending
        assert safety.inspect(path).data is None


def _marking(monkeypatch, marks: Path) -> None:
    """Every file examined leaves a mark named by the process that examined it."""
    marks.mkdir()
    examine_safely = engine.examine_safely

    def marked(path, *args):
        (marks / f"{os.getpid()} {path.name}").touch()
        return examine_safely(path, *args)

    monkeypatch.setattr(engine, "examine_safely", marked)


def _examined_by(marks: Path) -> set[int]:
    return {int(m.name.split(" ", 1)[0]) for m in marks.iterdir()}


def test_collect_hands_its_files_to_workers_before_it_opens_the_store(mixed, monkeypatch, tmp_path):
    """With jobs > 1 and BUSY_MIN_FILES files or more (the default, not patched), the workers are
    started before the store is first opened (SQLAlchemy loaded, the sign-off looked up), so they
    examine while this process does that; the store and result are what --jobs 1 gives."""
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    serial = _collect(mixed, "serial.db", jobs=1)
    events = []
    start_pool, locked = engine._pool, store.locked

    def pool(*args):
        events.append("pool")
        return start_pool(*args)

    def lock(*args):
        events.append("store opened")
        return locked(*args)

    monkeypatch.setattr(engine, "_pool", pool)
    monkeypatch.setattr(store, "locked", lock)
    _marking(monkeypatch, tmp_path / "marks")
    begun = _collect(mixed, "begun.db", jobs=2)
    assert len(serial.files) >= engine.BUSY_MIN_FILES
    assert events == ["pool", "store opened"]
    assert os.getpid() not in _examined_by(tmp_path / "marks")
    _same(serial, begun)
    assert store.table_contents(f"sqlite:///{mixed}/begun.db") == store.table_contents(f"sqlite:///{mixed}/serial.db")


def test_fewer_files_than_busy_min_files_are_examined_in_collects_own_process(quarter, monkeypatch, tmp_path):
    assert len(list((quarter / "returns").iterdir())) < engine.BUSY_MIN_FILES
    _marking(monkeypatch, tmp_path / "marks")
    assert run(quarter, jobs=2).ok
    assert _examined_by(tmp_path / "marks") == {os.getpid()}


def test_a_store_that_cannot_be_opened_stops_the_workers_begun_and_says_why(mixed, monkeypatch):
    import multiprocessing

    from xlplan.errors import XlplanError

    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    (mixed / "broken.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(XlplanError, match="broken.db"):
        _collect(mixed, "broken.db", jobs=2)
    assert multiprocessing.active_children() == []


def test_a_collect_whose_workers_examine_every_file_never_loads_the_return_reader_itself(mixed):
    """What workers examined is read back (entries.py) without the reader, safety's pre-flight or
    the value checks: those load in the workers, while this process opens the store."""
    import subprocess
    import sys
    code = ("import sys; from xlplan.collect import collect; "
            f"r = collect({str(mixed / 'plan.xlsx')!r}, {hostile.Q2.id!r}, {str(mixed / 'returns')!r}, "
            f"{'sqlite:///' + str(mixed / 'lazy.db')!r}, jobs=2); "
            "print(len(r.files), sorted(m for m in ('xlplan.collect.read', 'xlplan.collect.examine', "
            "'xlplan.collect.validate', 'xlplan.safety.inspection', 'xlplan.collect.identify') if m in sys.modules))")
    env = {**os.environ, "XLPLAN_NO_CACHE": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    files, loaded = out.split(" ", 1)
    assert int(files) >= engine.BUSY_MIN_FILES and loaded.strip() == "[]"
