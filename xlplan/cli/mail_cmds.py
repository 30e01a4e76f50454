"""`xlplan send`, `xlplan status` and `xlplan chase`: email the templates, see who has returned,
remind those who have not."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape
from rich.text import Text

from xlplan import mail
from xlplan.errors import XlplanError
from xlplan.mail import (ACCEPTED, MISSING, REJECTED, WITH_ERRORS, chase, local_time, service_states,
                         unmatched_returns)
from xlplan.plan import read_plan
from xlplan.cli.common import WORKBOOKS, db_option, friendly_errors, period_option, plan_option
from xlplan.cli.render import console, issues_table, progress_bar

_WORD_STYLE = {"sent": "green", "drafted": "green", "skipped": "dim", "failed": "bold red",
               ACCEPTED: "green", WITH_ERRORS: "yellow", REJECTED: "bold red", MISSING: "red"}


def templates_option(f):
    return click.option("--templates", "templates_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="Folder of return templates [default: workbooks/<period>/templates].")(f)


def service_option(f):
    return click.option("--service", "services", multiple=True, metavar="NAME",
                        help="Only this service (repeat for several); default: every service with a return.")(f)


def department_option(f):
    return click.option("--department", default=None, envvar="XLPLAN_DEPARTMENT",
                        help="Only this department's services (the Department column of the plan's Services "
                             "sheet); or set XLPLAN_DEPARTMENT.")(f)


def _for_department(plan, department: str | None, services: tuple[str, ...]) -> tuple[str, ...]:
    """The services asked for (--service), limited to `department`'s when one is given: every one of
    its services with a return when --service is not."""
    if not department:
        return services
    found = plan.named_department(department)
    with_returns = {s.name for s in plan.services_with_returns()}
    own = [s.name for s in plan.services_of(found) if s.name in with_returns]
    if not own:
        raise XlplanError(f"The {found} department has no service with a return in the plan.")
    if not services:
        return tuple(own)
    wanted = {s.casefold() for s in own}
    kept = tuple(s for s in services if s.strip().casefold() in wanted)
    if not kept:
        raise XlplanError(f"None of the services asked for is in the {found} department.")
    return kept


def transport_options(f):
    f = click.option("--smtp", "smtp_server", metavar="HOST:PORT",
                     help="Send through this mail server (STARTTLS when offered; log in with "
                          f"${mail.ENV_USER} and ${mail.ENV_PASSWORD} if set).")(f)
    f = click.option("--outbox", type=click.Path(file_okay=False, path_type=Path),
                     help="Write .eml drafts to this folder instead of sending; open them in Outlook or "
                          "Thunderbird to check and send.")(f)
    return f


def _transport(outbox: Path | None, smtp_server: str | None):
    if bool(outbox) == bool(smtp_server):
        raise XlplanError("Give either --outbox DIR (write drafts) or --smtp HOST:PORT (send), not both or neither.")
    return mail.Outbox(outbox) if outbox else mail.SmtpTransport(smtp_server)


def _sender(plan, smtp: bool) -> mail.Sender | None:
    sender = mail.find_sender(plan)
    if sender is None and smtp:
        raise XlplanError(f"No From address for the emails: set ${mail.ENV_FROM}, add an 'Email from' row to the "
                          f"plan's Settings sheet, or put an email address in its Contact setting.")
    return sender


def _outcomes_table(run: mail.MailRun, title: str):
    from rich.table import Table
    table = Table(title=title)
    for col in ("Service", "To", "Result", "Detail"):
        table.add_column(col, overflow="fold")
    for o in run.outcomes:
        style = _WORD_STYLE.get(o.result, "")
        table.add_row(escape(o.service), escape(o.recipient or "-"), f"[{style}]{o.result}[/]", escape(_detail(o)))
    return table


def _detail(o: mail.Outcome) -> str:
    if o.result in (mail.SENT, mail.DRAFTED):
        return o.via
    return o.detail


def _finish(run: mail.MailRun, what: str) -> None:
    out = console()
    out.print(_outcomes_table(run, what))
    problems = [i for i in run.report if i.is_error]
    if problems:
        out.print(issues_table(problems, title="Not sent"))
    parts = [f"{run.count(mail.SENT)} sent"] if run.count(mail.SENT) or not run.count(mail.DRAFTED) else []
    if run.count(mail.DRAFTED):
        parts.append(f"{run.count(mail.DRAFTED)} drafted (open the .eml files to check and send them)")
    if run.count("skipped"):
        parts.append(f"{run.count('skipped')} skipped as already sent (--resend sends again)")
    parts.append(f"[bold red]{len(run.failed)} failed[/]" if run.failed else "0 failed")
    out.print(", ".join(parts))
    raise SystemExit(1 if run.failed else 0)


@click.command()
@period_option
@plan_option
@templates_option
@db_option
@transport_options
@service_option
@department_option
@click.option("--resend", is_flag=True, help="Send again to services whose template was already sent.")
@friendly_errors
def send(period, plan_path, templates_dir, db_url, outbox, smtp_server, services, department, resend):
    """Email each service manager their return template for the quarter.

    One email per service with a return, to the address on the plan's Services sheet, with the
    template attached; subject and text come from templates/email/. A service already sent is
    skipped unless --resend. Exits 1 when any service could not be sent.
    """
    plan = read_plan(plan_path)
    services = _for_department(plan, department, services)
    transport = _transport(outbox, smtp_server)
    folder = templates_dir or WORKBOOKS / period.id / "templates"
    if not folder.is_dir():
        raise XlplanError(f"There is no templates folder {folder}; run `xlplan templates --period {period.id}` "
                          f"first or pass --templates.")
    sender = _sender(plan, smtp=bool(smtp_server))
    err = console(stderr=True)
    with transport, progress_bar(err, "Sending templates") as progress:
        run = mail.send_templates(plan, period, folder, transport, db_url, resend=resend, sender=sender,
                                  only=list(services), progress=progress)
    _finish(run, f"{period.label} templates")


def _states(plan_path, period, db_url):
    from xlplan import store
    plan = read_plan(plan_path)
    results = store.load_results(db_url, plan, period)
    return plan, results.returns, service_states(plan, period, results.returns, db_url, issues=results.issues)


def _when(dt) -> str:
    return f"{dt:%d/%m/%y %H:%M}" if dt else ""


def _iso(dt) -> str | None:
    return dt.isoformat(timespec="minutes") if dt else None


def _day(dt) -> str:
    return f"{dt:%d/%m/%y}" if dt else ""


def _mailed(rec) -> str:
    """The day an email (template or reminder) went, and "draft" when it was left in an outbox."""
    return _day(rec.at) + (" draft" if rec.outcome == mail.DRAFTED else "") if rec else ""


@click.command()
@period_option
@plan_option
@db_option
@department_option
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@friendly_errors
def status(period, plan_path, db_url, department, as_json):
    """Who has returned: every service's template email, return, outcome and lateness.

    With --department, only that department's services. Exits 0 when every return is in and
    clean, 1 otherwise.
    """
    plan, returns, states = _states(plan_path, period, db_url)
    if department:
        own = set(_for_department(plan, department, ()))
        states = [s for s in states if s.service.name in own]
    unmatched = unmatched_returns(returns)
    all_clean = all(s.clean for s in states) and not unmatched
    if as_json:
        click.echo(json.dumps({"period": period.id, "all_clean": all_clean, "services": [{
            "service": s.service.name, "manager": s.service.manager, "email": s.service.email,
            "template_sent": _iso(s.sent.at) if s.sent else None, "sent_how": s.sent.outcome if s.sent else None,
            "last_reminder": _iso(s.reminded.at) if s.reminded else None,
            "received": _iso(s.received), "file": s.latest.file if s.latest else None,
            "outcome": s.state, "errors": s.latest.errors if s.latest else 0, "late": s.late,
            "problems": s.problems} for s in states],
            "unmatched_files": [r.file for r in unmatched]}, indent=2))
        raise SystemExit(0 if all_clean else 1)
    from rich.table import Table
    deadline = plan.settings.deadline_for(period)
    table = Table(title=f"{period.label} returns" + (f" — due {mail.deadline_text(deadline)}" if deadline else ""))
    # in 120 columns one line for each date and room for the file's name: the manager under the
    # service, dates without the century and no time but the return's, no Reminded column until
    # someone was reminded; narrower (down to 80), dates break at the space and names at words,
    # and no column is squeezed to a few letters or cut off
    reminded = any(s.reminded for s in states)
    table.add_column("Service / manager", overflow="fold", min_width=8)
    table.add_column("Template sent", min_width=8)
    if reminded:
        table.add_column("Reminded", min_width=8)
    table.add_column("Return received", min_width=8)
    table.add_column("File", overflow="fold", min_width=10)
    table.add_column("Outcome", min_width=8)
    table.add_column("Late", no_wrap=True)
    for s in states:
        sent = _mailed(s.sent) if s.sent else ("[red]failed[/]" if s.send_failed else "not sent")
        outcome = s.state + (f" ({s.latest.errors})" if s.state == WITH_ERRORS else "")
        late = ("[red]overdue[/]" if s.state in (MISSING, REJECTED) else "[yellow]late[/]") if s.late else ""
        who = Text(s.service.name)
        if s.service.manager:
            who.append("\n" + s.service.manager, "dim")
        table.add_row(who, sent, *([_mailed(s.reminded)] if reminded else []), _when(s.received),
                      Text(s.latest.file) if s.latest else "",
                      f"[{_WORD_STYLE[s.state]}]{outcome}[/]", late)
    out = console()
    out.print(table)
    if unmatched:
        out.print("[yellow]Files that could not be matched to a service[/] (look at these by hand):")
        for r in unmatched:
            out.print(f"  {escape(r.file)} (received {_when(local_time(r.received))}): {escape('; '.join(r.reasons) or 'rejected')}")
    counts = {k: sum(s.state == k for s in states) for k in (ACCEPTED, WITH_ERRORS, REJECTED, MISSING)}
    out.print(", ".join(f"{n} {k}" for k, n in counts.items()) + f" of {len(states)} services"
              + ("" if not all_clean else " — all in and clean"))
    raise SystemExit(0 if all_clean else 1)


@click.command(name="chase")
@period_option
@plan_option
@templates_option
@db_option
@transport_options
@service_option
@department_option
@click.option("--resend", is_flag=True, help="Remind again services already reminded today.")
@friendly_errors
def chase_cmd(period, plan_path, templates_dir, db_url, outbox, smtp_server, services, department, resend):
    """Remind services whose return is missing, was rejected or has errors.

    The reminder lists the problems found in what they sent; a service still missing its return
    gets a fresh copy of its template when one is in the templates folder. A service already
    reminded today is skipped unless --resend. Exits 1 when any reminder could not be sent.
    """
    transport = _transport(outbox, smtp_server)
    plan, returns, states = _states(plan_path, period, db_url)
    services = _for_department(plan, department, services)
    folder = templates_dir or WORKBOOKS / period.id / "templates"
    sender = _sender(plan, smtp=bool(smtp_server))
    wanted = {s.name for s in mail.chosen_services(plan, list(services))}
    if not any(s.state in (MISSING, REJECTED, WITH_ERRORS) for s in states if s.service.name in wanted):
        which = "Every" if not services else "That"
        console().print(f"{which} {period.label} return is in and clean; nobody to remind.")
        raise SystemExit(0)
    err = console(stderr=True)
    with transport, progress_bar(err, "Sending reminders") as progress:
        run = chase(plan, period, states, transport, db_url, templates_folder=folder, sender=sender, resend=resend,
                    only=list(services), progress=progress)
    _finish(run, f"{period.label} reminders")


COMMANDS = [send, status, chase_cmd]
