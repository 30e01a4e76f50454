"""Who has returned: each service's template email, its return and its reminders, and the chase.

`service_states` joins three things for one period: the plan's services that have a return, the
mail log (when the template went out, when they were last reminded) and what collect stored about
the returned files (`store.returns_for`, `ReturnRecord`). `xlplan status` prints the states;
`chase` emails a reminder to every service whose return is missing, was rejected, or was
accepted with errors, listing the problems collect found in what they sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from xlplan.mail import log as mail_log
from xlplan.errors import MAIL_ALREADY_REMINDED, Issue, issue
from xlplan.contract.layout import template_filename
from xlplan.mail.send import MailRun, Outcome, Sender, chosen_services, compose, deliver_one
from xlplan.periods import Period
from xlplan.progress import Progress, told
from xlplan.plan import Plan, Service
from xlplan.store import ReturnRecord

ACCEPTED = "accepted"
WITH_ERRORS = "with errors"
REJECTED = "rejected"
MISSING = "missing"
TO_CHASE = (MISSING, REJECTED, WITH_ERRORS)
MAX_PROBLEMS = 20          # problems listed in one reminder; the rest are counted


@dataclass
class ServiceState:
    service: Service
    state: str                                   # accepted | with errors | rejected | missing
    deadline: date | None
    sent: mail_log.MailRecord | None = None      # the template email (latest delivered)
    reminded: mail_log.MailRecord | None = None  # the latest reminder delivered
    send_failed: mail_log.MailRecord | None = None  # the latest failed attempt, when nothing was delivered
    latest: ReturnRecord | None = None           # the return that decides the state
    problems: list[str] = field(default_factory=list)
    late: bool = False                           # received after the deadline, or still not in after it

    @property
    def clean(self) -> bool:
        return self.state == ACCEPTED

    @property
    def received(self) -> datetime | None:
        """When the deciding return was received, in local time (the store keeps UTC)."""
        return local_time(self.latest.received) if self.latest else None


def local_time(utc: datetime) -> datetime:
    """A naive UTC time from the store as a naive local time, as the officer's clock shows it."""
    return utc.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)


def service_states(plan: Plan, period: Period, returns: list[ReturnRecord], db_url: str,
                   issues: list[Issue] | None = None, today: date | None = None) -> list[ServiceState]:
    """One state per service that has a return, in plan order.

    `issues` are collect's issues for the period (`PeriodResults.issues`): the errors in a service's
    returned file become its `problems`. A later accepted return wins over an earlier rejection.
    """
    today = today or date.today()
    deadline = plan.settings.deadline_for(period)
    sent = mail_log.last_delivered(db_url, period.id, mail_log.TEMPLATE)
    reminded = mail_log.last_delivered(db_url, period.id, mail_log.REMINDER)
    failed = {r.service.casefold(): r for r in mail_log.history(db_url, period.id, mail_log.TEMPLATE)
              if r.outcome == mail_log.FAILED}
    states = []
    for service in plan.services_with_returns():
        key = service.name.casefold()
        mine = [r for r in returns if r.service and r.service.casefold() == key]
        state, latest = _decide(mine)
        problems = _problems(latest, issues or []) if state in (REJECTED, WITH_ERRORS) else []
        if latest is not None and state != REJECTED:
            late = deadline is not None and local_time(latest.received).date() > deadline
        else:
            late = deadline is not None and today > deadline
        states.append(ServiceState(service, state, deadline, sent=sent.get(key), reminded=reminded.get(key),
                                   send_failed=None if key in sent else failed.get(key), latest=latest,
                                   problems=problems, late=late))
    return states


def unmatched_returns(returns: list[ReturnRecord]) -> list[ReturnRecord]:
    """Files collect could not tie to any service (the officer has to look at these by hand)."""
    return [r for r in returns if not r.service and r.outcome == REJECTED]


def _decide(records: list[ReturnRecord]) -> tuple[str, ReturnRecord | None]:
    accepted = [r for r in records if r.outcome == ACCEPTED]
    if accepted:
        best = max(accepted, key=lambda r: r.received)
        return (WITH_ERRORS if best.errors else ACCEPTED), best
    rejected = [r for r in records if r.outcome == REJECTED]
    if rejected:
        return REJECTED, max(rejected, key=lambda r: r.received)
    return MISSING, None


def _problems(record: ReturnRecord | None, issues: list[Issue]) -> list[str]:
    """The rejection reasons and the error messages collect recorded for this file, each once."""
    if record is None:
        return []
    found: list[str] = []
    for text in [*record.reasons,
                 *(_with_place(i) for i in issues if i.is_error and i.file == record.file)]:
        if text not in found:
            found.append(text)
    return found


def _with_place(i: Issue) -> str:
    """`Measures sheet, cell M7: …` — where to look, in a manager's words."""
    if i.sheet and i.cell:
        where = f"{i.sheet} sheet, cell {i.cell}"
    elif i.sheet and i.row:
        where = f"{i.sheet} sheet, row {i.row}"
    else:
        where = f"{i.sheet} sheet" if i.sheet else ""
    return f"{where}: {i.message}" if where else i.message


# --- chase ---------------------------------------------------------------------------------------

def chase(plan: Plan, period: Period, states: list[ServiceState], transport, db_url: str, *,
          templates_folder: str | Path | None = None, sender: Sender | None = None,
          email_templates: str | Path | None = None, today: date | None = None, resend: bool = False,
          only: list[str] | None = None, now=datetime.now,
          progress: Progress | None = None) -> MailRun:
    """Remind every service in `states` whose return is missing, rejected or has errors;
    `progress(done, total, service)` is told of each.

    A service still missing its return gets a fresh copy of its template attached when one is in
    `templates_folder`. A service already reminded today is skipped unless `resend`. Each reminder
    is recorded in the mail log; failures are per service.
    """
    today = today or date.today()
    run = MailRun()
    wanted = {s.name for s in chosen_services(plan, only)}
    due = [st for st in states if st.state in TO_CHASE and st.service.name in wanted]
    for st in told(due, progress, name=lambda st: st.service.name):
        if st.reminded is not None and st.reminded.at.date() == now().date() and not resend:
            note = issue(MAIL_ALREADY_REMINDED, key=st.service.name, how=st.reminded.how,
                         when=f"{st.reminded.at:%H:%M}")
            run.outcomes.append(Outcome(st.service.name, st.reminded.recipient, "skipped", via=st.reminded.via,
                                        detail=f"already reminded today at {st.reminded.at:%H:%M}", issue=note))
            continue
        attachment = None
        if st.state == MISSING and templates_folder is not None:
            candidate = Path(templates_folder) / template_filename(period, st.service.name)
            attachment = candidate if candidate.is_file() else None
        problems = st.problems[:MAX_PROBLEMS]
        if len(st.problems) > MAX_PROBLEMS:
            problems.append(f"… and {len(st.problems) - MAX_PROBLEMS} more problems")
        extra = {"state": {REJECTED: "rejected", WITH_ERRORS: "errors"}.get(st.state, "missing"),
                 "problems": problems, "overdue": bool(st.deadline and today > st.deadline),
                 "received": f"{st.received:%d/%m/%Y}" if st.received else "",
                 "file": st.latest.file if st.latest else ""}

        def factory(st=st, attachment=attachment, extra=extra):
            return compose("reminder", plan, period, st.service, sender=sender, attachment=attachment,
                           templates_dir=email_templates, **extra)

        name = f"{period.id} {st.service.name} reminder {now():%Y-%m-%d}"
        run.outcomes.append(deliver_one(transport, db_url, plan, period, st.service, mail_log.REMINDER, factory,
                                        name=_safe(name), attachment=attachment, now=now))
    return run


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in " -_&,()" else "-" for ch in name).strip()
