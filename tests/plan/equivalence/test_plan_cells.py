"""The fast plan reader (python-calamine + percent formats from the XML) reads exactly what openpyxl
reads: the same plan (by fingerprint and by field) and the same issues at the same cells."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

import xlplan.plan.cells as plan_cells
from xlplan.plan.reader import read_plan_workbook
from xlplan.status import Tolerance
from builders import action, build_plan, measure

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "plan.xlsx"


def both(path: Path, monkeypatch):
    fast = read_plan_workbook(path)
    with monkeypatch.context() as m:
        m.setattr(plan_cells, "open_book", lambda p: None)
        slow = read_plan_workbook(path)
    return fast, slow


def assert_same(path: Path, monkeypatch):
    (fast, fr), (slow, sr) = both(path, monkeypatch)
    assert [(i.code, i.sheet, i.cell) for i in fr.issues] == [(i.code, i.sheet, i.cell) for i in sr.issues]
    assert (fast is None) == (slow is None)
    if fast is not None:
        assert fast.fingerprint == slow.fingerprint
        assert fast.measures == slow.measures and fast.actions == slow.actions and fast.settings == slow.settings
    return fast, fr


def test_example_plan_reads_the_same(monkeypatch):
    plan, report = assert_same(EXAMPLE, monkeypatch)
    assert plan is not None and plan_cells.open_book(EXAMPLE) is not None


def test_percent_formats_numbers_and_dates(tmp_path, monkeypatch):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Target=0.75, Tolerance=0.05, **{"2022/23": 0.8, "2021/22": 0.7}),
        measure("SW02", Service="Adult and Older People", Unit="number", Target=120, **{"2022/23": 118}),
        measure("SW03", Unit="£", Target=1402650.5, Polarity="Lower")],
        actions=[action("A1", Due=datetime(2024, 3, 31), Start=datetime(2023, 4, 1)), action("A2", Due="Mar 24")])
    wb = openpyxl.load_workbook(path)
    ws = wb["Measures"]
    for ref in ("H2", "J2", "P2"):
        ws[ref].number_format = "0%"
    ws["O2"].number_format = "0.0%"           # a custom percent format
    ws.column_dimensions["H"].number_format = "0%"   # a column style is not a cell's format
    wb.save(path)
    plan, report = assert_same(path, monkeypatch)
    assert report.valid
    m = plan.measures[0]
    assert m.target.figure == 0.75 and m.tolerance == Tolerance(0.05)


def test_errors_are_reported_at_the_same_cells(tmp_path, monkeypatch):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01", Target="lots"), measure("SW01", Service="Nobody"), measure("SW03", Theme="safe strong"),
        measure("SW04", Unit="")])
    _, report = assert_same(path, monkeypatch)
    assert not report.valid


def test_percent_cells_are_found_by_reference(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[measure("SW01", Target=0.75)])
    wb = openpyxl.load_workbook(path)
    wb["Measures"]["H2"].number_format = "0.00%"
    wb.save(path)
    book = plan_cells.open_book(path)
    sheet = next(s for s in book.worksheets if s.title == "Measures")
    rows = sheet.values_rows()
    assert rows[1][7] == 0.75 and "%" in sheet.formats[2][7]
    assert 8 not in sheet.formats[2]


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04 damaged"])
def test_anything_odd_is_left_to_openpyxl(tmp_path, content, monkeypatch):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    assert plan_cells.open_book(path) is None
    plan, report = read_plan_workbook(path)
    assert plan is None and [i.code for i in report.issues] == ["plan.not-a-workbook"]
