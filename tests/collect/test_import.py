"""System extracts (issue 18): `xlplan import` stores a quarter's figures from a CSV (any common
encoding and separator) or an xlsx workbook, each figure read by its measure's unit exactly as a
return's, every bad row listed with its row number and left out, lineage stored (file, sha256, row,
cell, system). Measures marked with a Source in the plan take imported figures; a return-fed one is
refused unless --override. Imports and collects never wipe each other's figures. On SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from builders import action, measure
from lo import needs_lo, resave
from quarter import AOP, CJ, Q2, fill, make_plan, make_templates
from xlplan import store
from xlplan.cli import main
from xlplan.collect import collect
from xlplan.collect.extract import decode, period_of
from xlplan.collect.imports import import_extract
from xlplan.contract import layout
from xlplan.errors import XlplanError
from xlplan.periods import FinancialYear, Period
from xlplan.plan import load_plan, read_plan

MEASURES = [
    measure("CF01", Unit="%", Target="75%", Source="CareFirst"),
    measure("CF02", Unit="number", Polarity="Lower", Target="50", Source="CareFirst"),
    measure("CF03", Unit="£", Target="£100,000", Profile="Cumulative", Source="CareFirst"),
    measure("SW01", Unit="%", Target="75%"),                                  # from the CJ return
    measure("SW10", Service=AOP, Unit="%", Target="90%"),                    # from the AOP return
]
ACTIONS = [action("A1"), action("A3", Service=AOP)]

# What a system exports: UTF-8 with a BOM, semicolons, Windows line ends, a few bad rows
EXTRACT = ("\ufeffCode;Quarter;Value;Comment;Source\r\n"
           "CF01;2023-24-Q2;82%;Up on Q1;CareFirst\r\n"        # row 2: good
           "CF02;Q2;abc;;CareFirst\r\n"                        # row 3: not a number
           "XX99;Q2;12;;CareFirst\r\n"                         # row 4: no such measure
           "CF03;Q2 2023/24;£46,000;Two posts vacant;CareFirst\r\n"   # row 5: good
           ";Q2;5;;\r\n"                                       # row 6: no code
           "CF02;2023-24-Q1;40;;CareFirst\r\n"                 # row 7: another quarter
           "SW01;Q2;70%;;CareFirst\r\n"                        # row 8: fed by a return: refused
           "CF01;Q2;83%;;CareFirst\r\n"                        # row 9: CF01 again
           "\r\n")


def columns(table: str) -> list[str]:
    return list(store.metadata.tables[table].columns.keys())


def stored(db: str, period: str = Q2.id) -> dict[str, dict]:
    cols = columns("measure_values")
    return {r[1]: dict(zip(cols, r)) for r in store.table_contents(db)["measure_values"] if r[0] == period}


@pytest.fixture
def plan(tmp_path):
    return make_plan(tmp_path / "q", measures=MEASURES, actions=ACTIONS)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_csv_with_a_bom_semicolons_and_bad_rows_stores_the_good_figures_with_lineage(plan, db_url, tmp_path):
    data = EXTRACT.encode("utf-8")
    path = write(tmp_path / "carefirst Q2.csv", data)
    result = import_extract(plan, Q2, path, db_url)
    assert result.extract.how == "UTF-8 with BOM, separated by semicolons"
    assert result.extract.columns == {"Code": "Code", "Period": "Quarter", "Value": "Value", "Comment": "Comment",
                                      "Source": "Source"}
    assert sorted(result.stored) == ["CF01", "CF03"]
    left_out = [n.text for n in result.left_out]
    assert left_out == [
        "row 3: Value 'abc' in C3 for CF02 is not a number such as 2,755, or a no-data word such as TBC or Report later",
        "row 4: Code 'XX99' is not a measure in the plan",
        "row 6: no Code in A6",
        "row 8: SW01 is reported in the Children and Justice return, not by a system (the plan gives it no Source); "
        "left out. Use --override to store the system's figure instead",
        "row 9: CF01 is in the extract again (first in row 2); left out"]
    assert [n.text for n in result.other_periods] == ["row 7: CF02 is for 2023-24-Q1, not 2023-24-Q2; skipped"]
    assert result.exit_code == 1
    rows = stored(db_url)
    assert set(rows) == {"CF01", "CF03"}
    cf01, cf03 = rows["CF01"], rows["CF03"]
    assert store.figure_from_json(cf01["figure"]) == pytest.approx(0.82) and cf01["status"] == "Green"
    assert store.figure_from_json(cf03["figure"]) == 46000 and cf03["status"] == "Amber"   # Q2 target £50,000
    assert cf03["comment"] == "Two posts vacant"
    sha = hashlib.sha256(data).hexdigest()
    assert (cf01["origin"], cf01["source_system"], cf01["source_file"], cf01["source_sha256"], cf01["source_row"],
            cf01["source_cell"]) == ("import", "CareFirst", "carefirst Q2.csv", sha, 2, "C2")
    assert cf03["source_row"] == 5 and cf03["source_cell"] == "C5"
    assert any(p.name.startswith(sha) for p in store.archive_dir(db_url).rglob("*"))   # the extract archived


def test_utf16_tabs_cp1252_pounds_and_pipes_are_read(plan, tmp_path):
    db = f"sqlite:///{tmp_path}/x.db"
    utf16 = "Code\tValue\nCF02\t42\nCF03\t£41k\n".encode("utf-16")           # BOM, tab separated, no Period
    result = import_extract(plan, Q2, write(tmp_path / "a.csv", utf16), db)
    assert result.extract.how == "UTF-16, separated by tabs" and result.exit_code == 0
    assert sorted(result.stored) == ["CF02", "CF03"] and result.stored["CF03"][1] == "£41,000"
    cp1252 = 'Measure code,Figure,Notes\r\nCF03,"\u00a347,000","Caf\u00e9 open \u2013 late, see note"\r\n'.encode("cp1252")
    assert b"\xa3" in cp1252 and b"\x96" in cp1252                           # £ and an en dash as Windows writes them
    result = import_extract(plan, Q2, write(tmp_path / "b.csv", cp1252), db)
    assert result.extract.how == "Windows-1252, separated by commas", result.notes
    assert result.stored["CF03"][1] == "£47,000"
    assert stored(db)["CF03"]["comment"] == "Café open – late, see note"
    piped = b"KPI|Value|Period\nCF01|79.5|2023/24 Quarter 2\nCF02|n/a|Q2\n"
    result = import_extract(plan, Q2, write(tmp_path / "c.txt", piped), db)
    assert result.extract.how == "UTF-8, separated by pipes" and result.exit_code == 0
    rows = stored(db)
    assert store.figure_from_json(rows["CF01"]["figure"]) == pytest.approx(0.795)
    assert rows["CF02"]["figure"] is None and rows["CF02"]["status"] == "Report later"   # n/a is no figure, never 0
    assert rows["CF03"]["source_file"] == "b.csv"                            # an import replaces only what it carries
    assert decode(b"caf\xe9 \x81")[1] == "Latin-1"                           # not even Windows-1252: Latin-1
    bare = "Code,Value\r\nCF02,43\r\n".encode("utf-16-le")                   # UTF-16 saved without its BOM
    result = import_extract(plan, Q2, write(tmp_path / "d.csv", bare), db)
    assert result.extract.how == "UTF-16 (no BOM), separated by commas" and list(result.stored) == ["CF02"]


def test_periods_as_extracts_write_them():
    year = FinancialYear(2023)
    assert [period_of(t, year) for t in ("2023-24-Q2", "Q2 2023/24", "Q2", "quarter 2", "2023/2024 Q2")] == [Q2] * 5
    from datetime import date, datetime
    assert period_of(date(2023, 9, 30), year) == Q2 and period_of(datetime(2024, 1, 5), year) == Period(year, 4)
    assert period_of("Q5", year) is None and period_of("September", year) is None


def workbook_extract(path: Path) -> Path:
    """An xlsx export as systems write them: a title row, then the header, percentages as formatted numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Export"
    ws.append(["CareFirst performance extract, run 03/10/2023"])
    ws.append(["code", "PERIOD", "Value", "Comments"])
    ws.append(["CF01", "2023-24-Q2", 0.81, "From the system"])
    ws["C3"].number_format = "0%"
    ws.append(["CF02", "Q2", 44, None])
    ws.append(["CF03", "Q2", "lots", None])
    ws.append([None, None, None, None])
    ws.append(["CF02", "Q1", 40, None])
    wb.save(path)
    return path


def test_an_openpyxl_workbook_with_a_title_row(plan, tmp_path):
    db = f"sqlite:///{tmp_path}/x.db"
    result = import_extract(plan, Q2, workbook_extract(tmp_path / "export.xlsx"), db)
    assert result.extract.kind == "xlsx" and result.extract.sheet == "Export" and result.extract.header_row == 2
    assert sorted(result.stored) == ["CF01", "CF02"]
    assert [n.row for n in result.left_out] == [5]
    assert result.left_out[0].text.startswith("row 5: Value 'lots' in C5 for CF03 is not an amount")
    assert [n.row for n in result.other_periods] == [7]
    rows = stored(db)
    assert store.figure_from_json(rows["CF01"]["figure"]) == pytest.approx(0.81)
    assert rows["CF01"]["source_sheet"] == "Export" and rows["CF01"]["source_cell"] == "C3"


@needs_lo[0]
@needs_lo[1]
def test_an_xlsx_saved_by_libreoffice(plan, tmp_path):
    (tmp_path / "made").mkdir()
    saved = resave(workbook_extract(tmp_path / "made" / "export.xlsx"), tmp_path / "lo")
    db = f"sqlite:///{tmp_path}/x.db"
    result = import_extract(plan, Q2, saved, db)
    assert sorted(result.stored) == ["CF01", "CF02"] and [n.row for n in result.left_out] == [5]
    assert store.figure_from_json(stored(db)["CF01"]["figure"]) == pytest.approx(0.81)


def test_override_stores_a_return_fed_figure_and_a_collect_keeps_it(tmp_path, db_url):
    root = tmp_path / "q"
    plan = make_plan(root, measures=MEASURES, actions=ACTIONS)
    templates = make_templates(plan)
    fill(templates[CJ], root / "returns" / "cj.xlsx", {"SW01": {"To date": 0.7, "Comments/Progress": "Below"}})
    fill(templates[AOP], root / "returns" / "aop.xlsx", {"SW10": {"To date": 0.95}})
    extract = write(tmp_path / "sys.csv", b"Code,Value\nSW01,88%\n")
    refused = import_extract(plan, Q2, extract, db_url)
    assert refused.stored == {} and [n.kind for n in refused.notes] == ["refused"]
    done = import_extract(plan, Q2, extract, db_url, override=True)
    assert list(done.stored) == ["SW01"] and done.exit_code == 0
    result = collect(plan, Q2, root / "returns", db_url, jobs=1)
    rows = stored(db_url)
    assert rows["SW01"]["origin"] == "import" and store.figure_from_json(rows["SW01"]["figure"]) == pytest.approx(0.88)
    assert rows["SW10"]["origin"] == "return" and store.figure_from_json(rows["SW10"]["figure"]) == pytest.approx(0.95)
    warned = [i for i in result.issues if i.code == "return.figure-from-system"]
    assert len(warned) == 1 and warned[0].key == "SW01" and warned[0].cell and "--override" in warned[0].message
    shown = {m.code: m for m in result.results.measures}
    assert shown["SW01"].display == "88%" and str(shown["SW01"].source) == "System extract sys.csv, row 2"


def test_imports_and_collects_never_wipe_each_other(tmp_path, db_url):
    root = tmp_path / "q"
    plan = make_plan(root, measures=MEASURES, actions=ACTIONS)
    templates = make_templates(plan)
    fill(templates[CJ], root / "returns" / "cj.xlsx", {"SW01": {"To date": 0.8}})
    fill(templates[AOP], root / "returns" / "aop.xlsx", {"SW10": {"To date": 0.95}})
    collect(plan, Q2, root / "returns", db_url, jobs=1)
    returned = stored(db_url)
    assert set(returned) == {"SW01", "SW10"}                  # collect stores no row for a system's measure
    import_extract(plan, Q2, write(tmp_path / "e.csv", EXTRACT.encode("utf-8")), db_url)
    after = stored(db_url)
    assert {c: after[c] for c in returned} == returned        # the import left the returned figures alone
    assert {"CF01", "CF03"} <= set(after)
    result = collect(plan, Q2, root / "returns", db_url, jobs=1)
    assert stored(db_url) == after                            # a later collect keeps the imported figures
    shown = {m.code: m for m in result.results.measures}      # the quarter's report shows both kinds
    assert shown["CF01"].display == "82%" and shown["SW01"].display == "80%"
    assert str(shown["CF03"].source) == "CareFirst extract e.csv, row 5"
    assert shown["CF02"].display == "Report later"            # not imported (its row was bad)
    from xlplan.reports import write_reports
    out = write_reports(result.results, tmp_path / "reports")
    summary = next(p for p in out if p.suffix == ".xlsx")
    ws = openpyxl.load_workbook(summary)["Measures"]
    head_row = next(r for r in ws.iter_rows() if any(c.value == "From" for c in r))
    at = {c.value: i for i, c in enumerate(head_row)}
    by_code = {r[at["Code"]].value: r for r in ws.iter_rows(min_row=head_row[0].row + 1)}
    assert by_code["CF01"][at["From"]].value == "CareFirst extract, row 2"
    assert by_code["SW01"][at["From"]].value == "Return"
    import docx
    word = docx.Document(next(p for p in out if p.suffix == ".docx"))
    cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    assert any("CF01 · Children and Justice · from CareFirst" in c for c in cells)
    assert any("SW01 · Children and Justice" in c and "from" not in c for c in cells)


def test_a_return_shows_a_system_measure_as_from_its_source_and_a_typed_figure_is_ignored(tmp_path):
    root = tmp_path / "q"
    plan = make_plan(root, measures=MEASURES, actions=ACTIONS)
    cj = make_templates(plan)[CJ]
    wb = openpyxl.load_workbook(cj)
    ws = wb[layout.MEASURES_SHEET]
    from quarter import header, row_of
    head, cols = header(ws, "Code")
    cell = ws.cell(row_of(ws, "Code", "CF01"), cols[layout.TO_DATE])
    assert cell.value == "from CareFirst" and cell.protection.locked
    told = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert "Figures taken from a system" in told and "straight from CareFirst" in told
    # a manager types over it anyway (an older template, or the sheet unprotected)
    old = make_plan(tmp_path / "old", measures=[{k: v for k, v in m.items() if k != "Source"} for m in MEASURES],
                    actions=ACTIONS)
    typed = fill(make_templates(old)[CJ], root / "returns" / "cj.xlsx",
                 {"CF01": {"To date": 0.5}, "SW01": {"To date": 0.8}})
    (root / ".xlplan-key").write_bytes((tmp_path / "old" / ".xlplan-key").read_bytes())
    result = collect(plan, Q2, root / "returns", f"sqlite:///{tmp_path}/x.db", jobs=1)
    warned = [i for i in result.issues if i.code == "return.figure-from-system"]
    assert [(i.key, i.sheet) for i in warned] == [("CF01", layout.MEASURES_SHEET)] and warned[0].cell
    assert warned[0].message.startswith("CF01: '0.5' in Measures!") and "come from CareFirst" in warned[0].message
    assert "CF01" not in stored(f"sqlite:///{tmp_path}/x.db") and typed.exists()


def test_the_source_column_in_the_plan_is_read_and_checked(tmp_path):
    from builders import build_plan
    plan, report = load_plan(build_plan(tmp_path / "p.xlsx", measures=[
        measure("CF01", Source="CareFirst"), measure("CF02", Source="carefirst"), measure("CF03", Source="Return"),
        measure("SW10", Service=AOP, Source="Swift")], actions=[action("A1")]))
    assert [m.source for m in plan.measures] == ["CareFirst", "CareFirst", "", "Swift"]
    found = {i.code: i for i in report.issues}
    letter = next(c.column_letter for c in openpyxl.load_workbook(tmp_path / "p.xlsx")["Measures"][1]
                  if c.value == "Source")
    assert found["plan.source-spelling"].cell == f"{letter}3"
    assert found["plan.source-spelling"].row == 3 and "taken as 'CareFirst'" in found["plan.source-spelling"].message
    assert AOP in found["plan.nothing-returned"].message and found["plan.nothing-returned"].sheet == "Services"
    plain = read_plan(build_plan(tmp_path / "a.xlsx"))
    blank = read_plan(build_plan(tmp_path / "b.xlsx", measures=[measure("SW01", Source=""),
                                                                measure("SW02", Service=AOP, Source=None)]))
    assert plain.fingerprint == blank.fingerprint            # a plan without Sources keeps its fingerprint


def test_the_starter_plan_explains_the_source_column(tmp_path):
    from xlplan.plan.starter import write_starter
    from xlplan.plan.writer import COLUMN_NOTES
    path = write_starter(tmp_path)
    plan, report = load_plan(path)
    assert report.codes() == [] and any(m.source for m in plan.measures)
    ws = openpyxl.load_workbook(path)["Measures"]
    source = next(c for c in ws[1] if c.value == "Source")
    assert source.comment.text == COLUMN_NOTES["Source"] and "xlplan import" in source.comment.text


# --- the command line ------------------------------------------------------------------------------


def test_xlplan_import_lists_bad_rows_and_exits_1(plan, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "ex.csv", EXTRACT.encode("utf-8"))
    args = ["import", "--plan", str(plan), "--period", Q2.id, "--db", f"sqlite:///{tmp_path}/x.db"]
    out = CliRunner().invoke(main, [*args, str(path)], catch_exceptions=False)
    assert out.exit_code == 1, out.output
    assert "UTF-8 with BOM, separated by semicolons" in out.output
    assert "Stored 2 figures for 2023-24-Q2" in out.output
    assert "Left out (5):" in out.output and "row 3: Value 'abc' in C3 for CF02" in out.output
    assert "row 7: CF02 is for 2023-24-Q1" in out.output
    good = write(tmp_path / "good.csv", b"Code,Value\nCF02,45\n")
    out = CliRunner().invoke(main, [*args, str(good)], catch_exceptions=False)
    assert out.exit_code == 0 and "Stored 1 figure for" in out.output
    bad = write(tmp_path / "bad.csv", b"Code,Vaule\nCF02,45\n")
    out = CliRunner().invoke(main, [*args, str(bad)])
    assert out.exit_code == 2 and "no Value (is 'Vaule' it? name the column Value) column" in out.output
    out = CliRunner().invoke(main, [*args, str(tmp_path / "none.csv")])
    assert out.exit_code == 2 and "There is no file" in out.output


def test_a_workbook_of_another_kind_is_refused_with_what_to_do(plan, tmp_path):
    with pytest.raises(XlplanError, match="Export the figures from the system as CSV"):
        import_extract(plan, Q2, write(tmp_path / "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
                       f"sqlite:///{tmp_path}/x.db")


def test_hostile_extracts_are_refused_or_kept_as_text(plan, tmp_path):
    db = f"sqlite:///{tmp_path}/x.db"
    huge = b"Code,Value,Comment\nCF02,4,\"" + b"x" * 200_000 + b"\"\n"          # one field over csv's limit
    with pytest.raises(XlplanError, match="could not be read as CSV"):
        import_extract(plan, Q2, write(tmp_path / "huge.csv", huge), db)
    formula = b'Code,Value,Comment\nCF02,=1+1,ok\nCF03,"\xc2\xa312","=HYPERLINK(""http://x"",""y"")"\n'
    result = import_extract(plan, Q2, write(tmp_path / "f.csv", formula), db)
    assert [n.row for n in result.left_out] == [2]                                 # a formula is no figure
    assert stored(db)["CF03"]["comment"] == '=HYPERLINK("http://x","y")'           # kept as text, never run
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "f.csv")
    with pytest.raises(XlplanError, match="cannot be imported"):
        import_extract(plan, Q2, link, db)
    with pytest.raises(XlplanError, match="cannot be imported"):
        import_extract(plan, Q2, write(tmp_path / "empty.csv", b""), db)


def test_xlplan_check_names_the_cell_of_a_source_spelt_two_ways(tmp_path):
    from builders import build_plan
    path = build_plan(tmp_path / "p.xlsx", measures=[measure("CF01", Source="CareFirst"),
                                                      measure("CF02", Source="Care First "), measure("SW01")],
                      actions=[action("A1")])
    out = CliRunner().invoke(main, ["check", str(path)], catch_exceptions=False)
    assert out.exit_code == 0, out.output                    # a warning, not an error
    column = openpyxl.load_workbook(path)["Measures"]
    letter = next(c.column_letter for c in column[1] if c.value == "Source")
    assert f"{letter}3" in out.output and "taken as 'CareFirst'" in out.output, out.output


def test_collect_says_which_measures_come_from_systems(tmp_path, monkeypatch):
    root = tmp_path / "q"
    plan = make_plan(root, measures=MEASURES, actions=ACTIONS)
    templates = make_templates(plan)
    fill(templates[CJ], root / "returns" / "cj.xlsx", {"SW01": {"To date": 0.8}})
    out = CliRunner().invoke(main, ["collect", "--plan", str(plan), "--period", Q2.id, "--returns", str(root / "returns"),
                                    "--db", f"sqlite:///{tmp_path}/x.db", "--no-report", "--jobs", "1"],
                             catch_exceptions=False)
    assert "Not in the returns: 3 measures from CareFirst (`xlplan import --period 2023-24-Q2 FILE`" in out.output
