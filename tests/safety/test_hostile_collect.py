"""Issue #7 end to end: one returns folder holding every hostile case of the issue plus good
returns, collected by the real `xlplan collect` command in a subprocess. Collect finishes, accepts
every good return, names every bad one with its reason (console, store, data-quality sheet),
archives every file by hash, leaves the folder untouched, stays under 500 MB, and never writes
return text as a live formula."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

import hostile
from hostile import CASES
from xlplan import store
from xlplan.safety.inspection import display_name
from xlplan.values import clean_text

MEMORY_LIMIT_MB = 500
GROWING = "Arriving return.xlsx"
# What return text can hold and a formula of ours never should.
MARKERS = ("evil.example", "cmd|", "SUM(1,2)", "HYPERLINK", "/C calc")
INJECTED = {clean_text(t) for t in hostile.INJECTIONS}   # as collect stores them (spaces tidied)

WRAPPER = """
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"rc": p.returncode, "maxrss_kb": kb, "out": p.stdout, "err": p.stderr}))
"""


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry of the folder: bytes of files, the target of links, the kind of anything else."""
    out: dict[str, object] = {}
    for p in folder.iterdir():
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode):
            out[p.name] = ("link", os.readlink(p))
        elif stat.S_ISREG(st.st_mode):
            out[p.name] = (p.read_bytes(), st.st_mtime_ns)
        else:
            out[p.name] = ("special", stat.S_IFMT(st.st_mode))
    return out


def run_cli(root: Path, returns: Path) -> dict:
    cmd = [sys.executable, "-c", "from xlplan.cli import main; main()", "collect", "--plan", str(root / "plan.xlsx"),
           "--period", hostile.Q2.id, "--returns", str(returns), "--out", str(root / "out"),
           "--db", f"sqlite:///{root}/xlplan.db"]
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-collect")
    q = hostile.hostile_quarter(root)
    returns = root / "returns"
    made = hostile.build_all(returns, q)
    grower = hostile.Grower(returns / GROWING).start(q.good["good"])
    try:
        before = snapshot(returns)
        run = run_cli(root, returns)
    finally:
        grower.finish()
    after = snapshot(returns)
    return root, q, made, run, before, after


def expected_outcomes(made) -> dict[str, tuple[str, str | None]]:
    want = {}
    for name, paths in made.items():
        case = CASES[name]
        for p in paths:
            want[display_name(p)] = (case.outcome, case.code or case.safety)
    want[GROWING] = ("rejected", "return.still-being-written")
    return want


def test_collect_finishes_and_exits_1_because_of_the_rejections(collected):
    _, _, _, run, _, _ = collected
    assert run["rc"] == 1, run["err"]
    assert "Traceback" not in run["err"]


def test_every_file_has_its_outcome_and_reason_in_the_store(collected):
    root, _, made, _, _, _ = collected
    db = f"sqlite:///{root}/xlplan.db"
    cols = [c.name for c in store.returns.columns]
    rows = {r["file"]: r for r in (dict(zip(cols, row)) for row in store.table_contents(db)["returns"])}
    want = expected_outcomes(made)
    assert {name: rows[name]["outcome"] for name in want} == {name: o for name, (o, _) in want.items()}
    assert set(rows) == set(want)
    issue_cols = [c.name for c in store.issues.columns]
    issues = [dict(zip(issue_cols, r)) for r in store.table_contents(db)["issues"]]
    codes = {(i["file"], i["code"]) for i in issues}
    for name, (outcome, code) in want.items():
        if code and outcome in ("rejected", "accepted", "superseded"):
            assert (name, code) in codes, name
        if outcome == "rejected":
            reasons = json.loads(rows[name]["reasons"])
            first_error = next(i for i in issues if i["file"] == name and i["severity"] == "error")
            assert reasons == [first_error["message"]] and name in reasons[0]
    # the good returns are accepted without errors
    for name in ("CJ return FINAL (2).xlsx", "Copy of AOP return.xlsx"):
        assert rows[name]["outcome"] == "accepted" and rows[name]["errors"] == 0


def test_every_rejection_is_on_the_console_and_the_data_quality_sheet(collected):
    root, _, made, run, _, _ = collected
    want = expected_outcomes(made)
    summary = next((root / "out").glob("*summary.xlsx"))
    wb = openpyxl.load_workbook(summary, read_only=True)
    dq = list(wb["Data quality"].iter_rows(values_only=True))
    head = dq[0]
    listed = {(r[head.index("File")], r[head.index("Code")]) for r in dq[1:]}
    returns_sheet = list(wb["Returns"].iter_rows(values_only=True))
    rhead = returns_sheet[0]
    outcome_of = {r[rhead.index("File")]: r[rhead.index("Outcome")] for r in returns_sheet[1:]}
    for name, (outcome, code) in want.items():
        if outcome == "rejected":
            assert (name, code) in listed, name
            assert outcome_of.get(name) == "rejected", name
            assert name[:30] in run["out"], name


def test_every_file_is_archived_by_its_hash(collected):
    root, _, made, _, before, _ = collected
    archive = {p.name.split(".")[0]: p for p in (root / "archive").rglob("*") if p.is_file() and not p.name.startswith(".")}
    for p in archive.values():
        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name.split(".")[0]
    for name, entry in before.items():
        if name == GROWING or not isinstance(entry[0], bytes):
            continue                      # links and pipes are listed, never read
        assert hashlib.sha256(entry[0]).hexdigest() in archive, name


def test_the_returns_folder_is_left_exactly_as_it_was(collected):
    _, _, _, _, before, after = collected
    before = {k: v for k, v in before.items() if k != GROWING}
    after = {k: v for k, v in after.items() if k != GROWING}
    assert after == before


def test_peak_memory_stays_under_the_limit(collected):
    _, _, _, run, _, _ = collected
    assert run["maxrss_kb"] < MEMORY_LIMIT_MB * 1024, f"{run['maxrss_kb'] / 1024:.0f} MB"


def test_no_workbook_written_holds_return_text_as_a_formula(collected):
    root, _, _, _, _, _ = collected
    written = [p for p in (root / "out").rglob("*.xlsx")]
    assert written
    found_as_text = set()
    for path in written:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if not name.startswith("xl/worksheets/"):
                    continue
                xml = zf.read(name).decode("utf-8")
                for formula in re.findall(r"<f[^>]*>(.*?)</f>", xml, flags=re.S):
                    assert not any(m in formula for m in MARKERS), (path.name, name, formula)
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str) and c.value in INJECTED:
                        assert c.data_type == "s"
                        found_as_text.add(c.value)
    assert found_as_text == INJECTED                  # every one kept, as text


def test_the_word_report_holds_return_text_as_text_only(collected):
    root, _, _, _, _, _ = collected
    document = next((root / "out").rglob("*.docx"))
    with zipfile.ZipFile(document) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    text = html.unescape("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)))
    for injected in INJECTED:
        assert injected in text, injected            # shown as typed: no Jinja, no XML, no formula
    assert "<w:t>injected</w:t>" not in xml
    for path in (root / "out").rglob("*.docx"):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if not name.endswith(".xml"):
                    continue
                xml = zf.read(name).decode("utf-8")
                fields = re.findall(r"<w:instrText[^>]*>(.*?)</w:instrText>", xml, flags=re.S)
                fields += re.findall(r'w:instr="([^"]*)"', xml)
                assert not any(m in f for f in fields for m in MARKERS), (path.name, name)
                assert "evil.example" not in "".join(re.findall(r'Target="([^"]*)"', xml))


def test_the_process_pool_reaches_the_same_verdicts(tmp_path, monkeypatch):
    """Large batches are read in worker processes: every hostile case must come out the same."""
    import shutil

    import xlplan.collect.engine as engine
    from xlplan.collect import collect

    one = tmp_path / "one"
    q = hostile.hostile_quarter(one)
    hostile.build_all(one / "returns", q, only=[c for c in CASES if c != "fifo"])   # a pipe cannot be copied
    two = Path(shutil.copytree(one, tmp_path / "two", symlinks=True, copy_function=shutil.copy2))
    for root in (one, two):
        for p in (root / "returns").iterdir():
            if not p.is_symlink():
                os.utime(p, (p.stat().st_mtime - 3600,) * 2)
    monkeypatch.setattr(engine, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "BUSY_MIN_FILES", 1)
    for root, jobs in ((one, 1), (two, 3)):
        collect(root / "plan.xlsx", hostile.Q2, root / "returns", f"sqlite:///{root}/xlplan.db", jobs=jobs)
    assert store.table_contents(f"sqlite:///{one}/xlplan.db") == store.table_contents(f"sqlite:///{two}/xlplan.db")


def test_a_file_over_the_size_limit_is_rejected_and_still_archived_whole(tmp_path, monkeypatch):
    import functools

    from xlplan.safety import inspection as safety
    from xlplan.collect import collect

    q = hostile.hostile_quarter(tmp_path)
    returns = tmp_path / "returns"
    returns.mkdir()
    big = Path(hostile.shutil.copy2(q.good["good"], returns / "Big return.xlsx"))
    os.utime(big, (big.stat().st_mtime - 3600,) * 2)
    monkeypatch.setattr(safety, "inspect", functools.partial(safety.inspect, limits=safety.Limits(max_file_bytes=4096)))
    result = collect(q.plan, hostile.Q2, returns, f"sqlite:///{tmp_path}/xlplan.db")
    (ex,) = result.files
    assert (ex.outcome, [i.code for i in ex.issues]) == ("rejected", ["return.too-large"])
    copy = tmp_path / "archive" / ex.archive
    assert copy.read_bytes() == big.read_bytes() and hashlib.sha256(copy.read_bytes()).hexdigest() == ex.sha256
