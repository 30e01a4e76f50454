"""xlplan collect end to end on real templates: filled in, collected, statuses as the engine
prescribes, a second run changing nothing, and every rejection with its code and message."""

from __future__ import annotations

import re
import shutil


from quarter import (AOP, CJ, fill, make_plan, make_templates,
                     run)
from xlplan import store
from xlplan.collect import collect
from xlplan.periods import Period
from xlplan.status import ActionStatus, Status

# --- the good path ----------------------------------------------------------------------------------


def test_collect_computes_the_statuses_the_engine_prescribes(quarter, db_url):
    result = run(quarter, db=db_url)
    assert result.exit_code == 0, [str(i) for i in result.issues]
    assert sorted((r.service, r.outcome) for r in result.records) == [(AOP, "accepted"), (CJ, "accepted")]
    got = {m.code: (m.status, m.basis) for m in result.results.measures}
    assert got == {
        "SW01": (Status.GREEN, "computed"),         # 80% against 75%
        "SW02": (Status.AMBER, "computed"),         # £46,000 against £50,000 (Q2 of £100,000), within 10%
        "SW03": (Status.RED, "computed"),           # 70 against 50, lower is better
        "SW04": (Status.AMBER, "assessed"),         # no target: the manager's own status
        "SW10": (Status.REPORT_LATER, "no data"),
        "SW11": (Status.GREEN, "computed"),         # 72/28 beats 70/30
    }
    sw02 = next(m for m in result.results.measures if m.code == "SW02")
    assert (sw02.figure, sw02.display, sw02.target_text) == (46000.0, "£46,000", "£50,000")
    assert sw02.source.file == "CJ return FINAL (2).xlsx" and sw02.source.sheet == "Measures"
    assert re.fullmatch(r"M\d+", sw02.source.cell)
    assert {a.ref: a.status for a in result.results.actions} == {
        "A1": ActionStatus.COMPLETE, "A2": ActionStatus.GREEN, "A3": ActionStatus.RED}
    # no-data word noted, not an error
    assert ("cell.no-data", "SW10") in [(i.code, i.key) for i in result.issues]


def test_second_run_changes_nothing_and_archives_every_file(quarter, db_url):
    db = db_url
    (quarter / "returns" / "notes.txt").write_text("chasing SW10")
    (quarter / "returns" / "~$CJ return FINAL (2).xlsx").write_bytes(b"lock")
    before_folder = {p.name: p.read_bytes() for p in (quarter / "returns").iterdir()}
    run(quarter, db=db)
    first = store.table_contents(db)
    run(quarter, db=db)
    assert store.table_contents(db) == first
    assert {p.name: p.read_bytes() for p in (quarter / "returns").iterdir()} == before_folder
    rows = {r[2]: r for r in first["returns"]}
    outcome = {name: r[7] for name, r in rows.items()}
    assert outcome["notes.txt"] == "skipped" and outcome["~$CJ return FINAL (2).xlsx"] == "skipped"
    archived = {p.name.split(".")[0] for p in store.archive_dir(db).rglob("*") if p.is_file()}
    assert {r[1] for r in first["returns"]} <= archived


def test_values_are_stored_with_source_and_rule(quarter, db_url):
    run(quarter, db=db_url)
    contents = store.table_contents(db_url)
    cols = [c.name for c in store.measure_values.columns]
    sw01 = dict(zip(cols, next(r for r in contents["measure_values"] if r[1] == "SW01")))
    assert sw01["status"] == "Green" and sw01["figure"] == "0.8"
    assert '"target": "0.75"' in sw01["rule"] and '"polarity": "Higher"' in sw01["rule"]
    assert sw01["source_sheet"] == "Measures" and len(sw01["source_sha256"]) == 64
    assert ("SW01", "2022/23", "0.71", "plan") in contents["history"]
    sw01_result = next(m for m in run(quarter, db=db_url).results.measures if m.code == "SW01")
    assert sw01_result.history == {"2020/21": None, "2021/22": 0.68, "2022/23": 0.71}


def test_jobs_one_and_two_give_identical_stores(quarter, tmp_path_factory, monkeypatch):
    import xlplan.collect.engine as engine
    monkeypatch.setattr(engine, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "BUSY_MIN_FILES", 1)
    other = tmp_path_factory.mktemp("other")
    for name in ("plan.xlsx", ".xlplan-key"):
        shutil.copy2(quarter / name, other / name)
    shutil.copytree(quarter / "returns", other / "returns", copy_function=shutil.copy2)
    run(quarter, jobs=1)
    run(other, jobs=2)
    assert store.table_contents(f"sqlite:///{quarter}/xlplan.db") == store.table_contents(f"sqlite:///{other}/xlplan.db")


def test_load_results_gives_trend_and_previous_status(tmp_path):
    plan_path = make_plan(tmp_path)
    q1 = Period.parse("2023-24-Q1")
    t1 = make_templates(plan_path, q1)
    fill(t1[CJ], tmp_path / "q1" / "cj.xlsx", {"SW01": {"To date": 0.70, "Comments/Progress": "Slow start"},
                                               "SW02": {"To date": 20000}})
    collect(plan_path, q1, tmp_path / "q1", f"sqlite:///{tmp_path}/xlplan.db")
    t2 = make_templates(plan_path)
    fill(t2[CJ], tmp_path / "returns" / "cj.xlsx", {"SW01": {"To date": 0.80, "Comments/Progress": "Slow start"},
                                                    "SW02": {"To date": 46000}})
    result = run(tmp_path)
    sw01 = next(m for m in result.results.measures if m.code == "SW01")
    assert (sw01.previous_quarter, sw01.previous_status.value, sw01.trend_quarter.value) == (0.7, "Amber", "Improving")
    sw02 = next(m for m in result.results.measures if m.code == "SW02")
    assert sw02.trend_quarter.value == "Improving"   # cumulative: £23,000 a quarter against £20,000
    assert [(i.code, i.key) for i in result.issues if i.code == "comment.unchanged"] == [("comment.unchanged", "SW01")]
