"""collect's serial work after the pool gives exactly the slow paths' answers: statuses with rules
worked out once per distinct rule input (`_assess`), a period's rows written only where they differ
from what is stored (`store.replace_period`), bind conversions once per distinct value, the history
rows, and the previous quarter's comments."""

from __future__ import annotations

import copy
import sqlite3
import tempfile
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import delete

from builders import measure
from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, MEASURES, Q2, fill, make_plan, make_templates, run, \
    two_good_returns
from xlplan.collect import pipeline
from xlplan.collect import rows
from xlplan import store
from xlplan.store import write as store_write
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.status import (ActionStatus, Profile, ProfileKind, action_overdue, measure_status,
                           period_target, target_text, uses_outturn)
from xlplan.collect.entries import check_assessment, check_comment
from xlplan.values import Ratio, Target, TargetKind, Unit

# --- uses_outturn --------------------------------------------------------------------------------

_KINDS = [TargetKind.FIGURE, TargetKind.INCREASE, TargetKind.REDUCE, TargetKind.MAINTAIN, TargetKind.TBC,
          TargetKind.NONE]
_target = st.builds(lambda kind, x: Target(kind, x if kind is TargetKind.FIGURE else None, "typed"),
                    st.sampled_from(_KINDS), st.floats(0, 1e6))
_profile = st.one_of(st.sampled_from([Profile(ProfileKind.LEVEL), Profile(ProfileKind.CUMULATIVE)]),
                     st.builds(lambda qs: Profile(ProfileKind.QUARTERLY, tuple(qs)), st.lists(_target, min_size=4,
                                                                                              max_size=4)))


@given(_target, _profile, st.integers(1, 4), st.sampled_from(list(Unit)),
       st.one_of(st.floats(-1e6, 1e6), st.builds(Ratio, st.floats(0, 100), st.floats(0, 100))))
def test_uses_outturn_says_exactly_when_the_periods_target_depends_on_last_years_outturn(
        target, profile, quarter, unit, outturn):
    period = Period.parse(f"2023-24-Q{quarter}")
    without = period_target(target, profile, period, unit, None)
    with_it = period_target(target, profile, period, unit, outturn)
    if uses_outturn(target, profile, period):
        assert with_it != without           # the basis says which outturn (or that none is recorded)
    else:
        assert with_it == without


# --- _assess against each measure's own rule -------------------------------------------------------


def _slow_assess(files, plan, period, previous):
    """_assess as it was: every measure's rule, texts and status worked out for that measure alone."""
    winners = {f.service.casefold(): f for f in files if f.outcome == "accepted"}
    none = rows.source_values(None, None, None)
    value_rows, action_rows = [], []
    for m in plan.measures:
        f = winners.get(m.service.strip().casefold())
        entry = f.measures.get(m.code) if f else None
        rule = m.rule(period, plan.settings.amber_tolerance)
        texts = (rows.rule_json(rule), rule.describe(), target_text(rule, rule.unit), m.target.describe(m.unit))
        if entry is None:
            value, assessment = None, measure_status(None, rule)
        else:
            value = entry.value if not entry.in_error else None
            assessment = measure_status(value, rule, entry.assessed)
            extra = check_comment(m.code, assessment.status, entry.comment, previous.get(("measure", m.code)),
                                  f.name, entry.sheet, entry.comment_cell, entry.row)
            differs = check_assessment(m, entry, assessment.status, assessment.basis, texts[2], f.name) \
                if value is not None else None
            f.issues.extend(extra + ([differs] if differs else []))
        value_rows.append((
            period.id, m.code, m.service, m.name, store.figure_json(value.figure) if value is not None else None,
            value.missing.value if value is not None and value.missing else None, value.raw if value else "",
            assessment.status.value, assessment.basis, assessment.reason,
            entry.assessed.value if entry is not None and entry.assessed else None, *texts,
            entry.comment if entry else "", bool(entry and entry.in_error),
            *(rows.source_values(f, entry.sheet, entry.cell) if entry is not None else none), plan.fingerprint,
            "return", None, None))
    for a in plan.actions:
        f = winners.get(a.service.strip().casefold())
        entry = f.actions.get(a.ref) if f else None
        status = entry.status if entry is not None and entry.status is not None else ActionStatus.REPORT_LATER
        if entry is not None:
            f.issues.extend(check_comment(a.ref, status, entry.comment, previous.get(("action", a.ref)),
                                          f.name, entry.sheet, entry.comment_cell, entry.row))
        action_rows.append((
            period.id, a.ref, a.service, a.name, status.value, entry.comment if entry else "",
            datetime(a.due.year, a.due.month, a.due.day) if a.due else None,
            action_overdue(status, a.due, period), bool(entry and entry.in_error),
            *(rows.source_values(f, entry.sheet, entry.cell) if entry is not None else none)))
    return value_rows, action_rows


# measures sharing targets, directional targets judged on different outturns, a Quarterly profile
# with a directional quarter, Monitor and no-target measures, one not returned at all
SHARED = [
    *MEASURES,
    measure("SW21", Target="Increase", **{"2022/23": "60%"}),
    measure("SW22", Target="Increase", **{"2022/23": "85%"}),
    measure("SW23", Target="Increase", **{"2022/23": "60%"}),
    measure("SW24", Target="Reduce", Polarity="Lower", Unit="number", **{"2022/23": "40"}),
    measure("SW25", Target="Maintain"),
    measure("SW26", Target="75%", Profile="70%; Increase; 80%; 85%", **{"2022/23": "72%"}),
    measure("SW27", Target="75%", Polarity="Monitor"),
    measure("SW28", Target="TBC"),
    measure("SW12", Service=AOP, Unit="%", Target="90%"),
]
TYPED = {**GOOD_CJ, "SW21": {"To date": 0.65, "Comments/Progress": "Up"},
         "SW22": {"To date": 0.80, "Status": "Green", "Comments/Progress": ""},
         "SW23": {"To date": 0.40}, "SW24": {"To date": 40, "Comments/Progress": "Level"},
         "SW25": {"To date": 0.5, "Comments/Progress": "Same as ever"}, "SW26": {"To date": 0.9},
         "SW27": {"To date": 0.1}, "SW28": {"To date": 0.3, "Status": "Red", "Comments/Progress": "Late"}}


def test_assess_gives_exactly_the_rows_and_issues_of_each_measures_own_rule(tmp_path, monkeypatch):
    plan_path = make_plan(tmp_path, measures=SHARED)
    templates = make_templates(plan_path)
    fill(templates[CJ], tmp_path / "returns" / "cj.xlsx", TYPED, {"A1": {"Status": "Red"}, "A2": {"Status": "Complete",
                                                                                          "Comments/Progress": "Done"}})
    fill(templates[AOP], tmp_path / "returns" / "aop.xlsx", GOOD_AOP)
    seen = []
    real = pipeline.assess
    monkeypatch.setattr(pipeline, "assess", lambda *a: seen.append(copy.deepcopy(a)) or real(*a))
    run(tmp_path)
    (files, plan, period, _, _, _), = seen
    typed_comments = {("measure" if sheet == "m" else "action", code): e.comment
                      for f in files for sheet, entries in (("m", f.measures), ("a", f.actions))
                      for code, e in entries.items()}
    codes = set()
    for previous in ({}, typed_comments, {k: "something else" for k in typed_comments}):
        slow_files, fast_files = copy.deepcopy(files), copy.deepcopy(files)
        slow = _slow_assess(slow_files, plan, period, previous)
        fast = real(fast_files, plan, period, previous)
        assert fast == slow
        assert [f.issues for f in fast_files] == [f.issues for f in slow_files]
        codes |= {i.code for f in fast_files for i in f.issues}
    assert {"comment.unchanged", "comment.missing-for-red", "status.differs"} <= codes
    statuses = {r[1]: r[7] for r in fast[0]}
    assert statuses["SW21"] == "Green" and statuses["SW23"] == "Red" and statuses["SW12"] == "Report later"


# --- replace_period against delete-all and insert --------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_action = st.fixed_dictionaries({
    "ref": st.sampled_from([f"A{i}" for i in range(8)]), "service": _text, "name": _text,
    "status": st.sampled_from(["Complete", "Green", "Report later"]), "comment": _text,
    "due": st.one_of(st.none(), st.sampled_from([datetime(2024, 3, 31), datetime(2023, 9, 30, 12, 5)])),
    "overdue": st.booleans(), "in_error": st.booleans(), "source_file": st.one_of(st.none(), _text),
    "source_sha256": st.none(), "source_sheet": st.one_of(st.none(), st.just("Actions")),
    "source_cell": st.one_of(st.none(), st.just("E7"))})


def _rows(drafts, period):
    unique = {d["ref"]: d for d in drafts}          # one row per key, as collect makes them
    return [{"period": period, **d} for d in unique.values()]


def _with_rowids(path):
    with sqlite3.connect(path) as con:
        return sorted(con.execute("SELECT rowid, * FROM action_updates").fetchall())


@settings(max_examples=80, deadline=None)
@given(st.lists(_action, max_size=8), st.lists(_action, max_size=8), st.lists(_action, max_size=4),
       st.booleans(), st.integers(1, 3))
def test_replace_period_stores_what_deleting_the_period_and_inserting_stores(before, after, other, as_tuples,
                                                                             batch):
    real_batch, store_write._BATCH = store_write._BATCH, batch        # stored rows read a few at a time
    try:
        _replace_period_against_delete_and_insert(before, after, other, as_tuples)
    finally:
        store_write._BATCH = real_batch


def _replace_period_against_delete_and_insert(before, after, other, as_tuples):
    columns = [c.name for c in store.action_updates.columns]
    new = _rows(after, Q2.id)
    if as_tuples:
        new = [tuple(r[c] for c in columns) for r in new]
    with tempfile.TemporaryDirectory() as tmp:
        contents = []
        for how in ("slow", "fast"):
            url = f"sqlite:///{tmp}/{how}.db"
            eng = store.engine(url)
            with store.transaction(eng, url) as conn:
                store.bulk_insert(conn, store.action_updates, _rows(before, Q2.id) + _rows(other, "2023-24-Q1"))
            with store.transaction(eng, url) as conn:
                if how == "slow":
                    conn.execute(delete(store.action_updates).where(store.action_updates.c.period == Q2.id))
                    store.bulk_insert(conn, store.action_updates, list(new))
                else:
                    store.replace_period(conn, store.action_updates, Q2.id, list(new))
            eng.dispose()
            contents.append(store.table_contents(url))
        assert contents[0] == contents[1]

        # the same rows again: nothing is rewritten (every row keeps its rowid, no change is made)
        url = f"sqlite:///{tmp}/fast.db"
        kept = _with_rowids(f"{tmp}/fast.db")
        eng = store.engine(url)
        with store.transaction(eng, url) as conn:
            changes = conn.connection.driver_connection.total_changes
            store.replace_period(conn, store.action_updates, Q2.id, list(new))
            assert conn.connection.driver_connection.total_changes == changes
        eng.dispose()
        assert _with_rowids(f"{tmp}/fast.db") == kept


def test_replace_period_with_a_common_start_then_changes_and_rows_out_of_key_order():
    drafts = [{"ref": f"A{i}", "service": "S", "name": f"n{i}", "status": "Green", "comment": "", "due": None,
               "overdue": False, "in_error": False, "source_file": None, "source_sha256": None,
               "source_sheet": None, "source_cell": None} for i in range(7)]
    changed = [*drafts[:3], {**drafts[3], "comment": "new"}, drafts[5], {**drafts[6], "ref": "A9"}]
    for batch in (1, 2, 5, 100):
        real_batch, store_write._BATCH = store_write._BATCH, batch
        try:
            _replace_period_against_delete_and_insert(drafts, changed[::-1], drafts[:2], False)
            _replace_period_against_delete_and_insert(drafts, changed, [], True)
        finally:
            store_write._BATCH = real_batch


def test_replace_period_with_the_same_keys_rewrites_only_the_changed_rows(tmp_path):
    """Rows matched in key order whose values changed (a re-run over a few corrected returns) are
    rewritten; every other row keeps its rowid; the store equals deleting and inserting."""
    drafts = [{"ref": f"A{i:02}", "service": "S", "name": f"n{i}", "status": "Green", "comment": "", "due": None,
               "overdue": False, "in_error": False, "source_file": None, "source_sha256": None,
               "source_sheet": None, "source_cell": None} for i in range(20)]
    changed = [{**d, "comment": "new"} if i in (0, 7, 19) else d for i, d in enumerate(drafts)]
    for batch in (1, 2, 5, 100):      # (batches of 1 or 2 holding a changed row are written whole)
        real_batch, store_write._BATCH = store_write._BATCH, batch
        try:
            _replace_period_against_delete_and_insert(drafts, changed, drafts[:2], batch % 2 == 0)
            _replace_period_against_delete_and_insert(drafts, changed[::-1], [], False)
            if batch < 5:
                continue
            path = tmp_path / f"{batch}.db"
            url = f"sqlite:///{path}"
            eng = store.engine(url)
            with store.transaction(eng, url) as conn:
                store.bulk_insert(conn, store.action_updates, _rows(drafts, Q2.id))
            before = {r[2]: r[0] for r in _with_rowids(path)}
            with store.transaction(eng, url) as conn:
                changes = conn.connection.driver_connection.total_changes
                store.replace_period(conn, store.action_updates, Q2.id, _rows(changed, Q2.id))
                assert conn.connection.driver_connection.total_changes - changes == 6   # 3 deleted, 3 inserted
            eng.dispose()
            after = {r[2]: r[0] for r in _with_rowids(path)}
            assert {ref for ref in before if before[ref] != after[ref]} == {"A00", "A07", "A19"}
        finally:
            store_write._BATCH = real_batch


_quarter = two_good_returns


def test_a_rerun_over_changed_returns_stores_what_a_fresh_store_holds(tmp_path):
    """Collect into a store, change one return, collect again: the store equals one that only ever
    saw the changed returns (rows that changed replaced, rows that went away deleted)."""
    root = _quarter(tmp_path / "a")
    run(root)
    t = make_templates(root / "plan.xlsx")
    fill(t[CJ], root / "returns" / "cj.xlsx", {**GOOD_CJ, "SW01": {"To date": 0.5, "Comments/Progress": "Down"}})
    (root / "returns" / "aop.xlsx").unlink()
    run(root)
    fresh = tmp_path / "b"
    fresh.mkdir()
    for name in ("plan.xlsx", ".xlplan-key"):
        (fresh / name).write_bytes((root / name).read_bytes())
    (fresh / "returns").mkdir()
    cj = root / "returns" / "cj.xlsx"
    (fresh / "returns" / "cj.xlsx").write_bytes(cj.read_bytes())
    import os
    os.utime(fresh / "returns" / "cj.xlsx", (cj.stat().st_mtime,) * 2)
    run(fresh)
    a, b = store.table_contents(f"sqlite:///{root}/xlplan.db"), store.table_contents(f"sqlite:///{fresh}/xlplan.db")
    assert a == b
    assert any(r[1] == "SW01" and r[4] == "0.5" for r in a["measure_values"])


# --- conversions, history, previous comments -------------------------------------------------------


def test_history_rows_follow_each_measures_own_years_whatever_their_order(tmp_path):
    plan = read_plan(make_plan(tmp_path))
    m = plan.measures[0]
    years = sorted(m.history)
    assert len(years) >= 2
    reordered = replace(m, code="SWX", history={y: m.history[y] for y in reversed(years)})
    fewer = replace(m, code="SWY", history={years[-1]: m.history[years[-1]]})
    plan = replace(plan, measures=[*plan.measures, reordered, fewer])
    slow = [(m.code, year.slash, store.figure_json(v.figure), "plan")
            for m in plan.measures for year, v in sorted(m.history.items())]
    assert rows.history_rows(plan) == slow


def test_previous_comments_are_the_stored_quarters(tmp_path):
    root = _quarter(tmp_path)
    db = f"sqlite:///{root}/xlplan.db"
    assert store.previous_comments(db, Q2.id) == {}
    run(root)
    found = store.previous_comments(db, Q2.id)
    assert found[("measure", "SW02")] == GOOD_CJ["SW02"]["Comments/Progress"]
    assert found[("action", "A1")] == "" and ("measure", "SW11") in found
    assert store.previous_comments(db, "2023-24-Q1") == {}


@pytest.mark.parametrize("batch", [1, 2, 100])
def test_replace_period_refuses_two_rows_with_one_key_even_when_one_is_stored_as_it_is(tmp_path, batch):
    from sqlalchemy import exc
    url = f"sqlite:///{tmp_path}/x.db"
    columns = [c.name for c in store.action_updates.columns]
    row = tuple({"period": Q2.id, "ref": "A1", "service": "S", "name": "n", "status": "Green", "comment": "",
                 "due": None, "overdue": False, "in_error": False, "source_file": None, "source_sha256": None,
                 "source_sheet": None, "source_cell": None}[c] for c in columns)
    eng = store.engine(url)
    with store.transaction(eng, url) as conn:
        store.bulk_insert(conn, store.action_updates, [row])
    real_batch, store_write._BATCH = store_write._BATCH, batch
    try:
        with pytest.raises(exc.IntegrityError):
            with store.transaction(eng, url) as conn:
                store.replace_period(conn, store.action_updates, Q2.id, [row, row])
    finally:
        store_write._BATCH = real_batch
        eng.dispose()
