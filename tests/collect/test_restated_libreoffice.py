"""Corrections typed into a return in LibreOffice (as a person would) and saved by it: the
restatement is stored as from an Excel-saved return, and a change without a reason still names
its cell."""

from __future__ import annotations

from lo import lo_type, needs_lo
from quarter import CJ
from restated_cases import Q2, cell_of, q1_collected, q2_returns
from xlplan import store
from xlplan.collect import collect
from xlplan.contract import corrections as sheet
from xlplan.store import load_results
from xlplan.plan import read_plan

pytestmark = needs_lo


def test_corrections_typed_and_saved_in_libreoffice_are_restated(tmp_path):
    db = f"sqlite:///{tmp_path}/xlplan.db"
    templates = q1_collected(tmp_path, db)
    returns = q2_returns(tmp_path, templates)                    # both good; CJ's retyped below in LibreOffice
    corrected = cell_of(templates[CJ], "SW01", sheet.corrected_header(Q2))
    reason = cell_of(templates[CJ], "SW01", sheet.REASON)
    no_reason = cell_of(templates[CJ], "SW02", sheet.corrected_header(Q2))
    lo_type(templates[CJ], returns / "cj.xlsx", {
        (sheet.CORRECTIONS_SHEET, corrected): "76%",
        (sheet.CORRECTIONS_SHEET, reason): "Late visits found in the case system",
        (sheet.CORRECTIONS_SHEET, no_reason): "21000",
    })
    result = collect(tmp_path / "plan.xlsx", Q2, returns, db)
    assert [(i.code, i.cell) for i in result.issues if i.is_error] == [
        ("correction.no-reason", cell_of(templates[CJ], "SW02", sheet.REASON))]
    assert not [i for i in result.issues if i.code.startswith("return.")]     # the re-save changed no locked cell
    results = load_results(db, read_plan(tmp_path / "plan.xlsx"), Q2)
    (r,) = results.restatements
    assert (r.code, r.figure, r.reason, r.source.sheet, r.source.cell) == (
        "SW01", 0.76, "Late visits found in the case system", sheet.CORRECTIONS_SHEET, corrected)
    assert store.figure_from_json(store.figure_json(r.reported)) == 0.71
