"""`xlplan report`: reads the store, writes both files where the officer expects them."""

from __future__ import annotations

from collections import Counter

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from results_factory import make_results
from quarter import run

from xlplan import store
from xlplan.cli import main
from xlplan.periods import Period
from xlplan.plan import read_plan


def test_report_command_writes_both_files_and_says_so(tmp_path, monkeypatch):
    results = make_results(tmp_path)
    asked = {}

    def load_results(db_url, plan, period):
        asked.update(db=db_url, period=period.id, measures=len(plan.measures))
        return results

    monkeypatch.setattr(store, "load_results", load_results)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["report", "--period", "2023/24 Q2", "--plan", str(tmp_path / "plan.xlsx"),
                                  "--db", "sqlite:///x.db", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert asked == {"db": "sqlite:///x.db", "period": "2023-24-Q2", "measures": 10}
    assert (out / "2023-24-Q2 performance report.docx").exists()
    assert (out / "2023-24-Q2 summary.xlsx").exists()
    assert "10 measures (3 Green, 1 Amber, 3 Red, 2 Report later, 1 Contextual), 5 actions" in r.output
    assert "Returns still awaited from: Adult and Older People, Performance and Support" in r.output


def test_report_command_problems_exit_2_with_a_sentence(tmp_path):
    r = CliRunner().invoke(main, ["report", "--period", "2023-24-Q5", "--plan", str(tmp_path / "plan.xlsx")])
    assert r.exit_code == 2 and "2023-24-Q5" in r.output
    r = CliRunner().invoke(main, ["report", "--period", "2023-24-Q2", "--plan", str(tmp_path / "none.xlsx")])
    assert r.exit_code == 2


@pytest.mark.filterwarnings("ignore:Sparkline Group extension is not supported")   # openpyxl reading back
def test_report_from_the_store_after_collect_matches_the_stores_numbers(quarter, db_url):  # noqa: F811
    run(quarter, db=db_url)
    db = db_url
    out = quarter / "reports"
    r = CliRunner().invoke(main, ["report", "--period", "2023-24-Q2", "--plan", str(quarter / "plan.xlsx"),
                                  "--db", db, "--out", str(out)])
    assert r.exit_code == 0, r.output
    results = store.load_results(db, read_plan(quarter / "plan.xlsx"), Period.parse("2023-24-Q2"))
    document = docx.Document(str(out / "2023-24-Q2 performance report.docx"))
    statuses = Counter()
    to_date = {}
    for t in document.tables:
        if t.rows[0].cells[0].text == "Performance Indicators":
            for row in t.rows[1:]:
                statuses[row.cells[2].text.split("\n")[0]] += 1
                assessed = row.cells[2].text.endswith("manager's assessment")
                code = row.cells[0].text.split("\n")[1].split(" · ")[0]
                assert assessed == (next(m for m in results.measures if m.code == code).basis == "assessed")
                to_date[row.cells[0].text.split("\n")[1].split(" · ")[0]] = row.cells[4].text
    assert statuses == Counter({s.value: n for s, n in results.measure_counts().items() if n})
    assert to_date == {m.code: m.display for m in results.measures}
    wb = openpyxl.load_workbook(out / "2023-24-Q2 summary.xlsx")
    sheet = {row[0]: row for row in wb["Measures"].iter_rows(min_row=2, values_only=True)}
    heads = [c.value for c in wb["Measures"][1]]
    for m in results.measures:
        assert sheet[m.code][heads.index("Status")] == m.status.value
        assert sheet[m.code][heads.index("Comments/Progress")] in (m.comment, None)


def test_report_before_any_return_is_collected_says_so(tmp_path, monkeypatch):
    results = make_results(tmp_path)
    results.returns = []
    monkeypatch.setattr(store, "load_results", lambda db_url, plan, period: results)
    r = CliRunner().invoke(main, ["report", "--period", "2023-24-Q2", "--plan", str(tmp_path / "plan.xlsx"),
                                  "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    assert "No returns have been collected for 2023-24-Q2 yet" in said
    assert "Run `xlplan collect --period 2023-24-Q2` first" in said
