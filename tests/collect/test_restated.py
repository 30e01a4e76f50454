"""A Q1 figure corrected in the Q2 return is a restatement: stored as a new version with where it
came from and why, never overwriting Q1's row, and not duplicated by a re-run; a change without a
reason, or a figure that cannot be read, is an error naming the cell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from quarter import AOP, CJ, fill
from restated_cases import Q1, Q2, cell_of, corrections, q1_collected, q2_returns
from xlplan import store
from xlplan.collect import collect
from xlplan.contract import corrections as sheet
from xlplan.store import table_contents


def stored_restatements(db: str) -> list[store.RestatementRow]:
    eng = store.engine(db, create=False, write=False)
    try:
        with eng.connect() as conn:
            return [store.RestatementRow(*r) for r in conn.execute(
                select(store.restatements).order_by(store.restatements.c.code))]
    finally:
        eng.dispose()


def q1_rows(db: str) -> list[tuple]:
    return [r for r in table_contents(db)["measure_values"] if r[0] == Q1.id]


def test_a_corrected_q1_figure_is_a_restatement_with_lineage_and_q1_stays_as_reported(tmp_path, db_url):
    templates = q1_collected(tmp_path, db_url)
    before = q1_rows(db_url)
    returns = q2_returns(tmp_path, templates, {
        "SW01": {"corrected": 0.76, "reason": "Late visits found in the case system"},
        "SW03": {"corrected": 45, "reason": "System figure finalised"},          # was Final Result Not Yet Available
        "SW02": {"corrected": 20000},                                            # the figure as reported: ignored
    })
    result = collect(tmp_path / "plan.xlsx", Q2, returns, db_url)
    assert result.exit_code == 0, [str(i) for i in result.issues]
    rows = stored_restatements(db_url)
    assert [(r.code, r.period, r.restated_period) for r in rows] == [("SW01", Q2.id, Q1.id), ("SW03", Q2.id, Q1.id)]
    sw01, sw03 = rows
    assert (store.figure_from_json(sw01.reported_figure), sw01.reported_status) == (0.71, "Amber")
    assert (store.figure_from_json(sw01.figure), sw01.status) == (0.76, "Green")
    assert sw01.reason == "Late visits found in the case system"
    assert sw01.service == CJ
    cj = next(f for f in result.files if f.name == "cj.xlsx")
    assert (sw01.source_file, sw01.source_sha256, sw01.source_sheet, sw01.source_cell) == (
        "cj.xlsx", cj.sha256, sheet.CORRECTIONS_SHEET, cell_of(templates[CJ], "SW01", sheet.corrected_header(Q2)))
    assert isinstance(sw01.collected, datetime)
    assert (sw03.reported_figure, sw03.reported_raw, sw03.reported_status) == (
        None, "Final Result Not Yet Available", "Report later")
    assert (store.figure_from_json(sw03.figure), sw03.status) == (45.0, "Green")     # Lower is better, target 50
    assert q1_rows(db_url) == before                                                # Q1 as reported, untouched
    # a Q2 template issued again offers Q1 as reported, not the correction Q2's own returns carried
    from xlplan.plan import read_plan
    offers = store.correction_offers(db_url, read_plan(tmp_path / "plan.xlsx"), Q2)
    assert (offers["SW01"], offers["SW03"]) == ((0.71, "71%"), (None, "Not yet available"))
    # re-running collect over the same returns changes nothing, restatements included
    stored = table_contents(db_url)
    again = collect(tmp_path / "plan.xlsx", Q2, returns, db_url)
    assert again.exit_code == 0
    assert table_contents(db_url) == stored


def test_the_manager_is_the_plans_and_a_re_run_keeps_when_it_was_first_collected(tmp_path, db_url):
    from xlplan.plan import read_plan
    templates = q1_collected(tmp_path, db_url)
    returns = q2_returns(tmp_path, templates, {"SW01": {"corrected": "76%", "reason": "Late visits"}})
    collect(tmp_path / "plan.xlsx", Q2, returns, db_url)
    first = stored_restatements(db_url)
    plan = read_plan(tmp_path / "plan.xlsx")
    assert first[0].manager == plan.service(CJ).manager and first[0].manager
    # the reason reworded: a new version of the restatement replaces the one this quarter carried
    fill(templates[CJ], returns / "cj.xlsx", {}, edit=corrections({"SW01": {"corrected": 0.77, "reason": "Recounted"}}))
    collect(tmp_path / "plan.xlsx", Q2, returns, db_url)
    (now,) = stored_restatements(db_url)
    assert (store.figure_from_json(now.figure), now.reason) == (0.77, "Recounted")


def test_a_correction_without_a_reason_is_an_error_naming_the_cell_and_is_not_stored(tmp_path, db_url):
    templates = q1_collected(tmp_path, db_url)
    returns = q2_returns(tmp_path, templates, {"SW01": {"corrected": 0.76}})
    result = collect(tmp_path / "plan.xlsx", Q2, returns, db_url)
    assert result.exit_code == 1
    (problem,) = [i for i in result.issues if i.code == "correction.no-reason"]
    assert (problem.file, problem.sheet, problem.cell, problem.key) == (
        "cj.xlsx", sheet.CORRECTIONS_SHEET, cell_of(templates[CJ], "SW01", sheet.REASON), "SW01")
    assert "from 71% to 76%" in problem.message and problem.is_error
    assert stored_restatements(db_url) == []
    assert {m.code: m.figure for m in result.results.measures}["SW01"] == 0.80     # the Q2 figures still count


def test_a_figure_that_cannot_be_read_is_an_error_naming_its_cell(tmp_path, db_url):
    templates = q1_collected(tmp_path, db_url)
    returns = q2_returns(tmp_path, templates, {"SW03": {"corrected": "about 45", "reason": "Finalised"},
                                              "SW01": {"reason": "Typed the reason only"}})
    result = collect(tmp_path / "plan.xlsx", Q2, returns, db_url)
    got = {(i.code, i.cell) for i in result.issues if i.sheet == sheet.CORRECTIONS_SHEET}
    assert ("cell.not-a-number", cell_of(templates[CJ], "SW03", sheet.corrected_header(Q2))) in got
    assert ("correction.no-figure", cell_of(templates[CJ], "SW01", sheet.REASON)) in got
    assert stored_restatements(db_url) == []


def test_an_edited_as_reported_figure_is_named_and_the_store_decides_what_was_reported(tmp_path, db_url):
    templates = q1_collected(tmp_path, db_url)
    ref = cell_of(templates[CJ], "SW01", sheet.reported_header(Q2))

    def tamper(wb):
        corrections({"SW01": {"corrected": 0.76, "reason": "Late visits"}})(wb)
        wb[sheet.CORRECTIONS_SHEET][ref].value = 0.76       # make the correction look like no change

    fill(templates[CJ], tmp_path / "returns-q2" / "cj.xlsx", {}, edit=tamper)
    result = collect(tmp_path / "plan.xlsx", Q2, tmp_path / "returns-q2", db_url)
    assert ("return.row-edited", sheet.CORRECTIONS_SHEET, "SW01") in {(i.code, i.sheet, i.key) for i in result.issues}
    (row,) = stored_restatements(db_url)
    assert store.figure_from_json(row.reported_figure) == 0.71        # what Q1 reported, from the store


def test_templates_without_a_store_or_a_stored_quarter_before_have_no_corrections(tmp_path):
    import openpyxl
    from quarter import make_plan, make_templates
    plain = make_templates(make_plan(tmp_path))                       # no store at all
    assert sheet.CORRECTIONS_SHEET not in openpyxl.load_workbook(plain[CJ]).sheetnames
    db = f"sqlite:///{tmp_path}/xlplan.db"
    from restated_cases import templates_for
    q1 = templates_for(tmp_path, Q1, db)                              # nothing stored for 2022-23 Q4
    assert sheet.CORRECTIONS_SHEET not in openpyxl.load_workbook(q1[AOP]).sheetnames
    assert "Correcting last quarter" not in str([c.value for c in openpyxl.load_workbook(q1[AOP])["Instructions"]["A"]])
