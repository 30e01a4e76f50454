"""Every value a manager types is checked with a stable code naming the cell; nothing is guessed or
zeroed, and a measure in error is shown as Report later and flagged."""

from __future__ import annotations

import pytest

from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, fill, header, make_plan, make_templates, row_of, run
from xlplan.status import Status


@pytest.fixture
def setup(tmp_path):
    plan_path = make_plan(tmp_path)
    templates = make_templates(plan_path)
    fill(templates[AOP], tmp_path / "returns" / "aop.xlsx", GOOD_AOP)
    return tmp_path, templates


def collect_cj(setup, measures=None, actions=None, edit=None):
    root, templates = setup
    fill(templates[CJ], root / "returns" / "cj.xlsx", {**GOOD_CJ, **(measures or {})}, actions, edit=edit)
    result = run(root)
    return result, {m.code: m for m in result.results.measures}, \
        [(i.code, i.key, i.cell, i.severity.value) for i in result.issues if i.file == "cj.xlsx"]


def cell_of(setup, code, column):
    import openpyxl
    wb = openpyxl.load_workbook(setup[1][CJ])
    ws = wb["Measures" if code.startswith("SW") else "Actions"]
    key = "Code" if code.startswith("SW") else "Ref"
    _, cols = header(ws, key)
    return ws.cell(row_of(ws, key, code), cols[column]).coordinate


def test_unreadable_figure_is_an_error_naming_the_cell_and_the_measure_shows_report_later(setup):
    result, got, found = collect_cj(setup, {"SW02": {"To date": "about 45k maybe"}})
    cell = cell_of(setup, "SW02", "To date")
    assert ("cell.not-a-number", "SW02", cell, "error") in found
    issue = next(i for i in result.issues if i.code == "cell.not-a-number")
    assert "'about 45k maybe'" in issue.message and "an amount of money" in issue.message
    assert (got["SW02"].status, got["SW02"].in_error, got["SW02"].figure) == (Status.REPORT_LATER, True, None)
    assert result.exit_code == 1
    assert got["SW01"].status is Status.GREEN      # the rest of the return still counts


def test_percent_over_100_and_negative_count_are_out_of_range(setup):
    result, got, found = collect_cj(setup, {"SW01": {"To date": 1.2}, "SW03": {"To date": -4}})
    assert ("cell.out-of-range", "SW01", cell_of(setup, "SW01", "To date"), "error") in found
    assert ("cell.out-of-range", "SW03", cell_of(setup, "SW03", "To date"), "error") in found
    assert got["SW01"].in_error and got["SW01"].status is Status.REPORT_LATER


def test_typed_percent_text_and_money_text_are_read(setup):
    _, got, found = collect_cj(setup, {"SW01": {"To date": "80%"}, "SW02": {"To date": "£46,000"}})
    assert (got["SW01"].figure, got["SW02"].figure) == (0.8, 46000.0)
    assert not [f for f in found if f[3] == "error"]


def test_formula_without_a_value_is_an_error_and_with_a_value_is_used(setup):
    # openpyxl writes formulas with no cached value, as a file never opened in Excel would have
    _, got, found = collect_cj(setup, {"SW03": {"To date": "=SUM(1,2)"}})
    assert ("cell.formula-no-value", "SW03", cell_of(setup, "SW03", "To date"), "error") in found
    assert got["SW03"].in_error


def test_unknown_status_word_is_an_error(setup):
    _, got, found = collect_cj(setup, {"SW04": {"Status": "Greenish"}},
                               {"A1": {"Status": "Done", "Comments/Progress": "x"}})
    assert ("status.unknown-word", "SW04", cell_of(setup, "SW04", "Status"), "error") in found
    assert ("status.unknown-word", "A1", cell_of(setup, "A1", "Status"), "error") in found
    assert got["SW04"].status is Status.REPORT_LATER and got["SW04"].in_error


def test_red_or_amber_without_a_comment_is_a_warning(setup):
    result, got, found = collect_cj(setup, {"SW03": {"To date": 70, "Comments/Progress": None}},
                                    {"A2": {"Status": "Amber"}})
    assert ("comment.missing-for-red", "SW03", cell_of(setup, "SW03", "Comments/Progress"), "warning") in found
    assert ("comment.missing-for-red", "A2", cell_of(setup, "A2", "Comments/Progress"), "warning") in found
    assert got["SW03"].status is Status.RED and result.exit_code == 0   # warnings do not fail the collect


def test_action_complete_before_its_start_is_a_warning(setup):
    _, _, found = collect_cj(setup, actions={"A2": {"Status": "Complete", "Comments/Progress": "done"}})
    assert ("action.complete-before-start", "A2", cell_of(setup, "A2", "Status"), "warning") in found


def test_no_data_words_are_report_later_with_a_note_not_zero(setup):
    _, got, found = collect_cj(setup, {"SW03": {"To date": "TBC"}, "SW01": {"To date": None}})
    assert got["SW03"].figure is None and got["SW03"].status is Status.REPORT_LATER and not got["SW03"].in_error
    assert got["SW03"].display == "TBC"
    assert ("cell.no-data", "SW03", cell_of(setup, "SW03", "To date"), "info") in found
    assert got["SW01"].status is Status.REPORT_LATER and not [f for f in found if f[1] == "SW01"]


def test_comment_is_kept_as_text_never_a_formula(setup):
    nasty = "=HYPERLINK(\"http://x\",\"click\")\u200b and\r\nnext line  "

    def as_text(wb):
        ws = wb["Measures"]
        _, cols = header(ws, "Code")
        cell = ws.cell(row_of(ws, "Code", "SW01"), cols["Comments/Progress"])
        cell.value = nasty
        cell.data_type = "s"   # typed text (as after a leading apostrophe), not a formula

    _, got, found = collect_cj(setup, edit=as_text)
    assert got["SW01"].comment == "=HYPERLINK(\"http://x\",\"click\") and\nnext line"
    # text, not a formula: the only word about it is that the zero-width space was taken out
    assert [f[0] for f in found if f[1] == "SW01"] == ["return.text-cleaned"]


def test_a_deleted_input_column_is_an_error_naming_the_column(setup):
    def drop(wb):
        ws = wb["Measures"]
        head_row, cols = header(ws, "Code")
        ws.cell(head_row, cols["Comments/Progress"]).value = "Notes"

    result, got, found = collect_cj(setup, edit=drop)
    assert [f for f in found if f[0] == "return.missing-column"] == [("return.missing-column", None, None, "error")]
    assert "'Comments/Progress'" in next(i.message for i in result.issues if i.code == "return.missing-column")
    assert got["SW01"].status is Status.GREEN and got["SW01"].comment == ""   # the figures still count


def test_own_status_contradicting_the_figure_is_noted_and_the_computed_status_shown(setup):
    result, got, found = collect_cj(setup, {"SW01": {"To date": 0.60, "Status": "Green", "Comments/Progress": "x"}})
    assert ("status.differs", "SW01", cell_of(setup, "SW01", "Status"), "info") in found
    note = next(i for i in result.issues if i.code == "status.differs")
    assert note.message == "SW01: the return says Green but 60% against the target 75% is Red; the report shows Red"
    assert got["SW01"].status is Status.RED
