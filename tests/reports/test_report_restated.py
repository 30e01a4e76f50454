"""Restated figures in the reports: the Q2 report and summary show a Q1 figure corrected in the
Q2 returns, with its reason, and use it as last quarter's figure marked as restated; the Q1
report rebuilt afterwards still shows Q1 as reported."""

from __future__ import annotations

import docx
import openpyxl
from docx.oxml.ns import qn

from quarter import CJ
from restated_cases import Q1, Q2, q1_collected, q2_returns
from xlplan.collect import collect
from xlplan.plan import read_plan
from xlplan.reports import write_reports
from xlplan.reports.docx_tables import FILLS
from xlplan.store import load_results
from xlplan.status import Status

REASON = "Late visits found in the case system"


def restated_quarter(root, db):
    templates = q1_collected(root, db)
    returns = q2_returns(root, templates, {"SW01": {"corrected": 0.76, "reason": REASON},
                                           "SW03": {"corrected": 45, "reason": "System figure finalised"}})
    result = collect(root / "plan.xlsx", Q2, returns, db)
    assert result.exit_code == 0, [str(i) for i in result.issues]
    return result


def all_text(document) -> str:
    return "\n".join("".join(p.xpath(".//w:t/text()")) for p in document.element.body.iter(qn("w:p")))


def test_the_q2_report_and_summary_show_the_restatement_and_use_the_latest_version(tmp_path, db_url):
    result = restated_quarter(tmp_path, db_url)
    results = result.results
    assert [(r.code, r.line()) for r in results.restatements] == [
        ("SW01", f"Q1 restated: 71% → 76%, reason: {REASON}"),
        ("SW03", "Q1 restated: Final Result Not Yet Available → 45, reason: System figure finalised")]
    sw01 = next(m for m in results.measures if m.code == "SW01")
    assert (sw01.previous_quarter, sw01.previous_status) == (0.76, Status.GREEN)   # the latest version of Q1
    assert sw01.restated[Q1.id].reported == 0.71
    word, summary = write_reports(results, tmp_path / "out")
    text = all_text(docx.Document(str(word)))
    assert f"Measure SW01 (SW01, {CJ}): Q1 restated: 71% → 76%, reason: {REASON}. Status Amber → Green." in text
    assert "Restated figures" in text
    table = next(t for t in docx.Document(str(word)).tables if t.rows[0].cells[0].text == "Performance Indicator"
                 and t.rows[0].cells[2].text == "As reported")
    row = table.rows[1]
    assert [c.text.split("\n")[0] for c in row.cells[2:5]] == ["Amber", "Green", REASON]
    fill = row.cells[3]._tc.xpath(".//w:shd/@w:fill")
    assert fill == [FILLS["Green"]]                                                   # colour and the word
    wb = openpyxl.load_workbook(summary)
    ws = wb["Restated figures"]
    header = [c.value for c in ws[1]]
    first = dict(zip(header, [c.value for c in ws[2]]))
    assert (first["Code"], first["Quarter restated"], first["As reported"], first["Restated"], first["Reason"]) == (
        "SW01", "Q1", 0.71, 0.76, REASON)
    assert first["Source sheet"] == "Corrections" and first["Manager"]
    measures = wb["Measures"]
    cols = [c.value for c in measures[1]]
    sw01_row = next(r for r in measures.iter_rows(min_row=2, values_only=True) if r[0] == "SW01")
    assert sw01_row[cols.index("Last quarter")] == 0.76
    assert sw01_row[cols.index("Last quarter restated")].startswith("Restated (" + REASON)


def test_the_q1_report_rebuilt_after_q2_still_shows_q1_as_reported(tmp_path, db_url):
    restated_quarter(tmp_path, db_url)
    q1 = load_results(db_url, read_plan(tmp_path / "plan.xlsx"), Q1)
    assert q1.restatements == []
    assert {m.code: m.figure for m in q1.measures}["SW01"] == 0.71
    word, _ = write_reports(q1, tmp_path / "q1")
    text = all_text(docx.Document(str(word)))
    assert "restated" not in text.lower()


def test_a_report_with_no_restatement_has_no_restated_section(tmp_path, db_url):
    templates = q1_collected(tmp_path, db_url)
    result = collect(tmp_path / "plan.xlsx", Q2, q2_returns(tmp_path, templates), db_url)
    word, summary = write_reports(result.results, tmp_path / "out")
    assert "Restated figures" not in all_text(docx.Document(str(word)))
    assert "Restated figures" not in openpyxl.load_workbook(summary).sheetnames
