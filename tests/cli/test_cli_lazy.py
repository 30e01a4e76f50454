"""The CLI loads a command's module only when the command runs (issue #8: start-up cost)."""

from __future__ import annotations

import importlib
import subprocess
import sys

from click.testing import CliRunner

from xlplan.cli import COMMAND_MODULES, main


def test_command_table_lists_exactly_each_modules_commands():
    for module, names in COMMAND_MODULES.items():
        commands = importlib.import_module(f"xlplan.cli.{module}").COMMANDS
        assert sorted(c.name for c in commands) == sorted(names), module
    assert sorted(main.commands) == sorted(n for names in COMMAND_MODULES.values() for n in names)


def loaded_after(args: list[str]) -> set[str]:
    code = ("import sys\nfrom xlplan.cli import main\n"
            f"try:\n    main({args!r}, prog_name='xlplan')\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return set(done.stderr.split())


def test_templates_and_report_do_not_load_what_they_do_not_use():
    heavy = {"sqlalchemy", "openpyxl", "docx", "pandas", "numpy"}
    assert loaded_after(["templates", "--help"]) & heavy == set()
    assert loaded_after(["report", "--help"]) & heavy == set()
    assert loaded_after(["--help"]) >= {"click"}


def test_unknown_command_still_suggests_the_right_one():
    result = CliRunner().invoke(main, ["templats"])
    assert result.exit_code == 2
    assert "Did you mean 'templates'?" in result.output


def modules_after(args: list[str], cwd) -> tuple[int, set[str]]:
    """The exit code of `xlplan ARGS` run in `cwd`, and every module (full dotted name) it loaded."""
    code = ("import sys\nfrom xlplan.cli import main\ncode = 0\n"
            f"try:\n    main({args!r}, prog_name='xlplan')\nexcept SystemExit as e:\n    code = e.code\n"
            "print('MODULES', code, ' '.join(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=cwd)
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES "))
    _, rc, *names = line.split()
    return int(rc), set(names)


def test_collect_loads_only_what_collecting_needs(quarter):
    """A council's collect (a few returns, output captured) loads no spreadsheet writer, Word,
    report or template code, no progress bar and no process pool."""
    import os
    import time
    old = time.time() - 3600          # long finished: safety need not watch the files settle
    for path in (quarter / "returns").iterdir():
        os.utime(path, (old, old))
    rc, loaded = modules_after(["collect", "--plan", str(quarter / "plan.xlsx"), "--period", "2023-24-Q2",
                                "--returns", str(quarter / "returns"), "--db", f"sqlite:///{quarter / 'xlplan.db'}",
                                "--no-report"], quarter)
    assert rc == 0 and "xlplan.store.write" in loaded and (quarter / "xlplan.db").exists()
    tops = {m.split(".")[0] for m in loaded}
    assert tops & {"openpyxl", "docx", "jinja2", "xlsxwriter", "pandas", "numpy", "PIL", "alembic",
                   "matplotlib"} == set()
    never = {"xlplan.reports", "xlplan.templates", "xlplan.mail", "xlplan.demo", "rich.progress",
             "concurrent.futures.process", "multiprocessing.pool",
             # the year end, the store's upgrade, comparators and system extracts are other commands'
             "xlplan.store.year", "xlplan.store.outturn", "xlplan.store.upgrade", "xlplan.store.benchmarks",
             "xlplan.collect.imports", "xlplan.collect.extract", "xlplan.benchmarks"}
    assert loaded & never == set()


RISK_AND_BUDGET = {"xlplan.collect.budget", "xlplan.collect.budget_rows", "xlplan.collect.risks",
                   "xlplan.collect.risk_rows", "xlplan.plan.budget", "xlplan.plan.budget_sheet", "xlplan.plan.risks",
                   "xlplan.store.resources", "xlplan.store.risks"}


def test_collect_of_a_plan_without_risks_or_budget_loads_none_of_their_code(quarter):
    """The plan from the cache (`xlplan check` left it there, as `xlplan templates` does), no Risks
    or Budget sheet in it or its returns: collect loads neither the plan's readers nor the checks and
    rows of either sheet."""
    import os
    import time
    old = time.time() - 3600
    for path in (quarter / "returns").iterdir():
        os.utime(path, (old, old))
    assert modules_after(["check", str(quarter / "plan.xlsx")], quarter)[0] == 0
    rc, loaded = modules_after(["collect", "--plan", str(quarter / "plan.xlsx"), "--period", "2023-24-Q2",
                                "--returns", str(quarter / "returns"), "--db", f"sqlite:///{quarter / 'xlplan.db'}",
                                "--no-report"], quarter)
    assert rc == 0 and "xlplan.collect.validate" in loaded and "xlplan.store.write" in loaded
    assert loaded & (RISK_AND_BUDGET | {"xlplan.plan.reader"}) == set()


def test_the_xlplan_program_exits_with_the_commands_code_and_all_its_output(tmp_path):
    """`run` (the console script) skips the interpreter's teardown but not the exit code, the
    output, or what was registered to run at exit."""
    def program(*args: str) -> subprocess.CompletedProcess:
        code = ("import atexit, sys\nfrom xlplan.cli import run\n"
                f"atexit.register(lambda: open({str(tmp_path / 'ran')!r}, 'w').close())\n"
                "sys.argv[1:] = " + repr(list(args)) + "\nrun()")
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)

    shown = program("--version")
    assert shown.returncode == 0 and shown.stdout.startswith("xlplan, version ")
    assert (tmp_path / "ran").exists()
    (tmp_path / "ran").unlink()
    wrong = program("collect", "--period", "not-a-quarter")
    assert wrong.returncode == 2 and "not a period" in wrong.stderr
    assert (tmp_path / "ran").exists()
    assert program("templats").returncode == 2
