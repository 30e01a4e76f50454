"""The `send`, `status` and `chase` commands end to end through click's CliRunner.

Each test works in its own folder (the commands' defaults are relative: workbooks/plan.xlsx,
workbooks/<period>/templates, sqlite:///workbooks/xlplan.db).
"""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from builders import build_plan
from mail_helpers import Handler, fill_return, smtp_server
from xlplan.cli import main
from xlplan.plan import read_plan
from xlplan.periods import Period
from xlplan.resources import shipped
from xlplan.templates.build import write_templates

P = Period.parse("2023-24-Q2")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("XLPLAN_SMTP_USER", "XLPLAN_SMTP_PASSWORD", "XLPLAN_MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    plan_path = build_plan(Path("workbooks/plan.xlsx"))
    paths = write_templates(read_plan(plan_path), P, Path("workbooks") / P.id / "templates", plan_path=plan_path)
    return tmp_path, paths


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_send_outbox_then_smtp_only_with_resend(workdir):
    tmp_path, paths = workdir
    first = run("send", "--period", P.id, "--outbox", "outbox")
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in Path("outbox").iterdir()) == sorted(p.with_suffix(".eml").name for p in paths)
    assert "2 drafted" in first.output

    handler = Handler()
    controller = smtp_server(handler)
    try:
        server = f"127.0.0.1:{controller.port}"
        again = run("send", "--period", P.id, "--smtp", server)
        assert again.exit_code == 0 and "2 skipped as already sent" in again.output
        assert handler.received == []
        resent = run("send", "--period", P.id, "--smtp", server, "--resend",
                     env={"XLPLAN_SMTP_PASSWORD": "Tr0ub4dor&3"})
    finally:
        controller.stop()
    assert resent.exit_code == 0, resent.output
    assert "Tr0ub4dor" not in resent.output
    assert sorted(r.rcpt_tos[0] for r in handler.received) == ["alex@anytown.gov.uk", "sam@anytown.gov.uk"]


def test_send_exit_1_when_a_recipient_is_refused(workdir):
    handler = Handler(refuse={"sam@anytown.gov.uk"})
    controller = smtp_server(handler)
    try:
        result = run("send", "--period", P.id, "--smtp", f"127.0.0.1:{controller.port}")
    finally:
        controller.stop()
    assert result.exit_code == 1
    assert "mail.refused" in result.output and "1 failed" in result.output
    assert [r.rcpt_tos for r in handler.received] == [["alex@anytown.gov.uk"]]


@pytest.mark.parametrize("args,message", [
    ((), "Give either --outbox DIR"),
    (("--outbox", "o", "--smtp", "h:25"), "Give either --outbox DIR"),
    (("--outbox", "o", "--templates", "nowhere"), "There is no templates folder nowhere"),
])
def test_send_usage_problems_exit_2(workdir, args, message):
    result = run("send", "--period", P.id, *args)
    assert result.exit_code == 2 and message in result.output


def test_status_and_chase_follow_the_collected_returns(workdir):
    tmp_path, paths = workdir
    run("send", "--period", P.id, "--outbox", "outbox")
    empty = run("status", "--period", P.id)
    assert empty.exit_code == 1
    assert "2 missing of 2 services" in empty.output

    cj = next(p for p in paths if "Children" in p.name)
    returns = Path("workbooks") / P.id / "returns"
    fill_return(cj, returns / cj.name, 0.8, mtime=datetime(2023, 10, 16).timestamp())
    assert run("collect", "--period", P.id, "--no-report").exit_code == 1      # one still missing
    status = run("status", "--period", P.id, "--json")
    assert status.exit_code == 1
    import json
    rows = {r["service"]: r for r in json.loads(status.output)["services"]}
    assert (rows["Children and Justice"]["outcome"], rows["Children and Justice"]["late"]) == ("accepted", False)
    assert (rows["Adult and Older People"]["outcome"], rows["Adult and Older People"]["late"]) == ("missing", True)
    assert rows["Adult and Older People"]["template_sent"] and rows["Adult and Older People"]["sent_how"] == "drafted"

    chased = run("chase", "--period", P.id, "--outbox", "reminders")
    assert chased.exit_code == 0, chased.output
    drafts = list(Path("reminders").glob("*.eml"))
    assert len(drafts) == 1
    msg = email.message_from_bytes(drafts[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "Sam Manager <sam@anytown.gov.uk>" and "is overdue" in msg["Subject"]

    aop = next(p for p in paths if "Adult" in p.name)
    fill_return(aop, returns / aop.name, 0.5, mtime=datetime(2023, 10, 20).timestamp())
    run("collect", "--period", P.id, "--no-report")
    done = run("status", "--period", P.id)
    assert done.exit_code == 0, done.output
    assert "all in and clean" in done.output
    nobody = run("chase", "--period", P.id, "--outbox", "reminders")
    assert nobody.exit_code == 0 and "nobody to remind" in nobody.output
    assert len(list(Path("reminders").glob("*.eml"))) == 1


def test_example_plan_one_draft_per_manager_with_their_template(tmp_path, monkeypatch):
    import shutil

    example = shipped("examples") / "plan.xlsx"
    monkeypatch.chdir(tmp_path)
    Path("workbooks").mkdir()
    shutil.copy(example, "workbooks/plan.xlsx")
    made = run("templates", "--period", P.id)
    assert made.exit_code == 0, made.output
    result = run("send", "--period", P.id, "--outbox", "outbox")
    assert result.exit_code == 0, result.output
    plan = read_plan("workbooks/plan.xlsx")
    drafts = {}
    for f in Path("outbox").glob("*.eml"):
        msg = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        drafts[msg["To"]] = msg
    assert sorted(drafts) == sorted(f"{s.manager} <{s.email}>" for s in plan.services_with_returns())
    for s in plan.services_with_returns():
        template = Path("workbooks") / P.id / "templates" / f"{P.id} {s.name} return.xlsx"
        got = {p.get_filename(): p.get_content() for p in drafts[f"{s.manager} <{s.email}>"].iter_attachments()}
        assert got == {template.name: template.read_bytes()}


@pytest.mark.parametrize("width", [120, 80])
def test_status_table_fits_and_keeps_each_fact_readable(workdir, monkeypatch, width):
    """Every column is shown whole at 120 and at 80 columns: no date or outcome split mid-word, no
    column cut off, and a long file name gets room (at 120, 30 columns or more)."""
    from rich.console import Console
    import xlplan.cli.mail_cmds as mail_cmds

    monkeypatch.setattr(mail_cmds, "console", lambda stderr=False: Console(
        width=width, highlight=False, soft_wrap=False, emoji=False, color_system=None))
    _, paths = workdir
    run("send", "--period", P.id, "--outbox", "outbox")
    cj = next(p for p in paths if "Children" in p.name)
    long_name = f"Copy of {cj.stem} FINAL v2 checked by Sam.xlsx"
    fill_return(cj, Path("workbooks") / P.id / "returns" / long_name, 0.8,
                mtime=datetime(2023, 10, 16, 9, 5).timestamp())
    run("collect", "--period", P.id, "--no-report")
    out = run("status", "--period", P.id).output
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines), out
    header = " ".join(lines[1:6])
    for column in ("Service", "Template", "Return", "File", "Outcome", "Late"):
        assert column in header, out
    assert "Reminded" not in header           # nobody has been reminded yet
    body = [line for line in lines if line.startswith("│")]
    cells = [[c.strip() for c in line.strip("│").split("│")] for line in body]
    assert any(row[-2] == "accepted" for row in cells) and any(row[-2] == "missing" for row in cells), out
    assert any(row[-1] == "overdue" for row in cells), out
    file_parts = [row[3] for row in cells if row[3]]
    assert "".join(file_parts).replace(" ", "") == long_name.replace(" ", ""), out
    file_width = len(next(line for line in lines if line.startswith("┡")).split("╇")[3])
    assert file_width >= (30 if width == 120 else 10), out
    if width == 120:
        assert any("16/10/23 09:05" in line for line in body), out     # received: day and time, one line

    run("chase", "--period", P.id, "--outbox", "reminders")
    out = run("status", "--period", P.id).output
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines), out
    assert "Reminded" in " ".join(lines[1:6]) and "Late" in " ".join(lines[1:6]), out
    assert any(line.startswith("│") and line.rstrip("│ ").endswith("overdue") for line in lines), out


def test_status_lists_unmatched_files_verbatim(workdir):
    returns = Path("workbooks") / P.id / "returns"
    returns.mkdir(parents=True)
    (returns / "[bold]notes.xlsx").write_bytes(b"not a workbook")
    run("collect", "--period", P.id, "--no-report")
    result = run("status", "--period", P.id)
    assert result.exit_code == 1
    assert "could not be matched to a service" in result.output
    assert "  [bold]notes.xlsx (received " in result.output


def test_send_and_chase_one_service(workdir):
    one = run("send", "--period", P.id, "--outbox", "outbox", "--service", "adult and older people")
    assert one.exit_code == 0, one.output
    assert [p.name for p in Path("outbox").iterdir()] == [f"{P.id} Adult and Older People return.eml"]
    typo = run("send", "--period", P.id, "--outbox", "outbox", "--service", "Adult and Older Peple")
    assert typo.exit_code == 2 and 'did you mean "Adult and Older People"' in typo.output
    chased = run("chase", "--period", P.id, "--outbox", "reminders", "--service", "Children and Justice")
    assert chased.exit_code == 0, chased.output
    assert [p.name.split(" reminder")[0] for p in Path("reminders").iterdir()] == [f"{P.id} Children and Justice"]
