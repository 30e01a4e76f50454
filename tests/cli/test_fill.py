"""fill_return: typing into a return template as a manager would in Excel."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from template_cases import Q2, data_rows, digest_failures, varied_plan
from xlplan.contract import layout
from xlplan.errors import XlplanError
from xlplan.demo.fill import fill_return, typed_value
from xlplan.contract.identity import load_key
from xlplan.plan import read_plan
from xlplan.templates.build import write_templates


@pytest.mark.parametrize("text, number_format, stored", [
    ("89%", "0.0%", 0.89),
    ("89", "0.0%", 0.89),                 # Excel's automatic percent entry
    ("0.89", "0.0%", 0.89),
    ("89.5%", "General", 0.895),
    ("1,668", "General", 1668),
    ("£1,668.50", "£#,##0.00", 1668.5),
    ("(5)", "General", -5),
    ("70/30", "@", "70/30"),              # text cell: kept exactly
    ("31/03/2024", "General", datetime(2024, 3, 31)),
    ("TBC", "0.0%", "TBC"),
    ("Report later", "General", "Report later"),
    ("85 percent", "0.0%", "85 percent"),
    ("=1+1", "General", "=1+1"),
])
def test_typed_text_is_stored_as_excel_would(text, number_format, stored):
    got = typed_value(text, number_format)
    assert got == stored and type(got) is type(stored)


@pytest.fixture
def template(tmp_path):
    plan_path = varied_plan(tmp_path / "plan.xlsx")
    plan = read_plan(plan_path)
    [path] = write_templates(plan, Q2, tmp_path / "t", plan_path=plan_path, service="Children and Justice")
    return path, load_key(plan_path)


def test_fill_matches_rows_by_code_and_keeps_protection_and_identity(template, tmp_path):
    path, key = template
    out = fill_return(path, tmp_path / "filled.xlsx",
                      measures={"SW02": {"To date": "£95,000", "Comments/Progress": "Charges review"},
                                "SW01": {"To date": "89%"}, "SW05": {"To date": "1,668", "Status": "Green"}},
                      actions={"A3": {"Status": "Complete", "Comments/Progress": "Done in June"}})
    rows = data_rows(out, layout.MEASURES_SHEET)
    assert rows["SW01"][1]["To date"] == pytest.approx(0.89)
    assert rows["SW02"][1]["To date"] == 95000 and rows["SW02"][1]["Comments/Progress"] == "Charges review"
    assert (rows["SW05"][1]["To date"], rows["SW05"][1]["Status"]) == (1668, "Green")
    assert rows["SW03"][1]["To date"] == ""
    assert data_rows(out, layout.ACTIONS_SHEET)["A3"][1]["Status"] == "Complete"
    wb = openpyxl.load_workbook(out)
    assert wb.security.lockStructure and wb["Measures"].protection.sheet
    assert wb[layout.IDENTITY_SHEET].sheet_state == "veryHidden"
    assert len(wb["Measures"].data_validations.dataValidation) == \
        len(openpyxl.load_workbook(path)["Measures"].data_validations.dataValidation)
    assert digest_failures(out, key) == []          # inputs are not hashed


def test_typing_into_a_locked_cell_is_caught_by_the_row_digest(template, tmp_path):
    path, key = template
    r = data_rows(path, layout.MEASURES_SHEET)["SW01"][0]
    out = fill_return(path, tmp_path / "tampered.xlsx", cells={("Measures", f"G{r}"): "50%"})
    assert digest_failures(out, key) == ["SW01"]


def test_unknown_code_or_column_is_a_clear_error(template, tmp_path):
    path, _ = template
    with pytest.raises(XlplanError, match="Measures has no row with Code 'SW1O' \\(did you mean \"SW01\"\\?\\)"):
        fill_return(path, tmp_path / "x.xlsx", measures={"SW1O": {"To date": "1"}})
    with pytest.raises(XlplanError, match="no column 'To Dat'.*did you mean \"To date\""):
        fill_return(path, tmp_path / "x.xlsx", measures={"SW01": {"To Dat": "1"}})
