"""The re-run memo: a re-run over exactly the inputs of the quarter's last collect, with nothing
written to the store since, gives the same result without working out and comparing the rows it
would store as they are; anything else (a file changed, another write, the cache off) does it all."""

from __future__ import annotations

import pytest

from quarter import AOP, CJ, GOOD_CJ, Q2, fill, make_templates, run, two_good_returns
from xlplan import store
from xlplan.collect import pipeline
from xlplan.periods import Period


@pytest.fixture
def quarter(tmp_path):
    root = two_good_returns(tmp_path)
    t = make_templates(root / "plan.xlsx", out=root / "again")      # a Red without a comment: a warning from assess
    fill(t[CJ], root / "returns" / "cj.xlsx", {**GOOD_CJ, "SW03": {"To date": 90, "Comments/Progress": None}})
    return root


@pytest.fixture
def assessed(monkeypatch):
    """How many times collect worked the figures out (its assess step ran)."""
    calls = []
    real = pipeline.assess

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "assess", counting)
    return calls


def _seen(result):
    return ([(i.code, i.severity, i.message, i.file, i.sheet, i.cell, i.key) for i in result.issues],
            [(r.service, r.file, r.outcome, r.errors, r.warnings, r.reasons) for r in result.records],
            result.status_counts, result.exit_code)


def test_a_rerun_over_the_same_inputs_is_remembered_and_gives_the_same_result(quarter, db_url, assessed):
    first = run(quarter, db=db_url)
    stored = store.table_contents(db_url, bookkeeping=True)
    assert any(i.code == "comment.missing-for-red" for i in first.issues) and len(assessed) == 1

    again = run(quarter, db=db_url)

    assert len(assessed) == 1                                       # not worked out a second time
    assert _seen(again) == _seen(first)                             # its warnings and counts come back
    assert store.table_contents(db_url, bookkeeping=True) == stored  # and nothing was written


def test_a_changed_return_or_another_write_or_the_cache_off_works_it_all_out(quarter, db_url, assessed,
                                                                              monkeypatch):
    first = run(quarter, db=db_url)
    t = make_templates(quarter / "plan.xlsx", out=quarter / "t3")
    fill(t[AOP], quarter / "returns" / "aop.xlsx", {"SW10": {"To date": "91%"}, "SW11": {"To date": "72/28"}})
    changed = run(quarter, db=db_url)
    assert len(assessed) == 2 and changed.status_counts != first.status_counts

    run(quarter, db=db_url)
    assert len(assessed) == 2                                       # remembered again
    run(quarter, Period.parse("2023-24-Q3"), db=db_url)             # another quarter written meanwhile
    run(quarter, db=db_url)
    assert len(assessed) == 4                                       # Q3's collect, then Q2's afresh

    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    before = store.table_contents(db_url)
    off = run(quarter, db=db_url)
    assert len(assessed) == 5 and _seen(off)[2:] == _seen(changed)[2:]
    assert store.table_contents(db_url) == before                   # the same rows, worked out afresh


def test_a_remembered_rerun_stores_what_a_full_collect_stores(quarter, tmp_path, monkeypatch):
    remembered, full = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    run(quarter, db=remembered)
    run(quarter, db=remembered)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    run(quarter, db=full)
    assert store.table_contents(remembered) == store.table_contents(full)
