"""`xlplan status` and `xlplan chase`: who has returned, and reminders listing what was wrong.

Returns are real templates (xlplan.templates.build) filled in with openpyxl and read by the real collect.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from builders import SERVICES, build_plan
from mail_helpers import Handler, attachments, fill_return, smtp_server
from xlplan.mail import log as mail_log
from xlplan import store
from xlplan.collect import collect
from xlplan.mail import Outbox, Sender, SmtpTransport
from xlplan.mail.status import (ACCEPTED, MISSING, REJECTED, WITH_ERRORS, chase, service_states,
        unmatched_returns)
from xlplan.periods import Period
from xlplan.plan import read_plan
from xlplan.store import ReturnRecord
from xlplan.templates.build import write_templates

P = Period.parse("2023-24-Q2")            # deadline: 21 days after 30 September 2023
ON_TIME = datetime(2023, 10, 16, 9, 30).timestamp()
LATE = datetime(2023, 10, 27, 9, 30).timestamp()
CJ, AOP = (s["Service"] for s in SERVICES)
SENDER = Sender("perf@anytown.gov.uk", "Performance Team")


@pytest.fixture
def quarter(tmp_path, db_url):
    plan_path = build_plan(tmp_path / "plan.xlsx")
    plan = read_plan(plan_path)
    templates = {p.name: p for p in write_templates(plan, P, tmp_path / "templates", plan_path=plan_path)}
    return plan_path, plan, tmp_path / "templates", templates, db_url


def _collect(quarter, returns_dir):
    plan_path, plan, _, _, db = quarter
    collect(plan_path, P, returns_dir, db)
    results = store.load_results(db, plan, P)
    return results


def _template(quarter, service):
    return next(p for name, p in quarter[3].items() if service in name)


def test_states_from_collected_returns(quarter, tmp_path):
    plan_path, plan, folder, templates, db = quarter
    returns = tmp_path / "returns"
    fill_return(_template(quarter, CJ), returns / _template(quarter, CJ).name, 0.8, mtime=ON_TIME)
    fill_return(_template(quarter, AOP), returns / _template(quarter, AOP).name, "lots", mtime=LATE)
    (returns / "notes.xlsx").write_bytes(b"not a workbook")
    results = _collect(quarter, returns)

    states = service_states(plan, P, results.returns, db, issues=results.issues, today=date(2023, 11, 1))
    assert [(s.service.name, s.state, s.late) for s in states] == [(CJ, ACCEPTED, False), (AOP, WITH_ERRORS, True)]
    assert [p.split(":")[0] for p in states[1].problems] == ["Measures sheet, cell M7"]
    assert "'lots'" in states[1].problems[0]
    assert [r.file for r in unmatched_returns(results.returns)] == ["notes.xlsx"]


def test_missing_return_is_late_only_after_the_deadline(quarter, tmp_path):
    plan_path, plan, folder, templates, db = quarter
    returns = tmp_path / "returns"
    fill_return(_template(quarter, CJ), returns / _template(quarter, CJ).name, 0.8, mtime=ON_TIME)
    results = _collect(quarter, returns)
    before = service_states(plan, P, results.returns, db, today=date(2023, 10, 21))
    after = service_states(plan, P, results.returns, db, today=date(2023, 10, 22))
    assert [(s.state, s.late) for s in before] == [(ACCEPTED, False), (MISSING, False)]
    assert [(s.state, s.late) for s in after] == [(ACCEPTED, False), (MISSING, True)]


def _record(service, outcome, day, errors=0, reasons=()):
    return ReturnRecord(service=service, file=f"{service} {day}.xlsx", sha256=f"{day:0>64}",
                        received=datetime(2023, 10, day, 12), outcome=outcome, reasons=list(reasons), errors=errors)


def test_rejected_then_accepted_counts_as_accepted(quarter):
    plan, db = quarter[1], quarter[4]
    records = [_record(CJ, REJECTED, 10, 1, ["it was for 2023-24-Q1"]), _record(CJ, ACCEPTED, 12),
               _record(AOP, REJECTED, 11, 1, ["its protected cells were changed"])]
    states = service_states(plan, P, records, db, today=date(2023, 10, 20))
    assert [(s.state, s.latest.file if s.latest else None) for s in states] == [
        (ACCEPTED, f"{CJ} 12.xlsx"), (REJECTED, f"{AOP} 11.xlsx")]
    assert states[1].problems == ["its protected cells were changed"]


def test_chase_reminds_missing_and_faulty_returns_only(quarter, tmp_path):
    plan_path, plan, folder, templates, db = quarter
    returns = tmp_path / "returns"
    fill_return(_template(quarter, AOP), returns / _template(quarter, AOP).name, "lots", mtime=ON_TIME)
    results = _collect(quarter, returns)
    handler = Handler()
    controller = smtp_server(handler)
    try:
        states = service_states(plan, P, results.returns, db, issues=results.issues, today=date(2023, 10, 25))
        with SmtpTransport(f"127.0.0.1:{controller.port}", environ={}) as smtp:
            told = []
            run = chase(plan, P, states, smtp, db, templates_folder=folder, sender=SENDER, today=date(2023, 10, 25),
                        progress=lambda *done: told.append(done))
    finally:
        controller.stop()
    assert [(o.service, o.result) for o in run.outcomes] == [(CJ, "sent"), (AOP, "sent")]
    assert told == [(1, 2, CJ), (2, 2, AOP)]
    got = {r.rcpt_tos[0]: r.message for r in handler.received}
    missing, faulty = got["alex@anytown.gov.uk"], got["sam@anytown.gov.uk"]
    assert missing["Subject"] == "Reminder: 2023-24 Quarter 2 performance return for Children and Justice is overdue"
    cj = _template(quarter, CJ)
    assert attachments(missing) == {cj.name: cj.read_bytes()}     # a fresh copy of the template
    assert faulty["Subject"] == "Please correct: 2023-24 Quarter 2 performance return for Adult and Older People"
    assert attachments(faulty) == {}
    text = faulty.get_body(("plain",)).get_content()
    assert "Measures sheet, cell M7: SW02: 'lots'" in text
    assert "Measures sheet, cell M7" in faulty.get_body(("html",)).get_content()
    assert [(r.service, r.kind) for r in mail_log.history(db, P.id, mail_log.REMINDER)] == [
        (CJ, "reminder"), (AOP, "reminder")]


def test_chase_problem_text_is_escaped_in_html(quarter, tmp_path):
    plan, db = quarter[1], quarter[4]
    records = [_record(CJ, ACCEPTED, 12), _record(AOP, REJECTED, 11, 1, ["<script>x</script> & more"])]
    states = service_states(plan, P, records, db, today=date(2023, 10, 20))
    with Outbox(tmp_path / "out") as drafts:
        run = chase(plan, P, states, drafts, db, sender=SENDER, today=date(2023, 10, 20))
    assert [o.service for o in run.outcomes] == [AOP]
    import email
    import email.policy
    msg = email.message_from_bytes(next((tmp_path / "out").glob("*.eml")).read_bytes(), policy=email.policy.default)
    html = msg.get_body(("html",)).get_content()
    assert "&lt;script&gt;x&lt;/script&gt; &amp; more" in html and "<script>" not in html
    assert "<script>x</script> & more" in msg.get_body(("plain",)).get_content()


def test_chase_twice_in_a_day_does_not_remind_twice_unless_resend(quarter, tmp_path):
    plan, db = quarter[1], quarter[4]
    states = lambda: service_states(plan, P, [_record(CJ, ACCEPTED, 12)], db, today=date(2023, 10, 25))  # noqa: E731
    with Outbox(tmp_path / "out") as drafts:
        first = chase(plan, P, states(), drafts, db, sender=SENDER)
        second = chase(plan, P, states(), drafts, db, sender=SENDER)
        third = chase(plan, P, states(), drafts, db, sender=SENDER, resend=True)
    assert [(o.service, o.result) for o in first.outcomes] == [(AOP, "drafted")]
    assert [(o.result, o.issue.code) for o in second.outcomes] == [("skipped", "mail.already-reminded")]
    assert [o.result for o in third.outcomes] == ["drafted"]
    assert len(mail_log.history(db, P.id, mail_log.REMINDER)) == 2
