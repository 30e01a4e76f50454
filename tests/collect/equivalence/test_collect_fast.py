"""collect's fast paths give exactly the slow paths' answers: figures as JSON, the driver-level bulk
insert, the rule texts worked out once per rule, the history written only when the store lacks this
plan's, and collect never reading the quarter back (only the reports ask for it)."""

from __future__ import annotations

import json
import math
import tempfile
from datetime import datetime

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import insert

from builders import measure
from quarter import AOP, CJ, GOOD_CJ, MEASURES, Q2, fill, make_plan, make_templates, run, \
    two_good_returns
from xlplan.collect import rows
from xlplan import store
from xlplan.store import write as store_write
from xlplan.plan import read_plan
from xlplan.plan.model import _canonical
from xlplan.status import Status, target_text
from xlplan.values import Ratio


def _slow_figure_json(figure):
    if figure is None:
        return None
    if isinstance(figure, Ratio):
        return json.dumps([figure.left, figure.right])
    return json.dumps(float(figure))


@given(st.one_of(st.none(), st.floats(), st.integers(-10**6, 10**6),
                 st.builds(Ratio, st.floats(allow_nan=False), st.floats(allow_nan=False))))
def test_figure_json_is_what_json_dumps_gives_and_reads_back(figure):
    text = store.figure_json(figure)
    assert text == _slow_figure_json(figure)
    back = store.figure_from_json(text)
    slow = None if text is None else json.loads(text)
    if isinstance(slow, list):
        assert back == Ratio(float(slow[0]), float(slow[1]))
    elif slow is None:
        assert back is None
    else:
        assert back == float(slow) or (math.isnan(back) and math.isnan(slow))


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_action_row = st.fixed_dictionaries({
    "name": _text, "status": st.sampled_from(["Complete", "Green", "Report later"]), "comment": _text,
    "due": st.one_of(st.none(), st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1))),
    "overdue": st.booleans(), "in_error": st.booleans(), "source_file": st.one_of(st.none(), _text),
    "source_sha256": st.one_of(st.none(), st.text("0123456789abcdef", min_size=64, max_size=64)),
    "source_sheet": st.one_of(st.none(), _text), "source_cell": st.one_of(st.none(), st.just("E7"))})


@settings(max_examples=40, deadline=None)
@given(st.lists(_action_row, max_size=20))
def test_bulk_insert_stores_what_a_core_insert_stores(drafts):
    made = [{"period": Q2.id, "ref": f"A{i}", "service": CJ, **d} for i, d in enumerate(drafts)]
    with tempfile.TemporaryDirectory() as tmp:
        contents = []
        for how in ("core", "bulk", "tuples"):
            url = f"sqlite:///{tmp}/{how}.db"
            eng = store.engine(url)
            with store.transaction(eng, url) as conn:
                if how == "core" and made:
                    conn.execute(insert(store.action_updates), made)
                elif how == "bulk":
                    store.bulk_insert(conn, store.action_updates, made)
                else:
                    columns = [c.name for c in store.action_updates.columns]
                    store.bulk_insert(conn, store.action_updates, [tuple(r[c] for c in columns) for r in made])
            eng.dispose()
            contents.append(store.table_contents(url))
        assert contents[0] == contents[1] == contents[2]


def test_bulk_insert_refuses_a_tuple_row_short_of_columns(tmp_path):
    url = f"sqlite:///{tmp_path}/x.db"
    eng = store.engine(url)
    with pytest.raises(ValueError, match="history needs its 4 columns"):
        with store.transaction(eng, url) as conn:
            store.bulk_insert(conn, store.history, [("SW01", "2022/23", "0.5", "plan"), ("SW01", "2021/22")])
    eng.dispose()


_quarter = two_good_returns


def test_rule_texts_worked_out_once_per_rule_match_each_measures_own(tmp_path):
    shared = [measure(f"SW2{i}", Target="75%") for i in range(3)]          # one rule, three measures
    root = _quarter(tmp_path, [*MEASURES, *shared])
    run(root)
    plan = read_plan(root / "plan.xlsx")
    stored = {r[1]: r for r in store.table_contents(f"sqlite:///{root}/xlplan.db")["measure_values"]}
    names = [c.name for c in store.measure_values.columns]
    for m in plan.measures:
        row = dict(zip(names, stored[m.code]))
        rule = m.rule(Q2, plan.settings.amber_tolerance)
        assert (row["rule"], row["rule_text"], row["target_text"], row["annual_target_text"]) == \
            (rows.rule_json(rule), rule.describe(), target_text(rule, m.unit), m.target.describe(m.unit))


def test_history_rows_are_each_measures_years_in_order(tmp_path):
    plan = read_plan(make_plan(tmp_path))
    slow = [(m.code, year.slash, store.figure_json(v.figure), "plan")
            for m in plan.measures for year, v in sorted(m.history.items())]
    made = rows.history_rows(plan)
    assert made == slow and slow
    assert all(type(r) is store.HistoryRow for r in made) and made[0]._asdict()["source"] == "plan"


def test_history_and_snapshot_are_written_only_when_the_store_lacks_this_plans(tmp_path, monkeypatch):
    root = _quarter(tmp_path)
    db = f"sqlite:///{root}/xlplan.db"
    run(root)
    first = store.table_contents(db)
    built = []
    for name in ("plan_row", "history_rows"):
        real = getattr(rows, name)
        monkeypatch.setattr(rows, name, lambda plan, *a, real=real, name=name: built.append(name) or real(plan, *a))
    run(root)
    assert built == [] and store.table_contents(db) == first

    # another plan's history overwrites the same measures; going back to the first plan rewrites it
    changed = [measure("SW01", Target="75%", **{"2021/22": "50%", "2022/23": "55%"}), *MEASURES[1:]]
    make_plan(root, measures=changed)
    run(root)
    assert ("SW01", "2022/23", "0.55", "plan") in store.table_contents(db)["history"]
    make_plan(root, measures=MEASURES)
    run(root)
    assert set(built) == {"plan_row", "history_rows"}
    assert store.table_contents(db)["history"] == first["history"]
    assert ("SW01", "2022/23", "0.71", "plan") in first["history"]


def test_collect_never_reads_the_quarter_back_and_counts_as_the_store_does(tmp_path, monkeypatch):
    root = _quarter(tmp_path)
    import xlplan.store as store_read
    real = store_read.load_results
    monkeypatch.setattr(store_read, "load_results", lambda *a: pytest.fail("read back before the reports ask"))
    result = run(root)
    counts, missing = result.status_counts, result.missing_services
    monkeypatch.setattr(store_read, "load_results", real)
    assert counts == result.results.measure_counts() and sum(counts.values()) == len(MEASURES)
    assert missing == result.results.missing_services
    assert counts[Status.GREEN] > 0


def test_missing_services_in_memory_match_the_store(tmp_path):
    plan_path = make_plan(tmp_path)
    fill(make_templates(plan_path)[CJ], tmp_path / "returns" / "cj.xlsx", GOOD_CJ)
    result = run(tmp_path)
    assert result.missing_services == result.results.missing_services == [AOP]


def test_load_results_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc
    root = _quarter(tmp_path)
    run(root)
    plan, db = read_plan(root / "plan.xlsx"), f"sqlite:///{root}/xlplan.db"
    assert gc.isenabled()
    assert len(store.load_results(db, plan, Q2).measures) == len(MEASURES) and gc.isenabled()
    gc.disable()
    try:
        store.load_results(db, plan, Q2)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_snapshot_is_built_once_and_seeds_the_fingerprint_plan_fingerprint_gives(tmp_path):
    path = make_plan(tmp_path)
    plan, fresh = read_plan(path), read_plan(path)
    text = plan.canonical_json()
    assert text == json.dumps(_canonical(fresh), sort_keys=True, default=str)
    assert plan.fingerprint == fresh.fingerprint      # the seeded value is the one Plan computes
    packed = rows.plan_row(plan, rows.pack(text))
    assert {**packed, "snapshot": packed["snapshot"].text()} == rows.plan_row(fresh)
    assert rows.plan_row(plan)["snapshot"] == text


def test_plan_stored_says_whether_the_snapshot_is_needed(tmp_path):
    root = _quarter(tmp_path)
    db = f"sqlite:///{root}/xlplan.db"
    plan = read_plan(root / "plan.xlsx")
    assert not store.plan_stored(db, plan.fingerprint)          # no store file yet
    run(root)
    assert store.plan_stored(db, plan.fingerprint) and not store.plan_stored(db, "0" * 64)


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=3000), st.integers(1, 64))
def test_a_packed_snapshot_is_stored_exactly_as_the_text_inserted_whole(text, step):
    import sqlite3
    row = {"fingerprint": "f" * 64, "identity": "i", "organisation": "o", "title": "t", "year": "2023-24"}
    packed = store.PackedText.of(text, step=step)
    assert packed.text() == text and b"".join(packed.chunks(step=7)) == text.encode()
    with tempfile.TemporaryDirectory() as tmp:
        stored = []
        for how, snapshot in (("whole", text), ("packed", packed)):
            url = f"sqlite:///{tmp}/{how}.db"
            eng = store.engine(url)
            with store.transaction(eng, url) as conn:
                store_write._insert_plan(conn, {**row, "snapshot": snapshot})
            eng.dispose()
            with sqlite3.connect(f"{tmp}/{how}.db") as raw:
                stored.append(raw.execute("SELECT *, typeof(snapshot) FROM plans").fetchall())
        assert stored[0] == stored[1] and stored[0][0][-2:] == (text, "text")


def test_collect_pauses_the_cyclic_collector_only_while_it_runs_and_examines_with_it(tmp_path, monkeypatch):
    import gc
    import xlplan.collect.engine as engine
    root = _quarter(tmp_path)
    seen = []
    real = engine.examine_safely
    monkeypatch.setattr(engine, "examine_safely", lambda *a: seen.append(gc.isenabled()) or real(*a))
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    run(root, jobs=1)
    assert seen == [True, True] and gc.isenabled() and gc.get_freeze_count() == frozen
