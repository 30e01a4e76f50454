"""The plan cache (plan.load_plan): a plan read from the cache is exactly the plan read from its
workbook, with the same report; edited, moved or half-saved plans are read afresh; no key is
ever made by reading; collect's `_prepare` reuses the cached fingerprint and packed snapshot."""

from __future__ import annotations

import os
import pickle
import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from hypothesis import given, settings, strategies as st

from builders import SERVICES, action, build_plan, measure
from xlplan.collect import pipeline as collect_mod
from xlplan.collect import rows
from xlplan.plan import model as plan_mod
from xlplan.plan import cache as plan_cache
from xlplan.plan import reader as plan_reader
from xlplan import store
from xlplan.cache import FOLDER
from xlplan.contract.identity import KEY_FILE
from xlplan.plan import Action, Measure, Plan, load_plan
from xlplan.values import Value

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plan.xlsx"


@pytest.fixture(autouse=True)
def _keyed(monkeypatch):
    monkeypatch.delenv("XLPLAN_NO_CACHE", raising=False)
    monkeypatch.setenv("XLPLAN_SECRET", "plan-cache-test-secret")


def _fresh(path: Path, monkeypatch) -> tuple:
    """What reading the workbook gives, without the cache."""
    with monkeypatch.context() as m:
        m.setenv("XLPLAN_NO_CACHE", "1")
        return load_plan(path)


def _without_reading(monkeypatch):
    """Make any read of a workbook fail the test (so a result must come from the cache)."""
    monkeypatch.setattr(plan_reader, "read_plan_workbook", lambda path: pytest.fail(f"{path} read again"))


def _plan_entries(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / FOLDER).glob("plan-*.pickle") if "-fingerprint-" not in p.name)


def _same(got: tuple, want: tuple) -> None:
    """Equal field by field, types included (repr shows 1 and 1.0 apart), and the same messages."""
    (plan, report), (fresh, fresh_report) = got, want
    assert plan == fresh and repr(plan) == repr(fresh)
    assert report.issues == fresh_report.issues
    assert [str(i) for i in report] == [str(i) for i in fresh_report]
    if plan is not None:
        assert plan.canonical_json() == fresh.canonical_json() and plan.fingerprint == fresh.fingerprint


def _with_warnings(path: Path) -> Path:
    services = SERVICES + [{"Service": "Nobody", "Manager": "N", "Email": "not-an-email"}]
    return build_plan(path, services=services, actions=[
        action("A1", Measures="Report against SW01 and SW07 quarterly"),
        action("A2", Service="Adult and Older People", Start="01/04/2023")])


def _with_errors(path: Path) -> Path:
    return build_plan(path, measures=[measure("SW01", Target="lots"), measure("SW02", Unit="furlongs"),
                                      measure("SW02", Service="Nowhere")])


def _not_a_workbook(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04 not really a zip")
    return path


def _example(path: Path) -> Path:
    shutil.copyfile(EXAMPLE, path)
    return path


@pytest.mark.parametrize("make", [_example, _with_warnings, _with_errors, _not_a_workbook])
def test_a_cached_plan_and_report_are_what_reading_the_workbook_gives(tmp_path, monkeypatch, make):
    path = make(tmp_path / "plan.xlsx")
    fresh = _fresh(path, monkeypatch)
    assert not (tmp_path / FOLDER).exists()
    _same(load_plan(path), fresh)                         # read, and kept
    assert len(_plan_entries(tmp_path)) == 1
    _without_reading(monkeypatch)
    _same(load_plan(path), fresh)                         # from the cache
    _same(load_plan(str(path)), fresh)                    # the same path given as text


def test_the_example_plan_from_the_cache_keeps_each_field_and_its_type(tmp_path, monkeypatch):
    path = _example(tmp_path / "plan.xlsx")
    fresh, _ = _fresh(path, monkeypatch)
    load_plan(path)
    _without_reading(monkeypatch)
    plan, _ = load_plan(path)
    for got, want in zip([*plan.measures, *plan.actions, *plan.services], [*fresh.measures, *fresh.actions,
                                                                           *fresh.services]):
        assert type(got) is type(want)
        for name in got.__dataclass_fields__:
            a, b = getattr(got, name), getattr(want, name)
            assert type(a) is type(b) and a == b and repr(a) == repr(b), (got, name)
    assert plan.settings == fresh.settings and plan.source == fresh.source == str(path)
    assert plan.measures_for(plan.services[0].name) == fresh.measures_for(fresh.services[0].name)


def test_a_cached_plan_keeps_each_services_report_order_without_sorting_again(tmp_path, monkeypatch):
    path = _example(tmp_path / "plan.xlsx")
    fresh, _ = _fresh(path, monkeypatch)
    names = [s.name for s in fresh.services] + [" children and families ", "Nobody"]
    want = {n: (fresh.measures_for(n), fresh.actions_for(n)) for n in names}
    assert any([m.row for m in want[n][0]] != sorted(m.row for m in want[n][0]) for n in names)   # not row order
    load_plan(path)
    _without_reading(monkeypatch)
    monkeypatch.setattr(Plan, "_order", lambda self, item: pytest.fail("sorted again"))
    plan, _ = load_plan(path)
    for name in names:
        measures, actions = plan.measures_for(name), plan.actions_for(name)
        assert (measures, actions) == want[name]
        assert [m.row for m in measures] == [m.row for m in want[name][0]]
        assert all(any(g is m for m in plan.measures) for g in measures)      # the plan's own objects


def test_an_edited_plan_is_read_afresh_and_its_old_entry_goes(tmp_path, monkeypatch):
    path = build_plan(tmp_path / "plan.xlsx")
    before, _ = load_plan(path)
    old = _plan_entries(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["Measures"]["H2"] = "80%"
    wb.save(path)
    fresh = _fresh(path, monkeypatch)
    got = load_plan(path)
    _same(got, fresh)
    assert got[0].measures[0].target != before.measures[0].target
    assert len(_plan_entries(tmp_path)) == 1 and _plan_entries(tmp_path) != old


def test_a_reinstalled_reader_library_makes_the_cached_plan_be_read_again(tmp_path, monkeypatch):
    """The entry names the installs of calamine, openpyxl and lxml in use (each package's file, its
    size and time): when one is rewritten (upgraded, reinstalled) the plan is read afresh."""
    import importlib.util
    path = build_plan(tmp_path / "plan.xlsx")
    plan_cache._reader_versions.cache_clear()
    versions = plan_cache._reader_versions()
    assert "python_calamine=" in versions and "python_calamine=none" not in versions and "openpyxl=" in versions
    load_plan(path)
    installed = tmp_path / "site" / "openpyxl" / "__init__.py"
    installed.parent.mkdir(parents=True)
    installed.write_text("__version__ = '1.0'\n")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: SimpleNamespace(origin=str(installed)) if name == "openpyxl" else real(name, *a))
    plan_cache._reader_versions.cache_clear()
    reads = []
    monkeypatch.setattr(plan_reader, "read_plan_workbook", lambda p, _read=plan_reader.read_plan_workbook:
                        reads.append(p) or _read(p))
    load_plan(path)
    load_plan(path)
    assert len(reads) == 1                              # read once with this install, then from the cache
    installed.write_text("__version__ = '1.1'  # upgraded\n")
    plan_cache._reader_versions.cache_clear()
    load_plan(path)
    assert len(reads) == 2
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    plan_cache._reader_versions.cache_clear()
    assert plan_cache._reader_versions() == "python_calamine=none openpyxl=none lxml=none"
    plan_cache._reader_versions.cache_clear()


def test_the_same_bytes_under_another_name_name_their_own_file(tmp_path, monkeypatch):
    first = _with_warnings(tmp_path / "plan.xlsx")
    load_plan(first)
    second = tmp_path / "other plan.xlsx"
    shutil.copyfile(first, second)
    plan, report = load_plan(second)
    _same((plan, report), _fresh(second, monkeypatch))
    assert plan.source == str(second) and {i.file for i in report} == {"other plan.xlsx"}


def test_without_a_key_nothing_is_cached_and_no_key_is_made(tmp_path, monkeypatch):
    monkeypatch.delenv("XLPLAN_SECRET")
    path = build_plan(tmp_path / "plan.xlsx")
    load_plan(path)
    load_plan(path)
    assert not (tmp_path / KEY_FILE).exists() and not (tmp_path / FOLDER).exists()
    (tmp_path / KEY_FILE).write_text("a key beside the plan\n")
    load_plan(path)
    assert len(_plan_entries(tmp_path)) == 1
    fresh = _fresh(path, monkeypatch)
    _without_reading(monkeypatch)
    _same(load_plan(path), fresh)


def test_entries_made_with_another_key_are_not_used(tmp_path, monkeypatch):
    path = build_plan(tmp_path / "plan.xlsx")
    load_plan(path)
    monkeypatch.setenv("XLPLAN_SECRET", "another secret")
    fresh = _fresh(path, monkeypatch)
    reads = []
    real = plan_reader.read_plan_workbook
    monkeypatch.setattr(plan_reader, "read_plan_workbook", lambda p: reads.append(p) or real(p))
    _same(load_plan(path), fresh)
    assert reads == [path]


def test_xlplan_no_cache_reads_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    path = build_plan(tmp_path / "plan.xlsx")
    load_plan(path)
    assert not (tmp_path / FOLDER).exists()


def test_a_plan_saved_over_while_it_is_read_is_not_kept(tmp_path, monkeypatch):
    path = build_plan(tmp_path / "plan.xlsx")
    edited = build_plan(tmp_path / "edited" / "plan.xlsx", measures=[measure("SW09"), measure("SW02")])
    real = plan_reader.read_plan_workbook

    def saved_over_meanwhile(p):          # the reader parses the new bytes, not the ones hashed
        shutil.copyfile(edited, path)
        return real(p)

    monkeypatch.setattr(plan_reader, "read_plan_workbook", saved_over_meanwhile)
    load_plan(path)
    assert _plan_entries(tmp_path) == []
    monkeypatch.setattr(plan_reader, "read_plan_workbook", real)
    got = load_plan(path)
    _same(got, _fresh(path, monkeypatch))
    assert [m.code for m in got[0].measures] == ["SW09", "SW02"]


def test_the_fingerprint_once_computed_comes_with_the_cached_plan(tmp_path, monkeypatch):
    path = build_plan(tmp_path / "plan.xlsx")
    plan, _ = load_plan(path)
    assert not plan.fingerprint_known()
    assert not load_plan(path)[0].fingerprint_known()     # not computed yet: not cached either
    fingerprint = plan.fingerprint
    monkeypatch.setattr(plan_mod, "_canonical_json", lambda *a: pytest.fail("canonical JSON built again"))
    cached, _ = load_plan(path)
    assert cached.fingerprint_known() and cached.fingerprint == fingerprint


def test_canonical_json_keeps_the_fingerprint_it_seeds(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx")
    plan, _ = load_plan(path)
    plan.canonical_json()
    cached, _ = load_plan(path)
    assert cached.fingerprint_known() and cached.fingerprint == plan.fingerprint


def test_a_pickled_plan_keeps_its_fingerprint_but_not_its_cache_entry(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx")
    plan, _ = load_plan(path)
    fingerprint = plan.fingerprint
    data = pickle.dumps(plan)
    assert b"plan-cache-test-secret" not in data and b"SignedCache" not in data
    back = pickle.loads(data)
    assert back == plan and back.fingerprint_known() and back.fingerprint == fingerprint


def _prepared(plan: Plan, db_url: str):
    return collect_mod._prepare(plan, db_url, collect_mod._ready_for_workers(plan))


def test_prepare_takes_the_fingerprint_and_snapshot_from_the_cache(tmp_path, monkeypatch):
    path = build_plan(tmp_path / "plan.xlsx")
    fresh, _ = _fresh(path, monkeypatch)
    text = fresh.canonical_json()
    plan, _ = load_plan(path)
    packed = _prepared(plan, f"sqlite:///{tmp_path}/one.db")          # a store without the plan
    assert packed.text() == text and plan.fingerprint == fresh.fingerprint
    monkeypatch.setattr(plan_mod, "_canonical_json", lambda *a: pytest.fail("canonical JSON built again"))
    monkeypatch.setattr(rows, "pack", lambda *a: pytest.fail("snapshot packed again"))
    cached, _ = load_plan(path)
    again = _prepared(cached, f"sqlite:///{tmp_path}/two.db")
    assert isinstance(again, store.PackedText) and again.text() == text and again.size == packed.size
    assert rows.plan_row(cached, again) == {**rows.plan_row(fresh, packed), "snapshot": again}
    monkeypatch.setattr(store, "plan_stored", lambda db_url, fingerprint: fingerprint == fresh.fingerprint)
    assert _prepared(load_plan(path)[0], "sqlite:///unused.db") is None  # a store with it: nothing built


def test_prepare_without_the_cache_is_as_before(tmp_path, monkeypatch):
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    path = build_plan(tmp_path / "plan.xlsx")
    plan, _ = load_plan(path)
    packed = _prepared(plan, f"sqlite:///{tmp_path}/one.db")
    assert packed.text() == _fresh(path, monkeypatch)[0].canonical_json()
    monkeypatch.setattr(store, "plan_stored", lambda db_url, fingerprint: True)
    assert _prepared(load_plan(path)[0], "sqlite:///unused.db") is None
    assert not (tmp_path / FOLDER).exists()


# --- the columns the cache keeps measures and actions in give back exactly the objects ------------

_TEXT = st.text(max_size=12)
_VALUES = st.builds(Value, st.one_of(st.none(), st.floats(allow_nan=False)), st.none(), _TEXT, _TEXT)


@pytest.fixture(scope="module")
def example_parts():
    return plan_reader.read_plan_workbook(EXAMPLE)[0].measures


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_columns_give_back_the_same_measures_and_actions(data, example_parts):
    years = [m.history for m in example_parts if m.history]
    measures = data.draw(st.lists(st.builds(
        Measure, code=_TEXT, name=_TEXT, theme=_TEXT, outcome=_TEXT, service=_TEXT,
        unit=st.sampled_from([m.unit for m in example_parts]),
        polarity=st.sampled_from([m.polarity for m in example_parts]),
        target=st.sampled_from([m.target for m in example_parts]),
        profile=st.sampled_from([m.profile for m in example_parts]),
        tolerance=st.sampled_from([m.tolerance for m in example_parts]),
        baseline=st.one_of(st.none(), _VALUES), links=_TEXT, category=_TEXT,
        history=st.one_of(st.just({}), st.sampled_from(years)), row=st.integers(0, 10**6)), max_size=8))
    actions = data.draw(st.lists(st.builds(
        Action, ref=_TEXT, name=_TEXT, measures=_TEXT, theme=_TEXT, outcome=_TEXT, service=_TEXT, owner=_TEXT,
        start=st.one_of(st.none(), st.dates()), due=st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1))),
        row=st.integers(0, 10**6)), max_size=8))
    for cls, items in ((Measure, measures), (Action, actions)):
        back = plan_cache._objects(cls, pickle.loads(pickle.dumps(plan_cache._columns(cls, items))))
        assert back == items and repr(back) == repr(items)
        assert all(type(b) is cls for b in back)


def test_columns_of_another_shape_are_refused():
    names, values = plan_cache._columns(Action, [])
    with pytest.raises(ValueError):
        plan_cache._objects(Action, (names[:-1], values[:-1]))
    with pytest.raises(ValueError):
        plan_cache._objects(Action, (names, [[1]] + values[1:]))


@pytest.mark.parametrize("where", ["folder", "missing.xlsx"])
def test_a_folder_or_missing_file_is_reported_as_without_the_cache(tmp_path, monkeypatch, where):
    (tmp_path / "folder").mkdir()
    path = tmp_path / where
    _same(load_plan(path), _fresh(path, monkeypatch))
    assert not (tmp_path / FOLDER).exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_the_bytes_hashed_are_a_regular_files_and_a_pipe_is_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.xlsx")
    assert plan_cache._read_bytes(tmp_path / "pipe.xlsx") is None
    path = build_plan(tmp_path / "plan.xlsx")
    data, _ = plan_cache._read_bytes(path)
    assert data == path.read_bytes()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_plan_path_that_is_a_pipe_is_refused_not_waited_on(tmp_path, monkeypatch):
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")       # the reader itself, not only the cache
    pipe = tmp_path / "plan.xlsx"
    os.mkfifo(pipe)
    plan, report = load_plan(pipe)
    assert plan is None
    assert "not a file" in str(report.errors[0])


def test_a_plan_carries_no_cache_entry_and_its_entry_goes_with_it(tmp_path):
    """The cache entry a Plan came through is kept beside it (plan/cache.py), not in it, and is
    dropped when the plan is."""
    import gc
    import pickle

    from xlplan.plan import cache as plan_cache

    path = build_plan(tmp_path / "plan.xlsx")
    load_plan(path)                       # read and stored
    plan = load_plan(path)[0]             # from the cache
    assert id(plan) in plan_cache._ENTRY_OF
    assert not any(isinstance(v, plan_cache._Entry) for v in vars(plan).values())
    assert b"_Entry" not in pickle.dumps(plan)
    key = id(plan)
    del plan
    gc.collect()
    assert key not in plan_cache._ENTRY_OF


def test_a_plan_from_the_cache_loads_none_of_the_workbook_readers(tmp_path):
    """Loading a cached plan (what every collect after `xlplan templates` does, before its workers
    start) imports neither calamine nor lxml nor the plan reader: only reading the workbook needs them."""
    import subprocess
    import sys
    path = build_plan(tmp_path / "plan.xlsx")
    code = ("import sys\nfrom xlplan.plan import load_plan\n"
            f"plan, report = load_plan({str(path)!r})\n"
            "print(plan is not None, ' '.join(sorted(sys.modules)))")
    env = {**os.environ, "XLPLAN_SECRET": "plan-cache-test-secret"}
    env.pop("XLPLAN_NO_CACHE", None)
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert first.stdout.startswith("True ") and "xlplan.plan.reader" in first.stdout.split()   # read, and cached
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    ok, *loaded = again.stdout.split()
    assert ok == "True", again.stderr[-2000:]
    assert {m.split(".")[0] for m in loaded} & {"lxml", "python_calamine", "openpyxl"} == set()
    assert "xlplan.plan.reader" not in loaded and "xlplan.plan.cells" in loaded    # (its size limit)
