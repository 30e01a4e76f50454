"""Several departments, one store (issue 18): each department's collect owns only its own services'
rows of the quarter, so two departments collecting the same quarter at the same moment (real
processes) store the union of both with nothing lost or duplicated, a re-run of one leaves the
other's rows untouched, and `kill -9` of one mid-collect leaves the other's intact; on SQLite and
PostgreSQL. A department's collect counts only its own services as not returned, and the quarter's
report shows every department."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from builders import SERVICES
from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, Q2, fill, make_plan, make_templates
from xlplan import store
from xlplan.collect import Outcome, collect
from xlplan.errors import XlplanError
from xlplan.plan import read_plan

CF, ASC = "Children and Families", "Adult Social Care"
DEPARTMENTS = {CJ: CF, AOP: ASC}


def department_quarter(root: Path) -> Path:
    """A plan whose two services are in two departments, each department's return in its own folder
    (returns/cf, returns/asc), and both returns in returns/all."""
    services = [{**s, "Department": DEPARTMENTS[s["Service"]]} for s in SERVICES]
    templates = make_templates(make_plan(root, services=services))
    for folder, service, figures in (("cf", CJ, GOOD_CJ), ("asc", AOP, GOOD_AOP)):
        for where in (folder, "all"):
            fill(templates[service], root / "returns" / where / f"{folder}.xlsx", figures)
    return root


def run(root: Path, db: str, department: str | None, folder: str):
    return collect(root / "plan.xlsx", Q2, root / "returns" / folder, db, department=department, jobs=1)


def rows(db: str, table: str) -> list[tuple]:
    return store.table_contents(db)[table]


def of_service(db: str, service: str) -> dict[str, list[tuple]]:
    """Every row a collect stored for `service`'s measures, actions and return."""
    contents = store.table_contents(db)
    cols = {t.name: list(t.columns.keys()) for t in store.metadata.sorted_tables}
    found = {}
    for table in ("measure_values", "action_updates", "returns"):
        at = cols[table].index("service")
        found[table] = [r for r in contents[table] if r[at] == service]
    return found


@pytest.fixture
def quarter(tmp_path):
    return department_quarter(tmp_path / "q")


def test_each_department_owns_only_its_own_services(quarter, db_url):
    cf = run(quarter, db_url, CF, "cf")
    assert [r.outcome for r in cf.records] == [Outcome.ACCEPTED]
    assert cf.missing_services == [] and cf.exit_code == 0       # Adult Social Care's return is not missing here
    values = rows(db_url, "measure_values")
    assert {r[2] for r in values} == {CJ}                        # only its own services' measures stored
    cf_rows = of_service(db_url, CJ)
    asc = run(quarter, db_url, ASC, "asc")
    assert asc.exit_code == 0 and asc.missing_services == []
    assert of_service(db_url, CJ) == cf_rows                     # the other department's rows untouched
    values = rows(db_url, "measure_values")
    assert sorted(r[1] for r in values) == sorted(m.code for m in read_plan(quarter / "plan.xlsx").measures)
    returned = rows(db_url, "returns")
    cols = list(store.returns.columns.keys())
    assert sorted((r[cols.index("department")], r[cols.index("folder")], r[cols.index("service")])
                  for r in returned) == [(ASC, "returns/asc", AOP), (CF, "returns/cf", CJ)]
    results = asc.results                                        # the quarter's report: both departments
    assert results.missing_services == []
    shown = {m.code: m.display for m in results.measures}
    assert shown["SW01"] == "80%" and shown["SW11"] == "72/28"
    # the issues of each department's collect are kept side by side
    issue_cols = list(store.issues.columns.keys())
    assert {r[issue_cols.index("department")] for r in rows(db_url, "issues")} <= {CF, ASC}


def test_a_rerun_of_one_department_leaves_the_other_untouched(quarter, db_url):
    run(quarter, db_url, CF, "cf")
    run(quarter, db_url, ASC, "asc")
    asc_rows = of_service(db_url, AOP)
    templates = make_templates(quarter / "plan.xlsx", out=quarter / "t2")
    fill(templates[CJ], quarter / "returns" / "cf" / "cf.xlsx", {**GOOD_CJ, "SW01": {"To date": 0.6}})
    again = run(quarter, db_url, CF, "cf")
    assert again.exit_code == 0
    assert of_service(db_url, AOP) == asc_rows
    assert {m.code: m.display for m in again.results.measures}["SW01"] == "60%"
    everything = store.table_contents(db_url)
    run(quarter, db_url, CF, "cf")                               # and a re-run over the same files changes nothing
    assert store.table_contents(db_url) == everything


def test_a_return_of_another_department_is_skipped_not_counted(quarter, db_url):
    cf = run(quarter, db_url, CF, "all")
    by_file = {r.file: r for r in cf.records}
    assert by_file["cf.xlsx"].outcome == Outcome.ACCEPTED
    assert by_file["asc.xlsx"].outcome == Outcome.SKIPPED
    assert "the Adult Social Care department collects" in by_file["asc.xlsx"].reasons[0]
    assert cf.exit_code == 0
    assert {r[2] for r in rows(db_url, "measure_values")} == {CJ}
    asc = run(quarter, db_url, ASC, "all")                       # the same folder, the other department
    assert asc.exit_code == 0
    accepted = [r for r in asc.results.returns if r.outcome == "accepted"]
    assert sorted(r.service for r in accepted) == sorted([CJ, AOP])   # one accepted return each, not two


def test_a_whole_plan_collect_and_a_department_collect_take_over_each_others_rows(quarter, db_url):
    whole = run(quarter, db_url, None, "all")
    assert whole.exit_code == 0
    run(quarter, db_url, CF, "cf")
    accepted = [r for r in store.returns_for(db_url, Q2) if r.outcome == "accepted"]
    assert sorted(r.service for r in accepted) == sorted([CJ, AOP])   # CJ's whole-plan row taken over
    assert len(rows(db_url, "measure_values")) == 6
    run(quarter, db_url, None, "all")                            # the whole plan again: everything is its own
    cols = list(store.returns.columns.keys())
    assert {r[cols.index("department")] for r in rows(db_url, "returns")} == {""}


def test_an_unknown_department_is_refused_naming_the_departments(quarter, tmp_path):
    with pytest.raises(XlplanError, match="no department 'Housing'.*Children and Families, Adult Social Care"):
        run(quarter, f"sqlite:///{tmp_path}/x.db", "Housing", "cf")
    assert run(quarter, f"sqlite:///{tmp_path}/x.db", "children AND families", "cf").scope.department == CF


def test_a_plan_without_departments_says_so(tmp_path):
    root = tmp_path / "q"
    make_plan(root)
    with pytest.raises(XlplanError, match="no Department column"):
        collect(root / "plan.xlsx", Q2, root, f"sqlite:///{tmp_path}/x.db", department="Anything")


# --- real processes at the same moment -------------------------------------------------------------

# Collects one department in this process; HOLD seconds inside the store transaction (after its
# first statement) so that the other department's collect, started at the same moment, must wait
# for it; KILL: SIGKILL itself at the n-th statement of the transaction instead.
RUNNER = r"""
import os, signal, sys, time
import sqlalchemy.engine.base as base
from xlplan import store
from xlplan.cli.collect_cmd import collect_and_report
root, department, folder, url, mode, n = sys.argv[1:7]
count = [0]
write = store.write_collect
def write_collect(*a, **k):
    execute = base.Connection.execute
    def call(*args, **kw):
        count[0] += 1
        if mode == "kill" and count[0] >= int(n):
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "hold" and count[0] == int(n):
            print("holding", flush=True)
            time.sleep(1.5)
        return execute(*args, **kw)
    base.Connection.execute = call
    try:
        return write(*a, **k)
    finally:
        base.Connection.execute = execute
store.write_collect = write_collect
result, _, _ = collect_and_report(root + "/plan.xlsx", "2023-24-Q2", root + "/returns/" + folder, root + "/out-" + folder,
                                  url, jobs=1, report=False, department=department)
print("exit", result.exit_code, flush=True)
"""


def start(root: Path, department: str, folder: str, url: str, mode: str = "hold", n: int = 3) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", RUNNER, str(root), department, folder, url, mode, str(n)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def sequential(tmp_path: Path, quarter: Path, db_url: str) -> dict:
    """The store both departments' collects make one after the other (the same SQLite or PostgreSQL)."""
    if db_url.startswith("sqlite"):
        other = f"sqlite:///{tmp_path}/sequential.db"
        run(quarter, other, CF, "cf")
        run(quarter, other, ASC, "asc")
        return store.table_contents(other)
    run(quarter, db_url, CF, "cf")
    run(quarter, db_url, ASC, "asc")
    found = store.table_contents(db_url)
    from sqlalchemy import delete
    eng = store.engine(db_url)
    with store.transaction(eng, db_url) as conn:          # empty again for the concurrent run
        for table in store.metadata.sorted_tables:
            conn.execute(delete(table))
    eng.dispose()
    return found


def test_two_departments_at_the_same_moment_store_the_union_nothing_duplicated(quarter, db_url, tmp_path):
    expected = sequential(tmp_path, quarter, db_url)
    procs = [start(quarter, CF, "cf", db_url), start(quarter, ASC, "asc", db_url)]
    done = [finish(p) for p in procs]
    for rc, out, err in done:
        assert rc == 0 and "exit 0" in out and "Traceback" not in err, (out, err)
    assert all("holding" in out for _, out, _ in done)           # each held the store while the other waited
    found = store.table_contents(db_url)
    cols = list(store.returns.columns.keys())
    for table in ("measure_values", "action_updates", "returns"):
        key = [c.name for c in store.metadata.tables[table].primary_key.columns]
        assert len({tuple(r[list(store.metadata.tables[table].columns.keys()).index(k)] for k in key)
                    for r in found[table]}) == len(found[table])
    assert len(found["measure_values"]) == 6 and len(found["action_updates"]) == 3
    assert sorted(r[cols.index("service")] for r in found["returns"]) == sorted([CJ, AOP])
    # the same rows as the two collected one after the other, but for when each was received
    received = cols.index("received")
    strip = lambda contents: {t: sorted(tuple(v for i, v in enumerate(r) if not (t == "returns" and i == received))
                                        for r in rs) for t, rs in contents.items()}
    assert strip(found) == strip(expected)


def test_kill_9_of_one_department_mid_collect_leaves_the_others_intact(quarter, db_url):
    run(quarter, db_url, CF, "cf")
    cf_rows = of_service(db_url, CJ)
    before = store.table_contents(db_url)
    # Adult Social Care killed inside its store transaction while Children and Families re-runs
    procs = [start(quarter, ASC, "asc", db_url, mode="kill", n=4), start(quarter, CF, "cf", db_url)]
    (killed_rc, _, _), (rc, out, err) = [finish(p) for p in procs]
    assert killed_rc == -signal.SIGKILL
    assert rc == 0 and "exit 0" in out, (out, err)
    assert of_service(db_url, CJ) == cf_rows                     # intact
    assert store.table_contents(db_url) == before                # and nothing of the killed collect's left
    assert of_service(db_url, AOP) == {"measure_values": [], "action_updates": [], "returns": []}
    again = run(quarter, db_url, ASC, "asc")                     # a re-run of the killed department
    assert again.exit_code == 0 and of_service(db_url, CJ) == cf_rows
    assert len(rows(db_url, "measure_values")) == 6


# --- the plan's Department column and the command line ---------------------------------------------


def test_the_department_column_is_read_and_checked(tmp_path):
    from builders import build_plan
    from xlplan.plan import load_plan
    services = [{**SERVICES[0], "Department": "  Children and  Families "},
                {**SERVICES[1], "Department": ""},
                {"Service": "Fostering", "Manager": "Jo", "Email": "jo@anytown.gov.uk", "Department": "children AND families"}]
    from builders import action, measure
    plan, report = load_plan(build_plan(tmp_path / "plan.xlsx", services=services,
                                        measures=[measure("SW01"), measure("SW02", Service=AOP),
                                                  measure("SW03", Service="Fostering")],
                                        actions=[action("A1")]))
    assert [s.department for s in plan.services] == [CF, "", CF]
    assert plan.departments() == [CF] and [s.name for s in plan.services_of(CF)] == [CJ, "Fostering"]
    found = {i.code: i for i in report.issues}
    assert found["plan.no-department"].cell == "D3" and AOP in found["plan.no-department"].message
    assert found["plan.department-spelling"].cell == "D4"
    assert "taken as 'Children and Families'" in found["plan.department-spelling"].message
    without, report = load_plan(build_plan(tmp_path / "plain.xlsx"))
    assert [s.department for s in without.services] == ["", ""] and report.codes() == []


def test_a_plan_without_departments_keeps_its_fingerprint(tmp_path):
    """The Department column is hashed only where a service names one: existing plans, their
    returns and stores are unchanged."""
    from builders import build_plan
    plain = read_plan(build_plan(tmp_path / "a.xlsx"))
    blank = read_plan(build_plan(tmp_path / "b.xlsx", services=[{**s, "Department": ""} for s in SERVICES]))
    named = read_plan(build_plan(tmp_path / "c.xlsx", services=[{**s, "Department": CF} for s in SERVICES]))
    assert plain.fingerprint == blank.fingerprint != named.fingerprint
    assert plain.canonical_json() == blank.canonical_json()


def test_collect_department_on_the_command_line_and_from_the_environment(quarter, monkeypatch):
    from click.testing import CliRunner
    from xlplan.cli import main
    monkeypatch.chdir(quarter)
    db = f"sqlite:///{quarter}/xlplan.db"
    args = ["collect", "--plan", "plan.xlsx", "--period", Q2.id, "--db", db, "--no-report", "--jobs", "1"]
    out = CliRunner().invoke(main, [*args, "--returns", "returns/all", "--department", CF], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert f"Returns for {Q2.id} (department {CF})" in out.output
    assert "skipped" in out.output and "Not returned" not in out.output
    monkeypatch.setenv("XLPLAN_DEPARTMENT", ASC)
    out = CliRunner().invoke(main, [*args, "--returns", "returns/cf"], catch_exceptions=False)
    assert out.exit_code == 1                                    # ASC's collect of CF's folder: its own is missing
    assert f"Not returned (department {ASC}) (1): {AOP}" in out.output
    out = CliRunner().invoke(main, [*args, "--returns", "returns/cf", "--department", "Housing"])
    assert out.exit_code == 2 and "no department 'Housing'" in out.output


def test_an_upgraded_store_holds_its_rows_as_whole_plan_collects(tmp_path, db_url, request):
    """Revision 0004_departments: every return and issue of a store from before departments is
    recorded as a whole-plan collect's (department ""), so a department's collect takes its own
    services' rows over and leaves the rest."""
    pytest.importorskip("alembic")
    from test_upgrade import old_store_on
    from xlplan.store.upgrade import upgrade_store
    old_store_on(db_url)
    upgrade_store(db_url)
    contents = store.table_contents(db_url)
    for table in ("returns", "issues"):
        cols = list(store.metadata.tables[table].columns.keys())
        assert contents[table] and {r[cols.index("department")] for r in contents[table]} == {""}
    cols = list(store.returns.columns.keys())
    assert {r[cols.index("folder")] for r in contents["returns"]} == {None}


def test_a_quarter_signed_off_before_the_upgrade_still_matches_and_stays_locked(quarter, db_url, tmp_path):
    """0004_departments adds columns to fingerprinted tables: a quarter's rows as an upgrade leaves
    them (the new columns at their defaults) fingerprint as the same rows did before it, so its
    sign-off still matches; a department's collect or an import of a locked quarter changes nothing."""
    import hashlib
    import json
    from sqlalchemy import select, update
    from xlplan.collect import import_extract
    from xlplan.store import signoff
    run(quarter, db_url, None, "all")
    eng = store.engine(db_url)
    with store.transaction(eng, db_url) as conn:            # what an upgrade leaves in a quarter stored before it
        conn.execute(update(store.returns).values(folder=None))
        conn.execute(update(store.issues).values(service=None))
        fingerprint = signoff.quarter_fingerprint(conn, Q2.id)
        digest = hashlib.sha256()                            # the fingerprint as 0003_signoff computed it
        for table in signoff._FINGERPRINTED:
            added = set(signoff._ADDED.get(table.name, {}))
            old = [c for c in table.columns if c.name not in added]
            keys = [c for c in table.primary_key.columns if c.name not in added]
            digest.update(f"\x00{table.name}\x00".encode())
            for row in conn.execute(select(*old).where(table.c.period == Q2.id).order_by(*keys)):
                digest.update(json.dumps([signoff._plain(v) for v in row], ensure_ascii=False).encode() + b"\n")
    eng.dispose()
    assert fingerprint == digest.hexdigest()
    signed = store.sign_off(db_url, Q2.id, "Director")
    assert store.locked(db_url, Q2.id).matches and signed is not None
    before = store.table_contents(db_url)
    cf = run(quarter, db_url, CF, "cf")
    assert cf.signoff is not None
    extract = tmp_path / "e.csv"
    extract.write_bytes(b"Code,Value\nSW01,50%\n")
    with pytest.raises(XlplanError, match="signed off"):
        import_extract(quarter / "plan.xlsx", Q2, extract, db_url, override=True)
    assert store.table_contents(db_url)["measure_values"] == before["measure_values"]


def test_each_department_assesses_only_its_own_risks(tmp_path, db_url):
    """The risk register too: a department's collect stores its own services' risk assessments and
    leaves the other department's as they are."""
    from risk_cases import RISKS, returns as risk_returns, templates as risk_templates
    root = tmp_path / "r"
    services = [{**s, "Department": DEPARTMENTS[s["Service"]]} for s in SERVICES]
    plan = make_plan(root, services=services, risks=RISKS)
    sent = risk_templates(plan, Q2)
    folder = risk_returns(sent, root / "returns", {"R1": {"Likelihood": 4, "Impact": 4, "Commentary": "Worse"}},
                          {"R3": {"Likelihood": 2, "Impact": 2, "Commentary": "Better"}})
    collect(plan, Q2, folder, db_url, department=ASC, jobs=1)
    columns = list(store.metadata.tables["risk_updates"].columns.keys())
    risks = {r[1]: r for r in store.table_contents(db_url)["risk_updates"]}
    assert set(risks) == {"R3"} and risks["R3"][columns.index("score")] == 4
    collect(plan, Q2, folder, db_url, department=CF, jobs=1)
    after = {r[1]: r for r in store.table_contents(db_url)["risk_updates"]}
    assert set(after) == {"R1", "R2", "R3"} and after["R3"] == risks["R3"]
    assert after["R1"][columns.index("score")] == 16


def test_each_department_stores_only_its_own_budget_lines(tmp_path, db_url):
    """The Budget sheet too: a department's collect stores (and on a re-run replaces) its own
    services' budget lines and leaves the other department's as they are."""
    from builders import budget_line
    from xlplan.contract import budget as sheet
    from xlplan.demo.fill import fill_return
    root = tmp_path / "b"
    services = [{**s, "Department": DEPARTMENTS[s["Service"]]} for s in SERVICES]
    lines = [budget_line(CJ, "Youth Justice", Expenditure="494,347", Income="0", Net="494,347"),
             budget_line(AOP, "Care homes", Expenditure="1,000,000", Income="0", Net="1,000,000")]
    sent = make_templates(make_plan(root, services=services, budget=lines))
    text = lambda entries: {k: dict(cells) for k, cells in entries.items()}   # noqa: E731
    fill_return(sent[CJ], root / "returns" / "cj.xlsx", measures=text(GOOD_CJ),
                budget={"Youth Justice": {sheet.SPEND: "252000", sheet.FORECAST: "500000"}})
    fill_return(sent[AOP], root / "returns" / "aop.xlsx", measures=text(GOOD_AOP),
                budget={"Care homes": {sheet.SPEND: "400000", sheet.FORECAST: "990000"}})
    columns = list(store.metadata.tables["budget_lines"].columns.keys())
    spend = lambda: {r[columns.index("line")]: r[columns.index("spend")]              # noqa: E731
                     for r in store.table_contents(db_url)["budget_lines"]}
    collect(root / "plan.xlsx", Q2, root / "returns", db_url, department=ASC, jobs=1)
    assert spend() == {"Care homes": 400_000}
    collect(root / "plan.xlsx", Q2, root / "returns", db_url, department=CF, jobs=1)
    assert spend() == {"Care homes": 400_000, "Youth Justice": 252_000}
    (root / "returns" / "aop.xlsx").unlink()           # Adult Social Care's return withdrawn, collected again
    collect(root / "plan.xlsx", Q2, root / "returns", db_url, department=ASC, jobs=1)
    assert spend() == {"Care homes": None, "Youth Justice": 252_000}


def test_status_send_and_chase_for_one_department(quarter, monkeypatch, tmp_path):
    """A department's officer sees, sends and chases only its own services."""
    import json

    from click.testing import CliRunner
    from xlplan.cli import main
    monkeypatch.chdir(quarter)
    db = f"sqlite:///{quarter}/xlplan.db"
    run(quarter, db, CF, "cf")                                        # CF's return in; ASC's not yet
    cli = CliRunner()
    common = ["--plan", "plan.xlsx", "--period", Q2.id, "--db", db]
    shown = cli.invoke(main, ["status", *common, "--department", CF, "--json"])
    assert shown.exit_code == 0, shown.output                        # its own are all in and clean
    assert [s["service"] for s in json.loads(shown.output)["services"]] == [CJ]
    whole = cli.invoke(main, ["status", *common, "--json"])
    assert whole.exit_code == 1 and {s["service"] for s in json.loads(whole.output)["services"]} == {CJ, AOP}
    monkeypatch.setenv("XLPLAN_DEPARTMENT", ASC)
    templates = str(quarter / "templates" / Q2.id)
    sent = cli.invoke(main, ["send", *common, "--templates", templates, "--outbox", str(tmp_path / "out")])
    assert sent.exit_code == 0, sent.output
    assert [p.name for p in (tmp_path / "out").glob("*.eml")] == [f"{Q2.id} {AOP} return.eml"]
    chased = cli.invoke(main, ["chase", *common, "--templates", templates, "--outbox", str(tmp_path / "chase"),
                               "--department", CF])                # CF's own are in: nobody of its to remind
    assert chased.exit_code == 0 and "nobody to remind" in chased.output, chased.output
    assert not list((tmp_path / "chase").glob("*.eml"))
    chased = cli.invoke(main, ["chase", *common, "--templates", templates, "--outbox", str(tmp_path / "chase")])
    names = [p.name for p in (tmp_path / "chase").glob("*.eml")]  # ASC (from the environment): its own missing
    assert chased.exit_code == 0 and len(names) == 1 and AOP in names[0], (chased.output, names)
    wrong = cli.invoke(main, ["status", *common, "--department", "Housing"])
    assert wrong.exit_code == 2 and "no department 'Housing'" in wrong.output
