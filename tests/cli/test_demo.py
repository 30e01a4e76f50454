"""The demo runs the whole loop on the example plan and produces every kind of output, on SQLite
and on PostgreSQL alike."""

import os
import re

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from xlplan.cli import main
from xlplan.demo.run import run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's whole year on SQLite: what it produced, and its folder."""
    folder = tmp_path_factory.mktemp("sqlite") / "demo"
    return run_demo(folder, say=lambda _: None), folder


def test_demo_produces_every_stage(demo):
    produced, _ = demo
    assert set(produced) >= {"plan", "templates", "email drafts", "returns", "reports", "store"}
    for paths in produced.values():
        assert paths and all(p.exists() and p.stat().st_size > 0 for p in paths)
    names = {p.name for p in produced["reports"]}
    assert "2023-24-Q2 performance report.docx" in names and "2023-24-Q2 summary.xlsx" in names
    # one template and one draft per service with a return, per quarter
    assert len(produced["templates"]) == len(produced["email drafts"])
    # the year end: the annual report after Q4, and next year's plan that check reads
    from xlplan.plan import load_plan
    assert {p.name for p in produced["annual report"]} == {"2023-24 annual performance report.docx",
                                                            "2023-24 annual summary.xlsx"}
    plan, report = load_plan(produced["next year's plan"][0])
    assert plan is not None and report.valid and plan.year.label == "2024-25"
    # its risk register starts the year where each risk stood at the last assessment of 2023-24
    from xlplan.periods import Period
    from xlplan.store import risks_before
    latest = risks_before(f"sqlite:///{produced['store'][0]}", Period.parse("2024-25-Q1"))
    old, _ = load_plan(produced["plan"][0])
    assert latest and {r.code: (r.likelihood, r.impact) for r in plan.risks} == {
        r.code: (latest[r.code].likelihood, latest[r.code].impact) if r.code in latest else (r.likelihood, r.impact)
        for r in old.risks}
    assert any((r.likelihood, r.impact) != (latest[r.code].likelihood, latest[r.code].impact)
               for r in old.risks if r.code in latest)       # the register did move over the year


def test_demo_cli_ends_with_the_paths(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "Produced" in result.output
    assert "2023-24-Q2 performance report.docx" in result.output


def test_a_second_demo_in_the_same_store_is_refused_and_changes_nothing(demo):
    _, folder = demo
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    result = CliRunner().invoke(main, ["demo", "--dir", str(folder)])
    assert result.exit_code != 0
    assert "The demo runs in an empty store" in " ".join(result.output.split())
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == before


# what differs between two runs of the same year: when each thing happened, and the bytes (so the
# sha256) of each filled return and the fingerprint of each sign-off
_MOMENT = re.compile(r"\b[0-9a-f]{12,64}\b|\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}|\d{2}:\d{2}(:\d{2})?|"
                     r"\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|"
                     r"December) \d{4}")


def _text(path):
    """Every paragraph and table cell of a Word report, or every cell of a workbook, as lines."""
    if path.suffix == ".docx":
        d = docx.Document(path)
        lines = [p.text for p in d.paragraphs]
        lines += [" | ".join(c.text for c in row.cells) for t in d.tables for row in t.rows]
    else:
        wb = openpyxl.load_workbook(path)
        lines = [f"{ws.title}: " + " | ".join("" if v is None else str(v) for v in row)
                 for ws in wb for row in ws.iter_rows(values_only=True)]
    return [_MOMENT.sub("·", line) for line in lines]


def test_the_demo_on_postgresql_reports_what_it_reports_on_sqlite(demo, postgres_server, tmp_path):
    produced, folder = demo
    url = postgres_server.database()
    here = os.getcwd()
    os.chdir(tmp_path)              # a store that is not a file archives the returns in ./workbooks/archive
    try:
        said = []
        on_pg = run_demo(tmp_path / "demo", say=said.append, db_url=url)
    finally:
        os.chdir(here)
        postgres_server.drop(url)
    assert "store" not in on_pg and any(line.startswith("Store: postgresql") for line in said)
    assert len(list((tmp_path / "workbooks" / "archive").rglob("*.xlsx"))) == len(on_pg["returns"])
    outputs = [p for kind in ("reports", "annual report", "next year's plan") for p in produced[kind]]
    assert len(outputs) == 11
    for path in outputs:
        same = tmp_path / "demo" / path.relative_to(folder)
        assert _text(same) == _text(path), path.name
