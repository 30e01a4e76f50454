"""`xlplan collect` through the CLI: defaults from the working folder, output and exit codes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from quarter import AOP, CJ, GOOD_AOP, GOOD_CJ, fill, make_plan, make_templates
from xlplan.cli import main


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A working folder laid out as the defaults expect: workbooks/plan.xlsx, workbooks/<period>/returns/."""
    wb = tmp_path / "workbooks"
    plan_path = make_plan(wb)
    t = make_templates(plan_path, out=tmp_path / "sent")
    fill(t[CJ], wb / "2023-24-Q2" / "returns" / "Copy of CJ return.xlsx", GOOD_CJ)
    fill(t[AOP], wb / "2023-24-Q2" / "returns" / "aop final.xlsx", GOOD_AOP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(main, ["collect", *args], catch_exceptions=False)


def test_plain_collect_with_defaults_stores_reports_and_exits_0(workdir):
    result = invoke("--period", "2023-24-Q2")
    assert result.exit_code == 0, result.output
    assert "Returns for 2023-24-Q2" in result.output
    assert "Copy of CJ return.xlsx" in result.output and "accepted" in result.output
    assert "OK: every return accepted without errors." in result.output
    assert (workdir / "workbooks" / "xlplan.db").exists()
    assert any((workdir / "workbooks" / "archive").rglob("*.xlsx"))
    reports = workdir / "workbooks" / "2023-24-Q2" / "reports"
    assert sorted(p.suffix for p in reports.iterdir()) == [".docx", ".xlsx"]


def test_no_report_writes_no_reports(workdir):
    result = invoke("--period", "2023-24-Q2", "--no-report", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert not (workdir / "workbooks" / "2023-24-Q2" / "reports").exists()


def test_rejected_file_and_missing_service_exit_1_with_reasons(workdir):
    returns = workdir / "workbooks" / "2023-24-Q2" / "returns"
    os.remove(returns / "aop final.xlsx")
    (returns / "aop final.xlsx").write_text("not a workbook")
    result = invoke("--period", "2023-24-Q2", "--no-report")
    assert result.exit_code == 1
    assert "rejected" in result.output and "Rejected: aop final.xlsx is" in result.output
    assert f"Not returned (1): {AOP}" in result.output


def test_a_skipped_file_says_why_and_what_to_do(workdir):
    returns = workdir / "workbooks" / "2023-24-Q2" / "returns"
    (returns / "aop final.xlsx").rename(workdir / "aop final.xlsx")
    (returns / "RE AOP return.eml").write_bytes(b"From: sam@anytown.gov.uk\r\nSubject: RE: return\r\n\r\nAttached.\r\n")
    (returns / "RE AOP return.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))   # a broken one
    (returns / "notes.txt").write_text("to chase")
    (returns / "AOP return.csv").write_text("Code,To date\nSW02,81%\n")     # Save As CSV: a return, rejected
    result = invoke("--period", "2023-24-Q2", "--no-report")
    said = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "Skipped: RE AOP return.eml is an email with no spreadsheet attached" in said    # (one with is read)
    assert ("Skipped: RE AOP return.msg is an Outlook email with no spreadsheet attached (or one that could not "
            "be read): save the return attached to it (the .xlsx) in the returns folder") in said
    assert "Skipped: notes.txt is not a spreadsheet" in said
    assert "Rejected: AOP return.csv is a CSV text file, not the return workbook" in said
    assert "Not returned (1): Adult and Older People" in said


def test_usage_problems_exit_2(workdir):
    assert invoke("--period", "2023-24-Q5").exit_code == 2
    missing_plan = invoke("--period", "2023-24-Q2", "--plan", "nowhere.xlsx")
    assert missing_plan.exit_code == 2 and "There is no plan workbook at nowhere.xlsx" in missing_plan.output
    other_year = invoke("--period", "2024-25-Q1")
    assert other_year.exit_code == 2 and "is for 2023-24, but --period is 2024-25-Q1" in other_year.output
    no_folder = invoke("--period", "2023-24-Q3")
    assert no_folder.exit_code == 2 and "no returns folder" in no_folder.output
    (workdir / "workbooks" / ".xlplan-key").unlink()
    no_key = invoke("--period", "2023-24-Q2")
    assert no_key.exit_code == 2 and "There is no .xlplan-key beside workbooks/plan.xlsx" in no_key.output
    assert not (workdir / "workbooks" / ".xlplan-key").exists()


def test_help_describes_the_command():
    result = CliRunner().invoke(main, ["collect", "--help"])
    assert result.exit_code == 0 and "identity sheet" in result.output and "--no-report" in result.output


def test_a_large_collection_lists_only_the_returns_needing_a_look(monkeypatch):
    """Above LIST_ALL_UP_TO returns the table lists the rejected, superseded and those with errors or
    warnings, and counts the clean ones; at or below it, every return is listed."""
    from datetime import datetime
    from types import SimpleNamespace

    from rich.console import Console

    from xlplan.cli import collect_cmd
    from xlplan.store import ReturnRecord
    from xlplan.status import Status

    def records(n):
        found = [ReturnRecord(f"Service {i:04d}", f"clean {i:04d}.xlsx", "x", datetime(2023, 10, 1), "accepted")
                 for i in range(n)]
        found[3] = ReturnRecord(None, "odd one.xlsx", "y", datetime(2023, 10, 1), "rejected", ["not a workbook"], 1)
        found[5] = ReturnRecord("Service 0005", "clean 0005.xlsx", "x", datetime(2023, 10, 1), "accepted", warnings=2)
        return found

    def shown(n, every_one_clean=False):
        found = records(n) if not every_one_clean else \
            [ReturnRecord(f"S {i}", f"clean {i:04d}.xlsx", "x", datetime(2023, 10, 1), "accepted") for i in range(n)]
        result = SimpleNamespace(records=found, issues=[], missing_services=[], report_paths=[], reused=[],
                                 reports_note="", ok=False, period=SimpleNamespace(id="2023-24-Q2"),
                                 status_counts={Status.GREEN: 1})
        console = Console(record=True, width=200)
        collect_cmd.render(result, console)
        return console.export_text()

    monkeypatch.setattr(collect_cmd, "LIST_ALL_UP_TO", 10)
    text = shown(10)
    assert "clean 0009.xlsx" in text and "more returns accepted" not in text
    text = shown(11)
    assert "odd one.xlsx" in text and "clean 0005.xlsx" in text       # rejected; accepted with warnings
    assert "clean 0009.xlsx" not in text and "clean 0000.xlsx" not in text
    assert "9 more returns accepted without errors or warnings" in text

    text = shown(11, every_one_clean=True)
    assert "All 11 returns for 2023-24-Q2 accepted without errors or warnings" in text
    assert "clean 0000.xlsx" not in text


def test_when_most_returns_need_a_look_the_most_pressing_are_listed_and_the_rest_counted(monkeypatch):
    """A national collection where every return has a warning: the table holds LIST_ALL_UP_TO
    returns, the rejected and those with errors before those with warnings only, in name order, and
    the others needing a look are counted by why; the clean ones are counted as before."""
    from datetime import datetime
    from types import SimpleNamespace

    from rich.console import Console

    from xlplan.cli import collect_cmd
    from xlplan.status import Status
    from xlplan.store import ReturnRecord

    when = datetime(2023, 10, 1)
    found = [ReturnRecord(f"Service {i:04d}", f"warned {i:04d}.xlsx", "x", when, "accepted", warnings=1)
             for i in range(30)]
    found[25] = ReturnRecord(None, "odd one.xlsx", "y", when, "rejected", ["not a workbook"], 1)
    found[27] = ReturnRecord("Service 0027", "late 0027.xlsx", "x", when, "accepted", [], 2)
    found[29] = ReturnRecord("Service 0029", "old 0029.xlsx", "x", when, "superseded", ["a newer return"])
    found += [ReturnRecord(f"Clean {i}", f"clean {i:04d}.xlsx", "x", when, "accepted") for i in range(5)]
    result = SimpleNamespace(records=found, issues=[], missing_services=[], report_paths=[], reused=[],
                             reports_note="", ok=False, period=SimpleNamespace(id="2023-24-Q2"),
                             status_counts={Status.GREEN: 1})
    monkeypatch.setattr(collect_cmd, "LIST_ALL_UP_TO", 10)
    console = Console(record=True, width=200)
    collect_cmd.render(result, console)
    text = console.export_text()
    assert "the 10 needing the closest look" in text
    rows = [line for line in text.splitlines() if ".xlsx" in line and "│" in line]
    listed = [next(w for w in line.split("│") if ".xlsx" in w).strip() for line in rows]
    assert listed == ["warned 0000.xlsx", "warned 0001.xlsx", "warned 0002.xlsx", "warned 0003.xlsx",
                      "warned 0004.xlsx", "warned 0005.xlsx", "warned 0006.xlsx", "odd one.xlsx", "late 0027.xlsx",
                      "old 0029.xlsx"]
    assert "20 more returns accepted with warnings (not listed one by one" in text
    found[8] = ReturnRecord(None, "odd two.xlsx", "y", when, "rejected", ["not a workbook"], 1)
    monkeypatch.setattr(collect_cmd, "LIST_ALL_UP_TO", 3)
    console = Console(record=True, width=200)
    collect_cmd.render(result, console)
    text = console.export_text()
    assert "the 3 needing the closest look" in text            # the two rejected, then the one with errors
    assert all(f in text for f in ("odd one.xlsx", "odd two.xlsx", "late 0027.xlsx")) and "old 0029.xlsx" not in text
    assert "27 more returns need a look: 1 superseded, 26 accepted with warnings (not listed" in text
    assert "5 more returns accepted without errors or warnings" in text


def test_thousands_of_problems_list_the_errors_first_then_count_the_rest_by_kind():
    """A national collection's warnings are summarised by kind in the console (every one stays in
    the summary workbook's Data quality sheet); a council's few are all listed."""
    from types import SimpleNamespace

    from rich.console import Console

    from xlplan.cli import collect_cmd
    from xlplan.errors import Issue, Severity
    from xlplan.status import Status

    def shown(warnings: int, errors: int) -> str:
        found = [Issue("comment.unchanged", Severity.WARNING, f"comment unchanged {n}", file=f"w{n}.xlsx")
                 for n in range(warnings)]
        found += [Issue("cell.bad-value", Severity.ERROR, f"bad value {n}", file=f"e{n}.xlsx") for n in range(errors)]
        result = SimpleNamespace(records=[], issues=found, missing_services=[], reused=[], ok=False,
                                 period=SimpleNamespace(id="2023-24-Q2"), status_counts={Status.GREEN: 1})
        console = Console(record=True, width=200)
        collect_cmd.render(result, console)
        return console.export_text()

    few = shown(5, 1)
    assert all(f"comment unchanged {n}" in few for n in range(5)) and "by kind" not in few
    many = shown(3000, 2)
    assert "bad value 0" in many and "bad value 1" in many                  # errors are never cut
    assert f"the first {collect_cmd.LIST_PROBLEMS_UP_TO} of 3002" in many
    assert f"comment unchanged {collect_cmd.LIST_PROBLEMS_UP_TO}" not in many
    assert "comment.unchanged" in many and f"{3000 - collect_cmd.LIST_PROBLEMS_UP_TO + 2}" in many
    assert "Data quality sheet" in many


def test_text_from_a_return_is_printed_as_typed_never_as_markup_or_emoji(workdir):
    """A file name and a problem saying "[bold]" or ":fire:" are data: shown as typed."""
    returns = workdir / "workbooks" / "2023-24-Q2" / "returns"
    (returns / "aop final.xlsx").rename(returns / "aop :fire: [bold]final.xlsx")
    (returns / ":thumbs_up: [red]notes.xlsx").write_text("not a workbook")
    result = invoke("--period", "2023-24-Q2", "--no-report", "--jobs", "1")
    flat = " ".join(result.output.replace("│", " ").split())
    assert "aop :fire: [bold]final.xlsx" in flat
    assert ":thumbs_up: [red]notes.xlsx" in flat
    assert "\N{FIRE}" not in result.output and "\N{THUMBS UP SIGN}" not in result.output


def test_the_problems_table_shows_messages_and_hints_as_typed():
    import io

    from rich.console import Console

    from xlplan.cli.render import issues_table
    from xlplan.errors import Issue, Severity
    issue = Issue("value.bad", Severity.ERROR, "Target [bold]70/30[/] :fire:", hint="Type :x: as [i]a number[/i]",
                  file="r.xlsx", sheet="PIs", cell="E5")
    out = Console(file=io.StringIO(), width=200, highlight=False)
    out.print(issues_table([issue], title="Problems"))
    text = out.file.getvalue()
    assert "Target [bold]70/30[/] :fire:" in text and "Type :x: as [i]a number[/i]" in text
    assert "r.xlsx › PIs!E5" in text and "error" in text and "value.bad" in text


def test_the_progress_bar_shows_a_file_name_as_typed():
    import io

    from rich.console import Console

    from xlplan.cli.render import progress_bar
    err = Console(file=io.StringIO(), force_terminal=True, width=120)
    with progress_bar(err, "Reading returns") as progress:
        progress(1, 2, "[bold]aop [red]final.xlsx")
        progress(2, 2, "[bold]aop [red]final.xlsx")
    shown = err.file.getvalue()
    assert "[bold]aop [red]final.xlsx" in shown and "Reading returns" in shown and "2/2" in shown


def test_a_long_step_is_named_on_a_terminal_and_nothing_is_added_to_captured_output():
    import io

    from rich.console import Console

    from xlplan.cli.render import working
    err = Console(file=io.StringIO(), force_terminal=True, width=80)
    with working(err, "Writing the [bold]report"):
        pass
    assert "Writing the [bold]report" in err.file.getvalue()          # as typed: never markup
    captured = Console(file=io.StringIO(), force_terminal=False)
    with working(captured, "Writing the report"):
        pass
    assert captured.file.getvalue() == ""
