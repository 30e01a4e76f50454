"""`xlplan init` and `xlplan check` through click's CliRunner: exit codes and what the officer reads."""

import json

from builders import action, build_plan, measure
from click.testing import CliRunner

from xlplan.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_init_then_check_passes(tmp_path):
    folder = tmp_path / "workbooks"
    result = run("init", folder)
    assert result.exit_code == 0, result.output
    assert (folder / "plan.xlsx").exists()
    assert f"Wrote {folder / 'plan.xlsx'}" in result.output and "xlplan check" in result.output
    checked = run("check", folder / "plan.xlsx")
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"OK: {folder / 'plan.xlsx'}")


def test_init_defaults_to_the_workbooks_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("init").exit_code == 0
    assert run("check").exit_code == 0          # check defaults to workbooks/plan.xlsx too
    assert (tmp_path / "workbooks" / "plan.xlsx").exists()


def test_init_refuses_to_overwrite_without_force(tmp_path):
    assert run("init", tmp_path).exit_code == 0
    again = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert again.exit_code == 2
    assert "already exists" in again.output and "--force" in again.output
    assert run("init", tmp_path, "--force", "--year", "2024/25").exit_code == 0


def test_init_rejects_a_bad_year(tmp_path):
    result = CliRunner().invoke(main, ["init", str(tmp_path), "--year", "2024"])
    assert result.exit_code == 2 and "not a financial year" in result.output
    assert not (tmp_path / "plan.xlsx").exists()


def bad_plan(tmp_path):
    return build_plan(tmp_path / "plan.xlsx",
                      measures=[measure("SW01"), measure("SW01", Service="Social Care"),
                                measure("SW03", Service="Adult and Older People", Target="lots")],
                      actions=[action("A1")])


def test_check_rejects_duplicate_code_unknown_service_and_lots_naming_each_cell(tmp_path):
    result = run("check", bad_plan(tmp_path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for where, what in [("Measures!A3", "Code 'SW01' is used twice"), ("Measures!E3", "Service 'Social Care'"),
                        ("Measures!H4", "Target 'lots' for SW03")]:
        assert any(where in line and what in line for line in lines), (where, result.output)
    assert "3 errors and 0 warnings" in result.output


def test_check_json_lists_codes_and_cells(tmp_path):
    result = run("check", bad_plan(tmp_path), "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False
    assert [(i["code"], i["sheet"], i["cell"]) for i in data["issues"]] == [
        ("plan.duplicate-key", "Measures", "A3"), ("plan.unknown-service", "Measures", "E3"),
        ("plan.bad-target", "Measures", "H4")]


def test_check_warnings_alone_pass(tmp_path):
    path = build_plan(tmp_path / "plan.xlsx", actions=[action("A1", Measures="See SW09"), action("A2")])
    result = run("check", path)
    assert result.exit_code == 0
    assert "plan.unknown-action-measure" in result.output and "1 warning" in result.output


def test_check_a_file_that_is_not_a_plan(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_text("not a workbook")
    result = run("check", path)
    assert result.exit_code == 1 and "could not be opened as an Excel workbook" in " ".join(result.output.split())


def test_every_plan_command_has_help():
    for name in ("init", "check"):
        result = run(name, "--help")
        assert result.exit_code == 0 and len(result.output.splitlines()) > 3


def test_captured_output_is_as_wide_as_columns_says(tmp_path):
    plan = str(bad_plan(tmp_path))

    def widest(env):
        result = CliRunner(env=env).invoke(main, ["check", plan])
        assert result.exit_code == 1 and "3 errors and 0 warnings" in " ".join(result.output.split())
        return max(len(line) for line in result.output.splitlines())

    assert 80 < widest({"COLUMNS": None}) <= 120          # a pipe or a file: 120 columns
    assert widest({"COLUMNS": "80"}) <= 80                # as `COLUMNS=80 xlplan check … | less` asks
    assert 80 < widest({"COLUMNS": "12"}) <= 120          # too narrow for a table, or not a width:
    assert 80 < widest({"COLUMNS": "wide"}) <= 120        # 120 as before
