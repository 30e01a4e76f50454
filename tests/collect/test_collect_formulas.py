"""Issue #15: formulas in a return's input cells, as openpyxl, Excel and LibreOffice save them.

A formula typed into a Comments/Progress cell (`=HYPERLINK(…)`, `=see attached`) is a warning
naming the cell and is kept as text (its calculated value, or the formula's own text when it has
none); it never voids the row's figure or status, and every output writes it as text. A formula in
a To date or Status cell is used by its calculated value, or is an error naming the cell with a hint
for that kind of cell when it has none."""

from __future__ import annotations

import html
import re
import sqlite3
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from lo import lo_type, needs_lo
from quarter import AOP, CJ, GOOD_AOP, Q2, fill, header, make_plan, make_templates, row_of, run
from xlplan.reports import report_paths, write_reports
from xlplan.status import ActionStatus, Status

LINK = '=HYPERLINK("http://x.org/a","Click for details")'
NOTES = '=HYPERLINK("http://x.org/b","Progress notes")'

# What the manager types, in Excel's own (comma) syntax.
MEASURES = {"SW01": {"To date": 0.80, "Comments/Progress": LINK},                  # Green against 75%
            "SW02": {"To date": 46000, "Comments/Progress": "=see attached"},      # Amber against £50,000
            "SW03": {"To date": "=SUM(60,10)", "Comments/Progress": "Demand up since July"},
            "SW04": {"To date": 12, "Status": "Green", "Comments/Progress": "-5 on last quarter"}}
ACTIONS = {"A1": {"Status": '=IF(1,"Green","Red")', "Comments/Progress": "=see attached"},
           "A2": {"Status": "Amber", "Comments/Progress": NOTES}}

# The calculated values Excel saves with those formulas (an error for text that is not a formula).
CACHED = {("SW01", "Comments/Progress"): ("str", "Click for details"),
          ("SW02", "Comments/Progress"): ("e", "#NAME?"),
          ("SW03", "To date"): ("n", "70"),
          ("A1", "Status"): ("str", "Green"),
          ("A1", "Comments/Progress"): ("e", "#NAME?"),
          ("A2", "Comments/Progress"): ("str", "Progress notes")}

# code → (stored status, comment kept) when the formulas have no calculated value / have one
NO_VALUES = {"SW01": (Status.GREEN, LINK), "SW02": (Status.AMBER, "=see attached"),
             "SW03": (Status.REPORT_LATER, "Demand up since July"), "SW04": (Status.GREEN, "-5 on last quarter"),
             "A1": (ActionStatus.REPORT_LATER, "=see attached"), "A2": (ActionStatus.AMBER, NOTES)}
WITH_VALUES = {**NO_VALUES, "SW01": (Status.GREEN, "Click for details"), "SW03": (Status.RED, "Demand up since July"),
               "A1": (ActionStatus.GREEN, "=see attached"), "A2": (ActionStatus.AMBER, "Progress notes")}


def refs(template: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(code, column) → (sheet, A1) of every cell the tests type into, found by header and Code/Ref."""
    wb = openpyxl.load_workbook(template)
    found = {}
    for entries, sheet, key in ((MEASURES, "Measures", "Code"), (ACTIONS, "Actions", "Ref")):
        ws = wb[sheet]
        _, cols = header(ws, key)
        for code, columns in entries.items():
            for column in columns:
                found[(code, column)] = (sheet, ws.cell(row_of(ws, key, code), cols[column]).coordinate)
    return found


def with_cached_values(path: Path, cells: dict[tuple[str, str], tuple[str, str]]) -> Path:
    """Give openpyxl's formula cells the calculated values Excel would save with them:
    (sheet, A1) → (cell type, value), written as `<c r=… t=…><f>…</f><v>…</v></c>`."""
    order = openpyxl.load_workbook(path).sheetnames
    with zipfile.ZipFile(path) as zin:
        parts = {i: zin.read(i.filename) for i in zin.infolist()}
    for (sheet, ref), (kind, value) in cells.items():
        part = f"xl/worksheets/sheet{order.index(sheet) + 1}.xml"
        info = next(i for i in parts if i.filename == part)
        xml = parts[info].decode()
        cell = re.compile(rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>')
        assert cell.search(xml), (sheet, ref)
        kind_attr = "" if kind == "n" else f' t="{kind}"'
        xml = cell.sub(lambda m: f'<c r="{ref}"{m.group(1)}{kind_attr}><f>{m.group(2)}</f>'
                                 f'<v>{html.escape(value, quote=False)}</v></c>', xml)
        parts[info] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts.items():
            zout.writestr(info, data)
    return path


def quarter(root: Path) -> dict[str, Path]:
    templates = make_templates(make_plan(root))
    fill(templates[AOP], root / "returns" / "aop.xlsx", GOOD_AOP)
    return templates


def openpyxl_return(root: Path) -> Path:
    return fill(quarter(root)[CJ], root / "returns" / "cj.xlsx", MEASURES, ACTIONS)


def excel_return(root: Path) -> Path:
    path = openpyxl_return(root)
    where = refs(path)
    return with_cached_values(path, {where[k]: v for k, v in CACHED.items()})


def libreoffice_return(root: Path) -> Path:
    """The same entries typed into LibreOffice (its API takes ';' between a function's arguments)."""
    template = quarter(root)[CJ]
    where = refs(template)
    typed = {where[(code, column)]: _as_typed_in_libreoffice(value)
             for entries in (MEASURES, ACTIONS) for code, columns in entries.items() for column, value in columns.items()}
    return lo_type(template, root / "returns" / "cj.xlsx", typed)


def _as_typed_in_libreoffice(value) -> str:
    if isinstance(value, str):
        return value.replace(",", ";") if value.startswith("=") else value
    return "80%" if value == 0.80 else str(value)


def formula_issues(result) -> set[tuple[str, str, str, str]]:
    return {(i.code, i.key, f"{i.sheet}!{i.cell}", i.severity.value) for i in result.issues
            if i.file == "cj.xlsx" and "formula" in i.code}


def expected_issues(path: Path, cached: bool) -> set[tuple[str, str, str, str]]:
    where = {k: f"{s}!{a}" for k, (s, a) in refs(path).items()}
    comments = {("cell.formula-in-text", code, where[(code, "Comments/Progress")], "warning")
                for code in ("SW01", "SW02", "A1", "A2")}
    if cached:
        return comments | {("cell.formula-used", "SW03", where[("SW03", "To date")], "info"),
                           ("cell.formula-used", "A1", where[("A1", "Status")], "info")}
    return comments | {("cell.formula-no-value", "SW03", where[("SW03", "To date")], "error"),
                       ("status.formula-no-value", "A1", where[("A1", "Status")], "error")}


def check_everywhere(root: Path, result, expected: dict) -> None:
    """The expected status and comment of every row in the store, the Word report and the summary
    workbook, and every comment written as text: never a formula, field or hyperlink."""
    db = sqlite3.connect(root / "xlplan.db")
    stored = dict((code, (status, comment)) for code, status, comment in db.execute(
        "select code, status, comment from measure_values where period = ?", (Q2.id,)))
    stored |= dict((ref, (status, comment)) for ref, status, comment in db.execute(
        "select ref, status, comment from action_updates where period = ?", (Q2.id,)))
    db.close()
    assert {k: stored[k] for k in expected} == {k: (s.value, c) for k, (s, c) in expected.items()}
    got = {m.code: (m.status, m.comment) for m in result.results.measures}
    got |= {a.ref: (a.status, a.comment) for a in result.results.actions}
    assert {k: got[k] for k in expected} == expected

    docx_path, xlsx_path = report_paths(Q2.id, root / "out")
    document = docx.Document(str(docx_path))
    rows = {}
    for table in document.tables:
        for r in table.rows:
            texts = [c.text for c in r.cells]
            name = re.match(r"(?:Measure|Action) (\w+)\n", texts[0] + "\n")
            if name and name.group(1) in expected:
                rows[name.group(1)] = texts
    for key, (status, comment) in expected.items():
        assert comment in rows[key], (key, rows[key])
        assert any(t.split("\n")[0] == status.value for t in rows[key]), (key, rows[key])
    with zipfile.ZipFile(docx_path) as zf:
        xml = zf.read("word/document.xml").decode()
    assert "<w:hyperlink" not in xml and "<w:fldSimple" not in xml
    assert xml.count("<w:instrText") == 1 and "TOC \\o" in xml        # the only field is the TOC

    wb = openpyxl.load_workbook(xlsx_path)
    comment_cells = {}
    for sheet, key in (("Measures", "Code"), ("Actions", "Ref")):
        ws = wb[sheet]
        head_row, cols = header(ws, key)
        for r in range(head_row + 1, ws.max_row + 1):
            code = ws.cell(r, cols[key]).value
            if code in expected:
                status, comment = expected[code]
                cell = ws.cell(r, cols["Comments/Progress"])
                assert (ws.cell(r, cols["Status"]).value, cell.value) == (status.value, comment)
                assert cell.data_type == "s"
                comment_cells[(sheet, cell.coordinate)] = comment
    assert len(comment_cells) == len(expected)
    with zipfile.ZipFile(xlsx_path) as zf:
        order = wb.sheetnames
        for (sheet, ref), comment in comment_cells.items():
            xml = zf.read(f"xl/worksheets/sheet{order.index(sheet) + 1}.xml").decode()
            cell = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml, flags=re.S).group(0)
            assert "<f>" not in cell and "<f " not in cell, cell
            assert re.search(r' t="(s|inlineStr)"', cell), cell       # a string cell, as text
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                for formula in re.findall(r"<f[^>]*>(.*?)</f>", zf.read(name).decode(), flags=re.S):
                    assert "HYPERLINK" not in formula and "see attached" not in formula, formula


def test_openpyxl_formulas_without_values_keep_the_figures_beside_a_comment(tmp_path):
    path = openpyxl_return(tmp_path)
    result = run(tmp_path)
    write_reports(result.results, tmp_path / "out")
    assert formula_issues(result) == expected_issues(path, cached=False)
    assert result.exit_code == 1                           # the To date and Status formulas are errors
    check_everywhere(tmp_path, result, NO_VALUES)
    sw01 = next(m for m in result.results.measures if m.code == "SW01")
    assert (sw01.figure, sw01.in_error) == (0.80, False)   # the valid figure stands


def test_excel_saved_formulas_use_their_values_and_a_comment_error_keeps_the_typed_text(tmp_path):
    path = excel_return(tmp_path)
    result = run(tmp_path)
    write_reports(result.results, tmp_path / "out")
    assert formula_issues(result) == expected_issues(path, cached=True)
    assert result.exit_code == 0, [str(i) for i in result.issues if i.is_error]
    check_everywhere(tmp_path, result, WITH_VALUES)


@needs_lo[0]
@needs_lo[1]
def test_libreoffice_saved_formulas_are_read_as_excel_saved_ones(tmp_path):
    path = libreoffice_return(tmp_path)
    result = run(tmp_path)
    write_reports(result.results, tmp_path / "out")
    assert formula_issues(result) == expected_issues(path, cached=True)
    assert result.exit_code == 0, [str(i) for i in result.issues if i.is_error]
    check_everywhere(tmp_path, result, WITH_VALUES)


def test_each_kind_of_cell_gets_a_message_and_hint_with_its_own_fix(tmp_path):
    openpyxl_return(tmp_path)
    result = run(tmp_path)
    by_code = {(i.code, i.key): i for i in result.issues if i.file == "cj.xlsx"}
    comment = by_code[("cell.formula-in-text", "SW01")]
    assert comment.message == (f"SW01: the comment is a formula ({LINK}), not text; it is kept as the text "
                               f"“{LINK}”")
    assert "apostrophe" in comment.hint and "figure" not in comment.hint
    figure = by_code[("cell.formula-no-value", "SW03")]
    assert "=SUM(60,10)" in figure.message and "Type the figure itself" in figure.hint
    status = by_code[("status.formula-no-value", "A1")]
    assert "Status cell" in status.message and "dropdown" in status.hint and "Complete" in status.hint
    assert "figure" not in status.hint and "apostrophe" not in status.hint
