"""A re-run after a few services sent corrections: while nothing else has written to the store since
the quarter's last collect, only the services whose returns changed are worked out again and
rewritten (xlplan/collect/memo.py, each service on its own). What it stores and gives back must be
exactly what a full collect of the same folder into a fresh store gives: the example plan, with
measures, actions, corrections of last quarter, risks and budget lines, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from quarter import Q2
from xlplan import store
from xlplan.collect import Outcome, collect, pipeline
from xlplan.demo.fill import fill_return
from xlplan.demo.run import (EXAMPLES, fill_example_returns, read_budget_figures, read_figures,
                             read_risk_figures, write_quarter_templates)
from xlplan.periods import Period
from xlplan.plan import read_plan

Q1 = Period.parse("2023-24-Q1")
CF, JSM = "Children and Families", "Justice and Substance Misuse"
# warnings added while statuses and risks are worked out (assess, risk_rows), not when a file is read
FROM_WORKING_OUT = {"comment.unchanged", "comment.missing-for-red", "risk.comment-unchanged", "risk.no-comment"}


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """The example plan with Q1's and Q2's returns filled in as its managers did (Q2's templates
    carrying what Q1 stored: last quarter's figures, corrections offered, spend, risks)."""
    root = tmp_path_factory.mktemp("example")
    shutil.copyfile(EXAMPLES / "plan.xlsx", root / "plan.xlsx")
    plan = read_plan(root / "plan.xlsx")
    db = f"sqlite:///{root / 'templates.db'}"
    for period in (Q1, Q2):
        templates = write_quarter_templates(plan, root / "plan.xlsx", period, db, root / "templates" / period.id)
        returns = fill_example_returns(plan, period, templates, root / period.id)
        if period == Q1:
            collect(root / "plan.xlsx", Q1, returns, db, jobs=1)
    (root / "templates.db").unlink()
    shutil.rmtree(root / "archive", ignore_errors=True)
    old = time.time() - 7200            # long since saved: safety need not watch the files settle
    for path in (*(root / Q1.id).iterdir(), *(root / Q2.id).iterdir()):
        os.utime(path, (old, old))
    return root


@pytest.fixture
def quarter(example, tmp_path) -> Path:
    root = tmp_path / "q"
    shutil.copytree(example, root)
    return root


@pytest.fixture
def fresh_url(db_url, request, tmp_path):
    """A second, empty store beside `db_url` (the same archive folder, so returns rows compare)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/full.db"
        return
    server = request.getfixturevalue("postgres_server")
    url = server.database()
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture
def scopes(monkeypatch):
    """The services each assess of a collect was asked to work out (None: all of them)."""
    seen = []
    real = pipeline.assess

    def spying(files, plan, period, previous, scope, imported):
        seen.append(scope.services)
        return real(files, plan, period, previous, scope, imported)

    monkeypatch.setattr(pipeline, "assess", spying)
    return seen


def run(root: Path, period: Period, db: str):
    return collect(root / "plan.xlsx", period, root / period.id, db, jobs=1)


def correct(root: Path, service: str, result) -> Path:
    """Re-fill `service`'s Q2 return as its manager corrected it: a figure, a comment, a risk's rating
    and a line's spend changed (its corrections of Q1 as before); saved a moment later."""
    plan = read_plan(root / "plan.xlsx")
    figures = read_figures(EXAMPLES / "figures" / f"{Q2.id}.csv")[service]
    spend = read_budget_figures(EXAMPLES / "figures" / f"{Q2.id}-budget.csv").get(service, {})
    risks = read_risk_figures(EXAMPLES / "figures" / "risks" / f"{Q2.id}.csv").get(service, {})
    measures = {code: dict(cols) for code, cols in figures.get("Measures", {}).items()}
    code = next(c for c, cols in measures.items() if cols.get("To date", "").rstrip("%").isdigit())
    measures[code]["To date"] = "1%"
    measures[code]["Comments/Progress"] = "Corrected: the figure first sent counted the wrong month."
    if risks:
        first = next(iter(risks))
        risks = {**risks, first: {**risks[first], "Likelihood": "5", "Impact": "5",
                                  "Commentary": "Two more providers gave notice this week."}}
    if spend:
        line = next(iter(spend))
        spend = {**spend, line: {**spend[line], "Spend to date": "1,000"}}
    name = next(r.file for r in result.records if r.service == service and r.outcome is Outcome.ACCEPTED)
    template = next(p for p in (root / "templates" / Q2.id).iterdir()
                    if p.suffix == ".xlsx" and service in p.name and plan)
    out = fill_return(template, root / Q2.id / name, measures=measures, actions=figures.get("Actions", {}),
                      corrections=figures.get("Corrections", {}), risks=risks, budget=spend)
    later = time.time() - 3600
    os.utime(out, (later, later))
    return out


def without_collected_times(contents: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The store's rows but when each restatement was first collected (the full collect's are new)."""
    out = {}
    for table in store.metadata.sorted_tables:
        if table.name not in contents:
            continue
        names = list(table.columns.keys())
        keep = [i for i, n in enumerate(names) if n != "collected"]
        out[table.name] = [tuple(r[i] for i in keep) for r in contents[table.name]]
    return out


def seen(result):
    return ([(i.code, i.severity, i.message, i.hint, i.file, i.sheet, i.cell, i.row, i.key) for i in result.issues],
            [(r.service, r.file, r.outcome, r.errors, r.warnings, r.reasons) for r in result.records],
            result.status_counts, result.missing_services, result.exit_code)


def full_collect(quarter: Path, url: str, monkeypatch):
    """The quarter collected afresh into the store at `url`: Q1, then Q2 as its folder is now."""
    with monkeypatch.context() as m:
        m.setenv("XLPLAN_NO_CACHE", "1")
        run(quarter, Q1, url)
        return run(quarter, Q2, url)


def test_a_rerun_after_one_service_corrected_works_out_only_that_service(quarter, db_url, fresh_url, scopes,
                                                                         monkeypatch):
    run(quarter, Q1, db_url)
    first = run(quarter, Q2, db_url)
    assert first.status_counts and scopes == [None, None]
    assert any(i.code == "comment.unchanged" and JSM in i.file for i in first.issues)   # from last quarter's
    correct(quarter, JSM, first)
    before = store.table_contents(db_url)

    again = run(quarter, Q2, db_url)

    assert scopes[-1] == frozenset({JSM})                        # only the corrected service worked out
    after = store.table_contents(db_url)
    for table in ("measure_values", "risk_updates", "budget_lines"):
        assert after[table] != before[table], table             # the corrections were stored
    full = full_collect(quarter, fresh_url, monkeypatch)
    assert scopes[-1] is None
    assert seen(again) == seen(full)
    assert without_collected_times(store.table_contents(db_url)) == \
        without_collected_times(store.table_contents(fresh_url))

    worked = len(scopes)
    third = run(quarter, Q2, db_url)                             # and remembered as a whole again
    assert len(scopes) == worked and seen(third) == seen(full)


def test_warnings_working_out_added_to_a_service_not_worked_out_come_back(quarter, db_url, scopes):
    run(quarter, Q1, db_url)
    first = run(quarter, Q2, db_url)
    others = {r.file for r in first.records if r.service not in (CF, None)}
    added = [i for i in first.issues if i.file in others and i.code in FROM_WORKING_OUT]
    assert added                                 # the example has some: else this test proves nothing
    correct(quarter, CF, first)
    again = run(quarter, Q2, db_url)
    assert scopes[-1] == frozenset({CF})
    assert [i for i in again.issues if i.file in others] == [i for i in first.issues if i.file in others]


def test_after_another_write_every_service_is_worked_out(quarter, db_url, scopes):
    run(quarter, Q1, db_url)
    first = run(quarter, Q2, db_url)
    correct(quarter, JSM, first)
    run(quarter, Q1, db_url)                     # Q1 collected again meanwhile: the store moved on
    run(quarter, Q2, db_url)
    assert scopes[-1] is None


def test_a_file_that_is_no_return_changes_no_service(quarter, db_url, fresh_url, scopes, monkeypatch):
    run(quarter, Q1, db_url)
    run(quarter, Q2, db_url)
    (quarter / Q2.id / "notes.txt").write_text("Chased Justice on Tuesday.")
    again = run(quarter, Q2, db_url)
    assert scopes[-1] == frozenset()                              # nothing to work out again
    assert any(r.file == "notes.txt" and r.outcome is Outcome.SKIPPED for r in again.records)
    full = full_collect(quarter, fresh_url, monkeypatch)
    assert seen(again) == seen(full)
    assert without_collected_times(store.table_contents(db_url)) == \
        without_collected_times(store.table_contents(fresh_url))


def test_no_cache_turns_it_off(quarter, db_url, scopes, monkeypatch):
    run(quarter, Q1, db_url)
    first = run(quarter, Q2, db_url)
    correct(quarter, CF, first)
    monkeypatch.setenv("XLPLAN_NO_CACHE", "1")
    run(quarter, Q2, db_url)
    assert scopes[-1] is None


def test_a_rerun_unpickles_the_rows_of_the_services_it_works_out_only(quarter, db_url, fresh_url, monkeypatch):
    run(quarter, Q1, db_url)
    first = run(quarter, Q2, db_url)
    correct(quarter, JSM, first)
    again = run(quarter, Q2, db_url)
    kept = {f.service for f in again.examined if f.kept_rows is not None}
    assert kept == {r.service for r in first.records if r.service != JSM}      # served, rows left pickled
    full = full_collect(quarter, fresh_url, monkeypatch)
    assert again.files == full.files                                           # unpickled when asked for
    assert all(f.kept_rows is None for f in again.examined)


def test_an_examination_kept_without_its_rows_gives_them_back_whole(quarter, db_url):
    result = run(quarter, Q1, db_url)
    for ex in result.files:
        bare, rows = ex.rows_kept()
        assert bare.measures == bare.actions == bare.risks == bare.budget == bare.corrections == {}
        assert bare.issues == ex.issues and bare.outcome == ex.outcome
        bare.kept_rows = rows
        assert bare.filled == ex.filled                     # newest's tie-break, before the rows are back
        assert bare.with_rows() == ex and bare.kept_rows is None
    assert any(ex.filled for ex in result.files) and any(ex.measures for ex in result.files)


def test_a_departments_rerun_works_out_only_its_corrected_service(tmp_path, db_url, fresh_url, scopes, monkeypatch):
    from builders import SERVICES, measure
    from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, MEASURES, fill, make_plan, make_templates
    housing = "Housing"
    services = [{**s, "Department": "Social Work"} for s in SERVICES] + [
        {"Service": housing, "Manager": "Kim Manager", "Email": "kim@anytown.gov.uk", "Department": "Place"}]
    root = tmp_path / "d"
    templates = make_templates(make_plan(root, services=services,
                                         measures=[*MEASURES, measure("HO01", Service=housing, Target="80%")]))
    fill(templates[CJ], root / "returns" / "cj.xlsx", GOOD_CJ)
    fill(templates[AOP], root / "returns" / "aop.xlsx", GOOD_AOP)
    fill(templates[housing], root / "returns" / "housing.xlsx", {"HO01": {"To date": "85%"}})

    def sw(url):
        return collect(root / "plan.xlsx", Q2, root / "returns", url, department="Social Work", jobs=1)

    sw(db_url)
    fill(templates[CJ], root / "returns" / "cj.xlsx",
         {**GOOD_CJ, "SW01": {"To date": 0.60, "Comments/Progress": "Corrected: June was counted twice"}})
    again = sw(db_url)
    assert scopes[-1] == frozenset({CJ})
    with monkeypatch.context() as m:
        m.setenv("XLPLAN_NO_CACHE", "1")
        full = sw(fresh_url)
    assert scopes[-1] == frozenset({CJ, AOP})                      # the whole department, worked out
    assert seen(again) == seen(full)
    assert store.table_contents(db_url) == store.table_contents(fresh_url)
    assert [r.outcome for r in again.records if r.file == "housing.xlsx"] == [Outcome.SKIPPED]
