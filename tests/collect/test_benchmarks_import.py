"""`xlplan benchmarks import`: LGBF-style downloads as CSV (UTF-8, with a BOM, Windows-1252; comma,
semicolon or tab separated) or xlsx, columns mapped by header, figures read by the measure's unit,
unmatched rows listed with their row numbers, stored with file, sha256 and row."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from builders import build_plan, measure
from xlplan.benchmarks import import_benchmarks
from xlplan.cli import main
from xlplan.plan import read_plan
from xlplan.store import table_contents

HEADER = ["Indicator Code", "Indicator", "Value", "SCOTTISH AVERAGE", "Family Group Average", "Best in class", "Rank"]
ROWS = [["SW01", "Percent measure", "71%", "74.0", "70.5", "90", "12 of 32"],
        ["LGBF7", "Money measure (by its Links)", "£1,493", "£1,611", "1548", "£1,205", "9th"],
        ["CHN1", "Cost per primary pupil", "£6,120", "£6,400", "£6,250", "£5,480", "11"]]


@pytest.fixture
def plan(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", measures=[
        measure("SW01"), measure("SW02", Unit="£", Polarity="Lower", Target="£1,500", Links="C6.1; LGBF7")])
    return read_plan(path)


def write_csv(path, rows, sep=",", encoding="utf-8", bom=False):
    text = "\n".join(sep.join(f'"{c}"' if sep in c else c for c in r) for r in rows) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


@pytest.mark.parametrize("sep, encoding, bom", [(",", "utf-8", False), (",", "utf-8", True), (";", "cp1252", False),
                                                ("\t", "cp1252", False)])
def test_csv_downloads_in_every_form_read_the_same(tmp_path, plan, sep, encoding, bom):
    path = write_csv(tmp_path / "lgbf.csv", [HEADER, *ROWS], sep, encoding, bom)
    db = f"sqlite:///{tmp_path}/xlplan.db"
    result = import_benchmarks(path, plan, "2022-23", db)
    assert result.report.valid and result.unmatched == [(4, "CHN1")]
    assert [(i.code, i.row) for i in result.report] == [("benchmark.unmatched", 4)]
    rows = {r[0]: r for r in table_contents(db)["benchmarks"]}
    assert rows["SW01"][1:8] == ("2022/23", "0.71", "0.74", "0.705", "0.9", 12, 32)
    assert rows["SW02"][2:8] == ("1493.0", "1611.0", "1548.0", "1205.0", 9, None)
    assert rows["SW02"][9:12] == ("lgbf.csv", result.stored[0].sha256, 3)


def test_an_xlsx_download_with_a_title_row_and_percent_cells(tmp_path, plan):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Local Government Benchmarking Framework 2022/23"])
    ws.append(["Code", "Scottish average", "Family group", "Best in class", "Rank"])
    ws.append(["SW01", 0.74, 0.705, 0.9, 12])
    for c in ws[3][1:4]:
        c.number_format = "0.0%"
    wb.save(tmp_path / "lgbf.xlsx")
    result = import_benchmarks(tmp_path / "lgbf.xlsx", plan, "2022-23", f"sqlite:///{tmp_path}/x.db")
    assert result.report.codes() == [] and len(result.stored) == 1
    r = result.stored[0]
    assert (r.scotland, r.family, r.best, r.rank, r.row) == ("0.74", "0.705", "0.9", 12, 3)


def test_bad_figures_missing_columns_and_other_years(tmp_path, plan):
    path = write_csv(tmp_path / "bad.csv", [["Code", "Year", "Scottish average", "Family group average", "Rank"],
                                            ["SW01", "2022/23", "74 percent", "70%", "3"],
                                            ["SW02", "2022-23", "£1,611", "£1,548", "third"],
                                            ["SW01", "2021/22", "73%", "69%", "4"]])
    result = import_benchmarks(path, plan, "2022-23", f"sqlite:///{tmp_path}/x.db")
    assert [(i.code, i.row, i.key) for i in result.report] == [("benchmark.bad-figure", 2, "SW01"),
                                                               ("benchmark.bad-figure", 3, "SW02")]
    assert "Scottish average '74 percent'" in result.report.issues[0].message
    assert result.stored == [] and result.other_years == 1 and result.exit_code == 1
    none = write_csv(tmp_path / "none.csv", [["Measure", "Score"], ["SW01", "5"]])
    missing = import_benchmarks(none, plan, "2022-23", f"sqlite:///{tmp_path}/x.db")
    assert [i.code for i in missing.report] == ["benchmark.missing-column", "benchmark.missing-column"]
    assert "its headers are: Measure, Score" in missing.report.issues[0].message
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert [i.code for i in import_benchmarks(junk, plan, "2022-23", "sqlite://").report] == ["benchmark.unreadable"]


def test_cli_lists_unmatched_rows_and_a_reimport_changes_nothing(tmp_path, plan, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_csv(tmp_path / "lgbf.csv", [HEADER, *ROWS])
    args = ["benchmarks", "import", str(path), "--year", "2022-23", "--plan", str(tmp_path / "plan.xlsx"),
            "--db", f"sqlite:///{tmp_path}/xlplan.db"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "2 measures imported for 2022/23" in first.output and "row 4: CHN1" in first.output
    before = [r[:12] for r in table_contents(f"sqlite:///{tmp_path}/xlplan.db")["benchmarks"]]
    stamped = table_contents(f"sqlite:///{tmp_path}/xlplan.db")["benchmarks"]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert table_contents(f"sqlite:///{tmp_path}/xlplan.db")["benchmarks"] == stamped
    assert len(before) == 2
    bad_year = CliRunner().invoke(main, [*args[:3], "--year", "soon", *args[5:]])
    assert bad_year.exit_code == 2 and "--year soon" in bad_year.output


def test_a_hostile_workbook_is_refused_before_it_is_opened(tmp_path, plan):
    from hostile import zip_bomb
    good = tmp_path / "good.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Code", "Family group average"])
    wb.active.append(["SW01", 0.7])
    wb.save(good)
    bomb = zip_bomb(tmp_path, good, megabytes=300)
    result = import_benchmarks(bomb, plan, "2022-23", f"sqlite:///{tmp_path}/x.db")
    assert [i.code for i in result.report] == ["benchmark.unreadable"] and result.stored == []
    assert "expand" in result.report.issues[0].message
