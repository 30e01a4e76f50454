"""Return templates (issue #3): one protected, self-checking workbook per service.

Workbooks are written to tmp_path and read back with python-calamine (values, as collect reads
them) and openpyxl (protection, validations, formats). Shared helpers are in
template_cases.py.
"""

from __future__ import annotations

import zipfile
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from builders import build_plan, measure
from template_cases import ISSUED, Q2, data_rows, digest_failures, read_identity, read_sheet, varied_plan
from xlplan.contract import layout
from xlplan.cli import main
from xlplan.errors import XlplanError
from xlplan.contract.identity import load_key
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.templates.build import write_templates

@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    return varied_plan(tmp_path / "plan.xlsx")


@pytest.fixture
def made(plan_path: Path, tmp_path: Path) -> dict[str, Path]:
    plan = read_plan(plan_path)
    paths = write_templates(plan, Q2, tmp_path / "out", plan_path=plan_path, issued_at=ISSUED)
    return {p.name: p for p in paths}


def children(made: dict[str, Path]) -> Path:
    return made["2023-24-Q2 Children and Justice return.xlsx"]


# --- contents -------------------------------------------------------------------------------------------


def test_one_template_per_service_with_exactly_its_measures_and_actions(made, plan_path):
    plan = read_plan(plan_path)
    assert sorted(made) == ["2023-24-Q2 Adult and Older People return.xlsx",
                            "2023-24-Q2 Children and Justice return.xlsx"]
    for service in ("Children and Justice", "Adult and Older People"):
        path = made[layout.template_filename(Q2, service)]
        assert list(data_rows(path, "Measures")) == [m.code for m in plan.measures_for(service)]
        assert list(data_rows(path, "Actions")) == [a.ref for a in plan.actions_for(service)]
        sheets = CalamineWorkbook.from_path(str(path)).sheet_names
        assert sheets == ["Instructions", "Measures", "Actions", "xlplan"]


def test_headers_are_the_layout_contract_and_group_rows_have_no_code(made):
    path = children(made)
    header_row, headers, data = read_sheet(path, "Measures")
    assert headers == layout.measure_headers(Q2)
    assert headers[8:11] == ["2020/21", "2021/22", "2022/23"]
    assert header_row <= layout.HEADER_SEARCH_ROWS
    assert read_sheet(path, "Actions")[1] == layout.action_headers()
    groups = [(r, v["Measure"]) for r, v in data if v["Code"] == "" and v["Measure"]]
    assert [g for _, g in groups][:2] == ["Safe, strong communities", "Outcome one"]
    assert "Improve health, care and wellbeing" in [g for _, g in groups]


def test_targets_are_profiled_for_the_period(plan_path, tmp_path):
    plan = read_plan(plan_path)
    got = {}
    for q in (1, 2, 3):
        period = Period.parse(f"2023-24-Q{q}")
        [path] = write_templates(plan, period, tmp_path / f"q{q}", plan_path=plan_path,
                                 service="Children and Justice", issued_at=ISSUED)
        got[q] = {code: (v["Target"], v["Annual target"]) for code, (_, v) in data_rows(path, "Measures").items()}
    assert got[2]["SW02"] == (100000, 200000)          # £200,000 cumulative is £100,000 at Q2
    assert got[1]["SW02"] == (50000, 200000)
    assert got[2]["SW01"] == (0.75, 0.75)              # level
    assert [got[q]["SW07"][0] for q in (1, 2, 3)] == [0.2, 0.4, 0.6]   # quarterly profile
    assert got[2]["SW03"] == ("Below 75", "Reduce")     # directional: last year's outturn
    assert got[2]["SW04"] == ("70/30", "70/30")
    assert got[2]["SW05"][0] == "No target"
    assert got[2]["SW08"][0] == "TBC"


def test_history_and_last_quarter_columns(plan_path, tmp_path):
    plan = read_plan(plan_path)
    [path] = write_templates(plan, Q2, tmp_path, plan_path=plan_path, service="Children and Justice",
                             last_values={"SW01": (0.71, "71%"), "SW08": (None, "TBC")}, issued_at=ISSUED)
    rows = data_rows(path, "Measures")
    sw01 = rows["SW01"][1]
    assert [sw01["2020/21"], sw01["2021/22"], sw01["2022/23"], sw01["Last quarter"]] == [0.7, 0.72, 0.74, 0.71]
    assert rows["SW08"][1]["Last quarter"] == "TBC"
    assert rows["SW02"][1]["Last quarter"] == ""
    ws = openpyxl.load_workbook(path)["Measures"]
    assert ws.cell(rows["SW01"][0], 12).number_format == "0%"


def test_plan_text_starting_with_formula_characters_is_written_as_text(tmp_path):
    plan_path = build_plan(tmp_path / "plan.xlsx", measures=[measure("SW01"), measure("SW02")])
    wb = openpyxl.load_workbook(plan_path)     # a measure name that looks like a formula
    cell = wb["Measures"]["B2"]
    cell.value, cell.data_type = "=HYPERLINK(\"http://x\",\"click\")", "s"
    wb.save(plan_path)
    plan = read_plan(plan_path)
    [path] = write_templates(plan, Q2, tmp_path / "out", plan_path=plan_path, service="Children and Justice")
    ws = openpyxl.load_workbook(path)["Measures"]
    texts = {c.value: c.data_type for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert texts['=HYPERLINK("http://x","click")'] == "s"
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert "HYPERLINK" not in sheet     # not a formula: it lives in the shared strings


# --- protection and validation --------------------------------------------------------------------------


def _unlocked(ws) -> set[str]:
    return {c.coordinate for row in ws.iter_rows() for c in row if c.protection.locked is False}


def test_only_input_cells_are_unlocked_and_sheets_and_structure_are_protected(made):
    path = children(made)
    wb = openpyxl.load_workbook(path)
    assert wb.security.lockStructure
    assert [ws.protection.sheet for ws in wb.worksheets] == [True, True, True, True]
    rows = data_rows(path, "Measures")
    own_status = {"SW05", "SW08"}        # no target to calculate from (Monitor SW06 stays Contextual)
    expected = set()
    for code, (r, _) in rows.items():
        expected |= {f"M{r}", f"P{r}"}        # To date, Comments/Progress
        if code in own_status:
            expected.add(f"N{r}")                               # Status
    assert _unlocked(wb["Measures"]) == expected
    arows = data_rows(path, "Actions")
    assert _unlocked(wb["Actions"]) == {f"{c}{r}" for r, _ in arows.values() for c in "GH"}
    assert _unlocked(wb["Instructions"]) == set()
    assert wb["Measures"].protection.formatColumns is False   # openpyxl: False = allowed


def test_template_password_from_settings(tmp_path):
    plan_path = varied_plan(tmp_path / "plan.xlsx", **{"Template password": "s3cret"})
    plan = read_plan(plan_path)
    [path] = write_templates(plan, Q2, tmp_path / "out", plan_path=plan_path, service="Children and Justice")
    wb = openpyxl.load_workbook(path)
    assert wb["Measures"].protection.password and wb.security.workbookPassword


def _validations(ws) -> dict[str, object]:
    found = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            found[rng] = dv
    return found


def test_inputs_are_validated_by_unit_with_plain_messages(made):
    path = children(made)
    ws = openpyxl.load_workbook(path)["Measures"]
    dvs = _validations(ws)
    rows = {code: r for code, (r, _) in data_rows(path, "Measures").items()}
    pct, money, ratio = dvs[f"M{rows['SW01']}"], dvs[f"M{rows['SW02']}"], dvs[f"M{rows['SW04']}"]
    assert pct.type == "custom" and f"M{rows['SW01']}<=1" in pct.formula1 and '"TBC"' in pct.formula1
    assert f"M{rows['SW02']}>=0" in money.formula1 and '"Report later"' in money.formula1
    assert 'FIND("/"' in ratio.formula1
    for dv in (pct, money, ratio):
        assert dv.showErrorMessage and dv.errorStyle in (None, "stop") and dv.error and dv.prompt
        assert len(dv.formula1) < 255
    assert ws[f"M{rows['SW01']}"].number_format.endswith("%")
    assert ws[f"M{rows['SW04']}"].number_format == "@"        # 70/30 stays text
    status = dvs[f"N{rows['SW05']}"]
    assert status.type == "list" and status.formula1 == '"Green,Amber,Red,Report later"'
    comments = dvs[f"P{rows['SW01']}"]
    assert comments.type == "textLength" and comments.formula1 == "4000"
    assert ws[f"P{rows['SW01']}"].alignment.wrap_text
    actions = openpyxl.load_workbook(path)["Actions"]
    arow = data_rows(path, "Actions")["A1"][0]
    assert _validations(actions)[f"G{arow}"].formula1 == '"Complete,Green,Amber,Red,Report later"'


def test_rag_column_is_a_locked_formula_with_colours(made):
    path = children(made)
    ws = openpyxl.load_workbook(path)["Measures"]
    r = data_rows(path, "Measures")["SW01"][0]
    cell = ws[f"O{r}"]
    assert cell.data_type == "f" and cell.protection.locked
    assert cell.value == ('=IF(AND(ISNUMBER(M7),OR(M7<0,M7>1)),"Check figure",IF(ISNUMBER(M7),'
                          'IF(M7>=0.749999999,"Green",IF(M7>=0.674999999,"Amber","Red")),"Report later"))'
                          ).replace("M7", f"M{r}")
    rules = [rule.formula[0] for rng in ws.conditional_formatting for rule in rng.rules]
    for word in ('"Green"', '"Amber"', '"Red"', '"Report later"'):
        assert word in rules


def test_sheets_are_set_up_for_screen_and_print(made):
    wb = openpyxl.load_workbook(children(made))
    for name in ("Measures", "Actions"):
        ws = wb[name]
        assert ws.freeze_panes == "C5"
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)          # None: the default, one page wide
        assert ws.page_setup.fitToHeight == 0 and ws.print_title_rows == "$4:$4"
        assert ws.sheet_view.showGridLines is False
    assert wb.active.title == "Instructions"


def test_instructions_say_what_when_and_to_whom(made):
    rows = CalamineWorkbook.from_path(str(children(made))).get_sheet_by_name("Instructions").to_python()
    text = "\n".join(" | ".join(str(c) for c in r) for r in rows)
    for expected in ("Anytown Council", "Social Work Resource Plan 2023-24", "Children and Justice",
                     "April 2023 – September 2023, cumulative", "Saturday 21 October 2023",
                     "Pat Officer, pat.officer@anytown.gov.uk", "TBC or Report later",
                     "Green | On target", "Amber | Slightly off target", "Red | Off target", "Complete"):
        assert expected in text, expected


# --- identity -------------------------------------------------------------------------------------------


def test_identity_sheet_is_very_hidden_and_its_digests_verify(made, plan_path):
    path = children(made)
    assert openpyxl.load_workbook(path)[layout.IDENTITY_SHEET].sheet_state == "veryHidden"
    plan = read_plan(plan_path)
    ident = read_identity(path)
    assert ident["format"] == "xlplan-return/1"
    assert (ident["service"], ident["period"], ident["plan_fingerprint"], ident["plan_identity"]) == \
        ("Children and Justice", "2023-24-Q2", plan.fingerprint, plan.identity)
    assert ident["issued_at"] == "2023-10-02T09:30:00+00:00"
    assert [(e.sheet, e.key) for e in ident.rows] == \
        [("Measures", m.code) for m in plan.measures_for("Children and Justice")] + \
        [("Actions", a.ref) for a in plan.actions_for("Children and Justice")]
    key = load_key(plan_path)
    assert digest_failures(path, key) == []
    assert len(digest_failures(path, b"another council's key")) == len(ident.rows) + 1


def test_content_is_deterministic_apart_from_issue_time(plan_path, tmp_path):
    plan = read_plan(plan_path)
    a = write_templates(plan, Q2, tmp_path / "a", plan_path=plan_path, issued_at=ISSUED)
    b = write_templates(plan, Q2, tmp_path / "b", plan_path=plan_path,
                        issued_at=datetime(2023, 10, 9, tzinfo=timezone.utc))
    for pa, pb in zip(a, b):
        wa, wb = CalamineWorkbook.from_path(str(pa)), CalamineWorkbook.from_path(str(pb))
        for sheet in ("Instructions", "Measures", "Actions"):
            assert wa.get_sheet_by_name(sheet).to_python() == wb.get_sheet_by_name(sheet).to_python()
        ia, ib = read_identity(pa), read_identity(pb)
        assert ia.rows == ib.rows and ia["template_id"] == ib["template_id"]
        assert {k: v for k, v in ia.fields.items() if k not in ("issued_at", "content_hash")} == \
            {k: v for k, v in ib.fields.items() if k not in ("issued_at", "content_hash")}
        with zipfile.ZipFile(pa) as za, zipfile.ZipFile(pb) as zb:
            for name in ("xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml", "xl/styles.xml"):
                assert za.read(name) == zb.read(name)


# --- errors and CLI -------------------------------------------------------------------------------------


def test_unknown_service_and_period_outside_the_plan(plan_path, tmp_path):
    plan = read_plan(plan_path)
    with pytest.raises(XlplanError, match='did you mean "Children and Justice"'):
        write_templates(plan, Q2, tmp_path, plan_path=plan_path, service="Childrens and Justice")
    with pytest.raises(XlplanError, match="not in the plan's year 2023-24"):
        write_templates(plan, Period.parse("2024-25-Q1"), tmp_path, plan_path=plan_path)


def test_cli_writes_to_the_default_folder_and_prints_the_files(plan_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["templates", "--plan", str(plan_path), "--period", "2023-24-Q2"])
    assert result.exit_code == 0, result.output
    folder = Path("workbooks/2023-24-Q2/templates")
    assert sorted(p.name for p in folder.iterdir()) == ["2023-24-Q2 Adult and Older People return.xlsx",
                                                       "2023-24-Q2 Children and Justice return.xlsx"]
    assert "2023-24-Q2 Children and Justice return.xlsx" in result.output
    assert "2 return templates" in result.output


def test_cli_one_service_and_unknown_service(plan_path, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["templates", "--plan", str(plan_path), "--period", "2023/24 Q2",
                              "--out", str(tmp_path / "t"), "--service", "adult and older people"])
    assert ok.exit_code == 0, ok.output
    assert [p.name for p in (tmp_path / "t").iterdir()] == ["2023-24-Q2 Adult and Older People return.xlsx"]
    bad = runner.invoke(main, ["templates", "--plan", str(plan_path), "--period", "2023-24-Q2",
                               "--out", str(tmp_path / "u"), "--service", "Adults and Older People"])
    assert bad.exit_code == 2
    assert 'did you mean "Adult and Older People"' in bad.output
    assert not (tmp_path / "u").exists()
