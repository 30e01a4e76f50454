"""Signing a quarter off: the figures approved are fingerprinted and locked; a later collect
archives and lists what arrived and changes nothing; reopening needs a reason and is recorded; the
signed-off quarter's report says so and is rebuilt from the store with the same content."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from quarter import AOP, CJ, GOOD_CJ, Q2, fill, make_templates, run, set_saved, two_good_returns
from xlplan import store
from xlplan.cli import main
from xlplan.errors import XlplanError
from xlplan.plan import read_plan
from xlplan.reports import write_reports
from xlplan.store import schema


@pytest.fixture
def quarter(tmp_path):
    return two_good_returns(tmp_path)


def _changed_return(root, figure=0.60):
    """The Children and Justice manager sends a second return with a different SW01."""
    t = make_templates(root / "plan.xlsx", out=root / "again")
    path = fill(t[CJ], root / "returns" / "cj v2.xlsx", {**GOOD_CJ, "SW01": {"To date": figure,
                                                                              "Comments/Progress": "Revised"}})
    set_saved(path, datetime.now() + timedelta(hours=1))    # saved after the first: the newer return
    return path


def _sw01(db_url):
    return next(r for r in store.table_contents(db_url)["measure_values"] if r[1] == "SW01")


def test_a_signed_off_quarter_changes_nothing_and_lists_returns_that_arrive_after(quarter, db_url):
    first = run(quarter, db=db_url)
    assert first.ok
    done = store.sign_off(db_url, Q2.id, "J. Smith, Head of Service")
    assert done.by == "J. Smith, Head of Service" and len(done.fingerprint) == 64 and done.matches
    before = store.table_contents(db_url)
    late = _changed_return(quarter)

    again = run(quarter, db=db_url)

    after = store.table_contents(db_url)
    for table in ("returns", "measure_values", "action_updates", "issues", "restatements", "plans"):
        assert after[table] == before[table], table
    assert _sw01(db_url)[4] == "0.8"                      # the approved figure, not the late 60%
    assert again.signoff is not None and again.signoff.fingerprint == done.fingerprint
    assert [(r["file"], r["service"]) for r in again.after_signoff] == [("cj v2.xlsx", CJ)]
    assert again.exit_code == 1                             # something needs the officer's attention
    archived = {p.name for p in store.archive_dir(db_url).rglob("*") if p.is_file()}
    assert any(again.files[[f.name for f in again.files].index("cj v2.xlsx")].sha256 in n for n in archived)
    assert late.exists()                                    # the returns folder is never changed

    third = run(quarter, db=db_url)                         # seen again: listed once, first-seen kept
    assert [r["file"] for r in third.after_signoff] == ["cj v2.xlsx"]
    assert third.after_signoff[0]["seen"] == again.after_signoff[0]["seen"]


def test_the_store_refuses_a_write_to_a_signed_off_quarter_even_past_the_pipeline(quarter, db_url):
    run(quarter, db=db_url)
    store.sign_off(db_url, Q2.id, "Head of Service")
    with pytest.raises(XlplanError, match=r"signed off .*xlplan reopen --period 2023-24-Q2"):
        store.write_collect(db_url, period=Q2.id, plan_fingerprint="x", plan_row=dict, return_rows=[],
                            value_rows=[], action_rows=[], issue_rows=[], history_rows=list)
    assert _sw01(db_url)[4] == "0.8"


def test_reopen_needs_a_reason_is_recorded_and_lets_the_next_collect_change_the_quarter(quarter, db_url):
    run(quarter, db=db_url)
    first = store.sign_off(db_url, Q2.id, "Head of Service")
    with pytest.raises(XlplanError, match="Say why"):
        store.reopen(db_url, Q2.id, "   ", "Officer")
    assert store.locked(db_url, Q2.id) is not None
    _changed_return(quarter, 0.65)
    event = store.reopen(db_url, Q2.id, "Children and Justice sent a corrected return", "A. Officer")
    assert event.event == "reopened" and store.locked(db_url, Q2.id) is None

    result = run(quarter, db=db_url)

    assert result.signoff is None and _sw01(db_url)[4] == "0.65"
    second = store.sign_off(db_url, Q2.id, "Head of Service")
    assert second.fingerprint != first.fingerprint
    events = store.signoff_history(db_url, Q2.id)
    assert [(e.event, e.by) for e in events] == [("signed off", "Head of Service"), ("reopened", "A. Officer"),
                                                 ("signed off", "Head of Service")]
    assert events[1].reason == "Children and Justice sent a corrected return"
    with pytest.raises(XlplanError, match="not signed off"):
        store.reopen(db_url, "2023-24-Q3", "why", "me")


def test_sign_off_is_refused_for_a_quarter_not_collected_or_signed_off_already(quarter, db_url):
    with pytest.raises(XlplanError, match="Nothing has been collected for 2023-24-Q2"):
        store.sign_off(db_url, Q2.id, "Head of Service")
    run(quarter, db=db_url)
    with pytest.raises(XlplanError, match="--by"):
        store.sign_off(db_url, Q2.id, "  ")
    store.sign_off(db_url, Q2.id, "Head of Service")
    with pytest.raises(XlplanError, match="already signed off"):
        store.sign_off(db_url, Q2.id, "Someone else")


def _document(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml")


def test_the_signed_off_report_says_so_and_is_rebuilt_from_the_store_unchanged(quarter, db_url, tmp_path):
    run(quarter, db=db_url)
    done = store.sign_off(db_url, Q2.id, "J. Smith, Head of Service")
    plan = read_plan(quarter / "plan.xlsx")
    one = write_reports(store.load_results(db_url, plan, Q2), tmp_path / "one")
    two = write_reports(store.load_results(db_url, plan, Q2), tmp_path / "two")
    text = _document(one[0]).decode()
    assert "signed off by J. Smith, Head of Service" in text and done.fingerprint[:12] in text
    assert _document(one[0]) == _document(two[0])
    with zipfile.ZipFile(one[0]) as a, zipfile.ZipFile(two[0]) as b:
        assert {n: a.read(n) for n in a.namelist()} == {n: b.read(n) for n in b.namelist()}
    assert store.load_results(db_url, plan, Q2).generated_at == done.at


def test_a_store_changed_behind_the_sign_off_is_reported_as_not_matching(quarter, db_url, tmp_path):
    run(quarter, db=db_url)
    store.sign_off(db_url, Q2.id, "Head of Service")
    eng = schema.engine(db_url)
    with eng.begin() as conn:        # someone edits the database by hand
        conn.execute(update(schema.measure_values).where(schema.measure_values.c.code == "SW01")
                     .values(figure="0.99"))
    eng.dispose()
    results = store.load_results(db_url, read_plan(quarter / "plan.xlsx"), Q2)
    assert results.signoff is not None and not results.signoff.matches
    report = write_reports(results, tmp_path / "r")[0]
    assert "no longer match what was signed off" in _document(report).decode()


def test_signoff_and_reopen_commands(quarter, tmp_path, monkeypatch):
    monkeypatch.chdir(quarter)
    db = f"sqlite:///{quarter}/xlplan.db"
    run(quarter, db=db)
    cli = CliRunner()
    missing_by = cli.invoke(main, ["signoff", "--period", Q2.id, "--db", db])
    assert missing_by.exit_code == 2 and "--by" in missing_by.output
    done = cli.invoke(main, ["signoff", "--period", Q2.id, "--by", "Head of Service", "--db", db])
    assert done.exit_code == 0 and "signed off" in done.output
    fill(make_templates(quarter / "plan.xlsx", out=quarter / "t2")[AOP], quarter / "returns" / "aop late.xlsx",
         {"SW10": {"To date": "91%"}})
    collected = cli.invoke(main, ["collect", "--plan", "plan.xlsx", "--period", Q2.id, "--returns", "returns",
                                  "--db", db, "--no-report"])
    assert collected.exit_code == 1, collected.output
    assert "is signed off" in collected.output and "aop late.xlsx" in collected.output
    reported = cli.invoke(main, ["report", "--plan", "plan.xlsx", "--period", Q2.id, "--db", db,
                                 "--out", str(tmp_path / "r")])
    assert reported.exit_code == 0 and "Signed off by Head of Service" in reported.output, reported.output
    refused = cli.invoke(main, ["reopen", "--period", Q2.id, "--db", db])
    assert refused.exit_code == 2 and "--reason" in refused.output
    opened = cli.invoke(main, ["reopen", "--period", Q2.id, "--reason", "late AOP figure", "--by", "Officer",
                               "--db", db])
    assert opened.exit_code == 0 and "reopened" in opened.output
    history = cli.invoke(main, ["signoff", "--period", Q2.id, "--history", "--db", db])
    assert "Reopened by Officer" in history.output and "late AOP figure" in history.output
