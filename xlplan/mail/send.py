"""Email the return templates to service managers (reminders: xlplan/mail/status.py).

Messages are composed from the user-editable Jinja2 templates under `templates/email/` (subject,
plain text and HTML bodies; the HTML autoescapes, so text from a plan or a return is never
markup) and handed to a transport: `Outbox` writes `.eml` drafts that Outlook and Thunderbird
open as unsent messages, `SmtpTransport` sends them (STARTTLS whenever the server offers it;
user name and password only from the environment; both in xlplan/mail/transport.py). Every attempt is recorded in the store's
`mail_log` table (xlplan/mail/log.py), so a second `send` does not send a template twice.

A problem with one service (no template, a bad address, a refused message) is an Issue for that
service and never stops the others; only a failure that stops everything (the mail server cannot
be reached, no From address for SMTP) raises XlplanError.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

from xlplan.mail import log as mail_log
from xlplan.errors import (
    MAIL_ALREADY_SENT, MAIL_BAD_ADDRESS, MAIL_FAILED, MAIL_NO_ADDRESS, MAIL_NO_TEMPLATE, MAIL_REFUSED, Issue,
    Report, XlplanError, issue, suggestion,
)
from xlplan.contract.layout import template_filename
from xlplan.periods import Period
from xlplan.plan import Plan, Service
from xlplan.mail.transport import DeliveryError
from xlplan.progress import Progress, told
from xlplan.resources import jinja_env

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ENV_FROM = "XLPLAN_MAIL_FROM"
FROM_SETTINGS = ("Email from", "Send from", "From")   # optional Settings rows naming the sender
_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_FIND_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


# --- addresses -----------------------------------------------------------------------------------

def split_addresses(cell: str) -> list[str]:
    """The addresses in a Services Email cell: one, or several separated by ; or , (a deputy too)."""
    return [a.strip() for a in re.split(r"[;,\s]+", cell or "") if a.strip()]


def is_address(text: str) -> bool:
    return bool(_ADDRESS.match(text))


@dataclass(frozen=True)
class Sender:
    address: str
    name: str = ""

    @property
    def header(self) -> str:
        return formataddr((_one_line(self.name), self.address)) if self.name else self.address


def find_sender(plan: Plan, environ=os.environ) -> Sender | None:
    """Who the emails come from: $XLPLAN_MAIL_FROM, a Settings row 'Email from', else the address
    in the plan's Contact setting (named by the text before it)."""
    raw = environ.get(ENV_FROM, "").strip()
    if not raw:
        extra = {k.strip().casefold(): v for k, v in plan.settings.extra.items()}
        raw = next((extra[k.casefold()] for k in FROM_SETTINGS if extra.get(k.casefold())), "")
    if raw:
        name, address = parseaddr(raw)
        if is_address(address):
            return Sender(address, name)
        raise XlplanError(f"The From address '{raw}' does not look like an email address; "
                          f"set {ENV_FROM} or the 'Email from' setting to e.g. Performance Team <perf@council.gov.uk>")
    contact = plan.settings.contact or ""
    m = _FIND_ADDRESS.search(contact)
    if not m:
        return None
    name = contact[:m.start()].strip(" ,;:-<(")
    return Sender(m.group(0), name)


# --- composing -----------------------------------------------------------------------------------

def deadline_text(day: date | None) -> str:
    """`Friday 20 October 2023`, the way council emails write dates."""
    return f"{day:%A} {day.day} {day:%B %Y}" if day else ""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _context(plan: Plan, period: Period, service: Service, sender: Sender | None, **extra) -> dict:
    s = plan.settings
    return {
        "organisation": s.organisation, "plan_title": s.plan, "committee": s.committee,
        "contact": s.contact, "period": period, "deadline": deadline_text(s.deadline_for(period)),
        "service": service.name, "manager": _one_line(service.manager),
        "measures": len(plan.measures_for(service.name)), "actions": len(plan.actions_for(service.name)),
        "sender_name": sender.name if sender else "", "sender_address": sender.address if sender else "",
        **extra,
    }


def compose(kind: str, plan: Plan, period: Period, service: Service, *, sender: Sender | None,
            attachment: Path | None = None, templates_dir: str | Path | None = None, **extra) -> EmailMessage:
    """The email of `kind` (template | reminder) to `service`'s manager, with `attachment` if given.

    Renders `email/<kind>_subject.txt.j2`, `<kind>_body.txt.j2` and `<kind>_body.html.j2` (HTML
    autoescaped); the subject is folded onto one line.
    """
    context = _context(plan, period, service, sender, attachment=attachment.name if attachment else "", **extra)
    text_env, html_env = jinja_env(templates_dir), jinja_env(templates_dir, autoescape=True)
    subject = _one_line(text_env.get_template(f"email/{kind}_subject.txt.j2").render(context))
    text = text_env.get_template(f"email/{kind}_body.txt.j2").render(context)
    html = html_env.get_template(f"email/{kind}_body.html.j2").render(context)

    msg = EmailMessage()
    msg["Subject"] = subject
    if sender:
        msg["From"] = sender.header
    msg["To"] = ", ".join(formataddr((_one_line(service.manager), a)) for a in split_addresses(service.email))
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.address.split("@")[1] if sender else "xlplan.invalid")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if attachment is not None:
        msg.add_attachment(attachment.read_bytes(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                           filename=attachment.name)
    return msg


# --- sending -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What happened for one service: sent, drafted, skipped (already sent) or failed."""

    service: str
    recipient: str
    result: str
    via: str = ""
    detail: str = ""
    issue: Issue | None = None


@dataclass
class MailRun:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def report(self) -> Report:
        return Report([o.issue for o in self.outcomes if o.issue is not None])

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result == mail_log.FAILED]

    def count(self, result: str) -> int:
        return sum(o.result == result for o in self.outcomes)


def chosen_services(plan: Plan, only: list[str] | None = None) -> list[Service]:
    """The services with a return, in plan order; only those named in `only` when given (names match
    ignoring case; XlplanError with a suggestion for a name that is not a service with a return)."""
    services = plan.services_with_returns()
    if not only:
        return services
    names = {s.name.casefold(): s for s in services}
    for name in only:
        if name.strip().casefold() not in names:
            raise XlplanError(f"'{name}' is not a service with a return in the plan"
                              f"{suggestion(name, [s.name for s in services])}; services: "
                              + ", ".join(s.name for s in services))
    wanted = {n.strip().casefold() for n in only}
    return [s for s in services if s.name.casefold() in wanted]


def check_address(service: Service) -> Issue | None:
    """An Issue when the service's Email cell is empty or holds something that is not an address."""
    addresses = split_addresses(service.email)
    if not addresses:
        return issue(MAIL_NO_ADDRESS, key=service.name, sheet="Services", row=service.row or None)
    bad = next((a for a in addresses if not is_address(a)), None)
    if bad is not None:
        return issue(MAIL_BAD_ADDRESS, key=service.name, sheet="Services", row=service.row or None,
                     value=service.email)
    return None


def deliver_one(transport, db_url: str, plan: Plan, period: Period, service: Service, kind: str,
                msg_factory, name: str, attachment: Path | None = None, now=datetime.now) -> Outcome:
    """Check the address, compose with `msg_factory()`, deliver and record one message."""
    problem = check_address(service)
    recipient = ", ".join(split_addresses(service.email))
    if problem is None:
        msg = msg_factory()
        subject = msg["Subject"]
        try:
            via = transport.deliver(msg, name)
        except DeliveryError as e:
            problem = issue(MAIL_REFUSED if e.refused else MAIL_FAILED, key=service.name, address=recipient,
                            reason=e.reason)
            via = getattr(transport, "label", str(getattr(transport, "folder", "")))
    else:
        subject, via, msg = "", "", None
    result = transport.outcome if problem is None else mail_log.FAILED
    mail_log.record(db_url, mail_log.MailRecord(
        period=period.id, service=service.name, kind=kind, recipient=recipient, subject=subject or "",
        via=via, outcome=result, at=now(), attachment=attachment.name if attachment else None,
        attachment_sha256=hashlib.sha256(attachment.read_bytes()).hexdigest() if attachment and msg else None,
        detail=problem.message if problem else None, message_id=msg["Message-ID"] if msg else None))
    return Outcome(service.name, recipient, result, via=via, detail=problem.message if problem else "",
                   issue=problem)


def send_templates(plan: Plan, period: Period, templates_folder: str | Path, transport, db_url: str, *,
                   resend: bool = False, sender: Sender | None = None, only: list[str] | None = None,
                   email_templates: str | Path | None = None, now=datetime.now,
                   progress: Progress | None = None) -> MailRun:
    """Email each service that has a return (or just those named in `only`) its template from
    `templates_folder`, one message each; `progress(done, total, service)` is told of each.

    A service whose template was already sent or drafted for `period` is skipped unless `resend`.
    """
    run = MailRun()
    previous = mail_log.last_delivered(db_url, period.id, mail_log.TEMPLATE)
    for service in told(chosen_services(plan, only), progress, name=lambda s: s.name):
        before = previous.get(service.name.casefold())
        if before is not None and not resend:
            note = issue(MAIL_ALREADY_SENT, key=service.name, how=before.how, when=f"{before.at:%d/%m/%Y %H:%M}")
            run.outcomes.append(Outcome(service.name, before.recipient, "skipped", via=before.via,
                                        detail=f"already {before.how} on {before.at:%d/%m/%Y %H:%M}", issue=note))
            continue
        path = Path(templates_folder) / template_filename(period, service.name)
        if not path.is_file():
            problem = issue(MAIL_NO_TEMPLATE, key=service.name, file=path.name, path=path, period=period.id)
            mail_log.record(db_url, mail_log.MailRecord(
                period=period.id, service=service.name, kind=mail_log.TEMPLATE,
                recipient=", ".join(split_addresses(service.email)), subject="", via="", outcome=mail_log.FAILED,
                at=now(), attachment=path.name, detail=problem.message))
            run.outcomes.append(Outcome(service.name, service.email, mail_log.FAILED, detail=problem.message,
                                        issue=problem))
            continue

        def factory(service=service, path=path):
            return compose("template", plan, period, service, sender=sender, attachment=path,
                           templates_dir=email_templates)

        run.outcomes.append(deliver_one(transport, db_url, plan, period, service, mail_log.TEMPLATE, factory,
                                        name=path.stem, attachment=path, now=now))
    return run
