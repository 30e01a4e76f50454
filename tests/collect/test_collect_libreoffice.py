"""Returns typed into through LibreOffice (as a person would), saved by LibreOffice, renamed:
collect accepts them with exit 0 and the statuses the status engine prescribes."""

from __future__ import annotations

import openpyxl
import pytest

from lo import lo_type, needs_lo, resave
from quarter import AOP, CJ, header, make_plan, make_templates, row_of, run
from xlplan.demo.fill import fill_return
from xlplan.status import ActionStatus, Status

pytestmark = needs_lo


def cells(template, sheet_entries: dict[str, dict[str, str]]) -> dict[tuple[str, str], str]:
    """{code: {column: text}} → {(sheet, A1): text}, found by header and Code/Ref like collect does."""
    wb = openpyxl.load_workbook(template)
    found = {}
    for code, columns in sheet_entries.items():
        sheet, key = ("Measures", "Code") if code.startswith("SW") else ("Actions", "Ref")
        ws = wb[sheet]
        _, cols = header(ws, key)
        r = row_of(ws, key, code)
        for column, text in columns.items():
            found[(sheet, ws.cell(r, cols[column]).coordinate)] = text
    return found


def test_returns_typed_in_libreoffice_are_collected_with_the_engine_statuses(tmp_path):
    plan_path = make_plan(tmp_path)
    templates = make_templates(plan_path)
    returns = tmp_path / "returns"
    lo_type(templates[CJ], returns / "Children and Justice FINAL v2.xlsx", cells(templates[CJ], {
        "SW01": {"To date": "89%", "Comments/Progress": "Ahead of target"},
        "SW02": {"To date": "=40000+6000", "Comments/Progress": "Two posts vacant"},   # a formula: its value used
        "SW03": {"To date": "70", "Comments/Progress": "Demand up since July"},
        "SW04": {"To date": "12", "Status": "Green", "Comments/Progress": "New this year"},
        "A1": {"Status": "Complete", "Comments/Progress": "Done in August"},
        "A2": {"Status": "Green"},
    }))
    typed = fill_return(templates[AOP], tmp_path / "filled" / "aop.xlsx",
                        {"SW10": {"To date": "89", "Comments/Progress": "Slightly behind"},
                         "SW11": {"To date": "72/28"}},
                        {"A3": {"Status": "Amber", "Comments/Progress": "Contract delayed"}})
    resave(typed, returns)            # re-saved by LibreOffice, which rewrites the XML
    result = run(tmp_path)
    assert result.exit_code == 0, [str(i) for i in result.issues]
    assert {r.file: r.outcome for r in result.records} == {"Children and Justice FINAL v2.xlsx": "accepted",
                                                          "aop.xlsx": "accepted"}
    got = {m.code: (m.status, m.figure) for m in result.results.measures}
    assert got == {"SW01": (Status.GREEN, 0.89), "SW02": (Status.AMBER, 46000.0), "SW03": (Status.RED, 70.0),
                   "SW04": (Status.GREEN, 12.0), "SW10": (Status.AMBER, 0.89),
                   "SW11": (Status.GREEN, got["SW11"][1])}
    assert str(got["SW11"][1]) == "72/28"
    assert {a.ref: a.status for a in result.results.actions} == {
        "A1": ActionStatus.COMPLETE, "A2": ActionStatus.GREEN, "A3": ActionStatus.AMBER}
    assert not [i for i in result.issues if i.code.startswith("return.")]   # no locked content "edited"
    assert [(i.code, i.key) for i in result.issues if i.code.startswith("cell.formula")] == [("cell.formula-used", "SW02")]
    from test_returns import _both
    for path in returns.iterdir():            # LibreOffice's XML: the formula scan agrees with a full parse
        fast, slow = _both(path)
        assert fast == slow and fast["Measures"]
