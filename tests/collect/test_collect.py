"""xlplan collect end to end on real templates: filled in, collected, statuses as the engine
prescribes, a second run changing nothing, and every rejection with its code and message."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from builders import action, build_plan, measure
from xlplan.contract import layout
from xlplan.store import write as store
from xlplan.cli import main
from xlplan.collect.pipeline import collect
from xlplan.periods import Period
from xlplan.plan.model import read_plan
from xlplan.status import ActionStatus, Status
from xlplan.templates.build import write_templates

Q2 = Period.parse("2023-24-Q2")
CJ, AOP = "Children and Justice", "Adult and Older People"

MEASURES = [
    measure("SW01", Target="75%", **{"2021/22": "68%", "2022/23": "71%"}),  # percent, Higher, level
    measure("SW02", Unit="£", Target="£100,000", Profile="Cumulative"),    # Q2 target £50,000
    measure("SW03", Unit="number", Polarity="Lower", Target="50"),
    measure("SW04", Unit="number", Target="", Polarity="Higher"),          # no target: manager assesses
    measure("SW10", Service=AOP, Unit="%", Target="90%"),
    measure("SW11", Service=AOP, Unit="ratio", Target="70/30"),
]
ACTIONS = [action("A1"), action("A2", Start="01/01/2024"), action("A3", Service=AOP)]


# --- helpers shared by the collect tests -------------------------------------------------------------


def make_plan(root: Path, **over) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return build_plan(root / "plan.xlsx", measures=over.pop("measures", MEASURES),
                      actions=over.pop("actions", ACTIONS), **over)


def make_templates(plan_path: Path, period: Period = Q2, out: Path | None = None) -> dict[str, Path]:
    plan = read_plan(plan_path)
    out = out or plan_path.parent / "templates" / period.id
    paths = write_templates(plan, period, out, plan_path=plan_path)
    return {svc: next(p for p in paths if svc in p.name) for svc in (s.name for s in plan.services_with_returns())}


def fill(template: Path, out: Path, measures: dict | None = None, actions: dict | None = None,
         edit=None) -> Path:
    """Fill a template's input cells as a manager would (openpyxl, matched by Code/Ref) and save it
    as `out`. `edit(wb)` may make further changes (tampering) before saving."""
    wb = openpyxl.load_workbook(template)
    for sheet, entries in ((layout.MEASURES_SHEET, measures or {}), (layout.ACTIONS_SHEET, actions or {})):
        ws = wb[sheet]
        head_row, cols = header(ws, "Code" if sheet == layout.MEASURES_SHEET else "Ref")
        key_col = cols["Code" if sheet == layout.MEASURES_SHEET else "Ref"]
        rows = {ws.cell(r, key_col).value: r for r in range(head_row + 1, ws.max_row + 1)}
        for code, values in entries.items():
            for column, value in values.items():
                ws.cell(rows[code], cols[column]).value = value
    if edit:
        edit(wb)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def header(ws, key: str) -> tuple[int, dict[str, int]]:
    for row in ws.iter_rows(min_row=1, max_row=layout.HEADER_SEARCH_ROWS):
        if any(c.value == key for c in row):
            return row[0].row, {c.value: c.column for c in row if c.value}
    raise AssertionError(f"no header row with {key}")


def row_of(ws, key: str, code: str) -> int:
    head_row, cols = header(ws, key)
    return next(r for r in range(head_row + 1, ws.max_row + 1) if ws.cell(r, cols[key]).value == code)


def set_saved(path: Path, when: datetime) -> None:
    """Rewrite docProps/core.xml's dcterms:modified: when the workbook says it was last saved."""
    with zipfile.ZipFile(path) as zin:
        parts = {i: zin.read(i.filename) for i in zin.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + when.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data)
            zout.writestr(info, data)


def run(root: Path, period: Period = Q2, **kw):
    return collect(root / "plan.xlsx", period, root / "returns", root / "out", f"sqlite:///{root}/xlplan.db",
                   report=kw.pop("report", False), **kw)


GOOD_CJ = {"SW01": {"To date": 0.80, "Comments/Progress": "On track"},
           "SW02": {"To date": 46000, "Comments/Progress": "Slightly behind: two posts vacant"},
           "SW03": {"To date": 70, "Comments/Progress": "Demand up since July; recovery plan agreed"},
           "SW04": {"To date": 12, "Status": "Amber", "Comments/Progress": "New measure this year"}}
GOOD_AOP = {"SW10": {"To date": "Report later", "Comments/Progress": "Data due from NHS in November"},
            "SW11": {"To date": "72/28"}}


def two_good_returns(root: Path, measures=MEASURES) -> Path:
    """A plan in `root` and good returns from both its services in `root/returns`."""
    t = make_templates(make_plan(root, measures=measures))
    fill(t[CJ], root / "returns" / "cj.xlsx", GOOD_CJ)
    fill(t[AOP], root / "returns" / "aop.xlsx", GOOD_AOP)
    return root


@pytest.fixture
def quarter(tmp_path: Path):
    """A plan, its Q2 templates, and both services' returns filled in and renamed."""
    plan_path = make_plan(tmp_path)
    templates = make_templates(plan_path)
    fill(templates[CJ], tmp_path / "returns" / "CJ return FINAL (2).xlsx", GOOD_CJ,
         {"A1": {"Status": "Complete", "Comments/Progress": "Done in August"},
          "A2": {"Status": "Green"}})
    fill(templates[AOP], tmp_path / "returns" / "Copy of AOP.xlsx", GOOD_AOP,
         {"A3": {"Status": "Red", "Comments/Progress": "Contract delayed"}})
    return tmp_path


# --- the good path ----------------------------------------------------------------------------------


def test_collect_computes_the_statuses_the_engine_prescribes(quarter):
    result = run(quarter)
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


def test_second_run_changes_nothing_and_archives_every_file(quarter):
    db = f"sqlite:///{quarter}/xlplan.db"
    (quarter / "returns" / "notes.txt").write_text("chasing SW10")
    (quarter / "returns" / "~$CJ return FINAL (2).xlsx").write_bytes(b"lock")
    before_folder = {p.name: p.read_bytes() for p in (quarter / "returns").iterdir()}
    run(quarter)
    first = store.table_contents(db)
    run(quarter)
    assert store.table_contents(db) == first
    assert {p.name: p.read_bytes() for p in (quarter / "returns").iterdir()} == before_folder
    rows = {r[2]: r for r in first["returns"]}
    outcome = {name: r[7] for name, r in rows.items()}
    assert outcome["notes.txt"] == "skipped" and outcome["~$CJ return FINAL (2).xlsx"] == "skipped"
    archived = {p.name.split(".")[0] for p in (quarter / "archive").rglob("*") if p.is_file()}
    assert {r[1] for r in first["returns"]} <= archived


def test_values_are_stored_with_source_and_rule(quarter):
    run(quarter)
    contents = store.table_contents(f"sqlite:///{quarter}/xlplan.db")
    cols = [c.name for c in store.measure_values.columns]
    sw01 = dict(zip(cols, next(r for r in contents["measure_values"] if r[1] == "SW01")))
    assert sw01["status"] == "Green" and sw01["figure"] == "0.8"
    assert '"target": "0.75"' in sw01["rule"] and '"polarity": "Higher"' in sw01["rule"]
    assert sw01["source_sheet"] == "Measures" and len(sw01["source_sha256"]) == 64
    assert ("SW01", "2022/23", "0.71", "plan") in contents["history"]
    sw01_result = next(m for m in run(quarter).results.measures if m.code == "SW01")
    assert sw01_result.history == {"2020/21": None, "2021/22": 0.68, "2022/23": 0.71}


def test_jobs_one_and_two_give_identical_stores(quarter, tmp_path_factory, monkeypatch):
    import xlplan.collect.pipeline as collect_mod
    monkeypatch.setattr(collect_mod, "POOL_MIN_FILES", 1)
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
    collect(plan_path, q1, tmp_path / "q1", tmp_path / "out", f"sqlite:///{tmp_path}/xlplan.db", report=False)
    t2 = make_templates(plan_path)
    fill(t2[CJ], tmp_path / "returns" / "cj.xlsx", {"SW01": {"To date": 0.80, "Comments/Progress": "Slow start"},
                                                    "SW02": {"To date": 46000}})
    result = run(tmp_path)
    sw01 = next(m for m in result.results.measures if m.code == "SW01")
    assert (sw01.previous_quarter, sw01.previous_status.value, sw01.trend_quarter.value) == (0.7, "Amber", "Improving")
    sw02 = next(m for m in result.results.measures if m.code == "SW02")
    assert sw02.trend_quarter.value == "Improving"   # cumulative: £23,000 a quarter against £20,000
    assert [(i.code, i.key) for i in result.issues if i.code == "comment.unchanged"] == [("comment.unchanged", "SW01")]
