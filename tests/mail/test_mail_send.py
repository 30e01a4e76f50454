"""`xlplan send`: templates emailed to each service manager, drafted to an outbox or sent over SMTP."""

from __future__ import annotations

import email
import email.policy

import pytest

from builders import SERVICES, build_plan
from mail_helpers import Handler, Login, attachments, self_signed, smtp_server, write_templates
from xlplan.mail import log as mail_log
from xlplan.errors import XlplanError
from xlplan.mail.transport import parse_server
from xlplan.mail import (Outbox, Sender, SmtpTransport, find_sender,
        send_templates)
from xlplan.periods import Period
from xlplan.plan import read_plan

P = Period.parse("2023-24-Q2")
NAMES = [s["Service"] for s in SERVICES]


@pytest.fixture
def setup(tmp_path, db_url):
    """A plan, its templates and a store (SQLite, then a PostgreSQL database: the record of what was
    sent is kept in the store)."""
    plan = read_plan(build_plan(tmp_path / "plan.xlsx"))
    folder = tmp_path / "templates"
    paths = write_templates(folder, P, NAMES)
    return plan, folder, paths, db_url


@pytest.fixture
def server():
    handler = Handler()
    controller = smtp_server(handler)
    yield handler, f"127.0.0.1:{controller.port}"
    controller.stop()


def test_smtp_delivers_one_message_per_manager_with_its_template(setup, server):
    plan, folder, paths, db = setup
    handler, address = server
    with SmtpTransport(address, environ={}) as smtp:
        run = send_templates(plan, P, folder, smtp, db, sender=find_sender(plan, environ={}))
    assert [(o.service, o.result) for o in run.outcomes] == [(n, "sent") for n in NAMES]
    got = {r.rcpt_tos[0]: r for r in handler.received}
    assert sorted(got) == ["alex@anytown.gov.uk", "sam@anytown.gov.uk"]
    alex = got["alex@anytown.gov.uk"]
    assert alex.mail_from == "pat.officer@anytown.gov.uk"
    assert alex.message["Subject"] == ("2023-24 Quarter 2 performance return: Children and Justice "
                                       "(due Saturday 21 October 2023)")
    assert alex.message["To"] == "Alex Manager <alex@anytown.gov.uk>"
    assert attachments(alex.message) == {paths["Children and Justice"].name: paths["Children and Justice"].read_bytes()}
    text = alex.message.get_body(("plain",)).get_content()
    assert "April 2023 – September 2023, cumulative" in text and "Pat Officer" in text
    assert alex.message.get_body(("html",)) is not None


def test_second_send_does_not_send_again_unless_resend(setup, server):
    plan, folder, paths, db = setup
    handler, address = server
    with SmtpTransport(address, environ={}) as smtp:
        send_templates(plan, P, folder, smtp, db, sender=find_sender(plan, environ={}))
        again = send_templates(plan, P, folder, smtp, db, sender=find_sender(plan, environ={}))
        assert [(o.result, o.issue.code) for o in again.outcomes] == [("skipped", "mail.already-sent")] * 2
        assert len(handler.received) == 2
        resent = send_templates(plan, P, folder, smtp, db, sender=find_sender(plan, environ={}), resend=True)
    assert [o.result for o in resent.outcomes] == ["sent", "sent"]
    assert len(handler.received) == 4
    assert [r.outcome for r in mail_log.history(db, P.id)] == ["sent"] * 4


def test_refused_recipient_is_reported_and_the_others_are_delivered(setup, server):
    plan, folder, paths, db = setup
    handler, address = server
    handler.refuse.add("alex@anytown.gov.uk")
    told = []
    with SmtpTransport(address, environ={}) as smtp:
        run = send_templates(plan, P, folder, smtp, db, sender=find_sender(plan, environ={}),
                             progress=lambda *done: told.append(done))
    assert told == [(1, 2, "Children and Justice"), (2, 2, "Adult and Older People")]    # the failed one too
    assert [(o.service, o.result) for o in run.outcomes] == [("Children and Justice", "failed"),
                                                            ("Adult and Older People", "sent")]
    assert [(i.code, i.key) for i in run.report] == [("mail.refused", "Children and Justice")]
    assert "550" in run.report.issues[0].message
    assert [r.rcpt_tos for r in handler.received] == [["sam@anytown.gov.uk"]]
    # the failure is not a send: the next run tries the refused service again and skips the other
    handler.refuse.clear()
    told.clear()
    with SmtpTransport(address, environ={}) as smtp:
        again = send_templates(plan, P, folder, smtp, db, sender=find_sender(plan, environ={}),
                               progress=lambda *done: told.append(done))
    assert [o.result for o in again.outcomes] == ["sent", "skipped"]
    assert told == [(1, 2, "Children and Justice"), (2, 2, "Adult and Older People")]    # the skipped one too


def test_missing_template_and_bad_address_are_per_service(tmp_path, server):
    handler, address = server
    services = [dict(SERVICES[0], Email="alex at anytown"), SERVICES[1]]
    plan = read_plan(build_plan(tmp_path / "plan.xlsx", services=services))
    folder = tmp_path / "templates"
    write_templates(folder, P, ["Children and Justice"])       # none for Adult and Older People
    db = f"sqlite:///{tmp_path / 'x.db'}"
    with SmtpTransport(address, environ={}) as smtp:
        run = send_templates(plan, P, folder, smtp, db, sender=Sender("perf@anytown.gov.uk"))
    assert [(i.code, i.key) for i in run.report] == [("mail.bad-address", "Children and Justice"),
                                                     ("mail.no-template", "Adult and Older People")]
    assert run.report.issues[0].sheet == "Services" and run.report.issues[0].row == 2
    assert handler.received == []


def test_outbox_drafts_parse_back_with_the_attachment(setup):
    plan, folder, paths, db = setup
    outbox = setup[1].parent / "outbox"
    with Outbox(outbox) as drafts:
        run = send_templates(plan, P, folder, drafts, db, sender=None)
    assert [o.result for o in run.outcomes] == ["drafted", "drafted"]
    files = sorted(outbox.glob("*.eml"))
    assert [f.name for f in files] == sorted(p.with_suffix(".eml").name for p in paths.values())
    for f in files:
        msg = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        assert msg["X-Unsent"] == "1"
        assert msg["From"] is None              # Outlook fills in the officer's own account
        service = next(n for n in NAMES if n in msg["Subject"])
        assert attachments(msg) == {paths[service].name: paths[service].read_bytes()}


def test_html_body_escapes_plan_text(tmp_path):
    services = [dict(SERVICES[0], Manager="<b>Alex</b> & Co"), SERVICES[1]]
    plan = read_plan(build_plan(tmp_path / "plan.xlsx", services=services))
    folder = tmp_path / "t"
    write_templates(folder, P, NAMES)
    with Outbox(tmp_path / "out") as drafts:
        send_templates(plan, P, folder, drafts, f"sqlite:///{tmp_path / 'x.db'}")
    raw = next((tmp_path / "out").glob("*Children*.eml")).read_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    html = msg.get_body(("html",)).get_content()
    assert "&lt;b&gt;Alex&lt;/b&gt; &amp; Co" in html and "<b>Alex</b>" not in html


def test_login_uses_environment_and_never_shows_the_password(setup):
    plan, folder, paths, db = setup
    handler, login = Handler(), Login("perfteam", "s3cret-Pa55")
    controller = smtp_server(handler, login)
    try:
        env = {"XLPLAN_SMTP_USER": "perfteam", "XLPLAN_SMTP_PASSWORD": "s3cret-Pa55"}
        with SmtpTransport(f"127.0.0.1:{controller.port}", environ=env) as smtp:
            run = send_templates(plan, P, folder, smtp, db, sender=find_sender(plan, environ={}))
        assert [o.result for o in run.outcomes] == ["sent", "sent"] and login.tried == ["perfteam"]
        bad = {"XLPLAN_SMTP_USER": "perfteam", "XLPLAN_SMTP_PASSWORD": "wrong-Pa55"}
        with pytest.raises(XlplanError) as e, SmtpTransport(f"127.0.0.1:{controller.port}", environ=bad) as smtp:
            send_templates(plan, P, folder, smtp, db, sender=find_sender(plan, environ={}), resend=True)
        assert "perfteam" in str(e.value) and "wrong-Pa55" not in str(e.value)
    finally:
        controller.stop()
    logged = " ".join(str(r) for r in mail_log.history(db, P.id))
    assert "s3cret" not in logged and "wrong-Pa55" not in logged


def test_unreachable_server_stops_with_a_clear_error(setup):
    plan, folder, paths, db = setup
    from mail_helpers import free_port
    with pytest.raises(XlplanError, match="Could not connect to the mail server 127.0.0.1"):
        with SmtpTransport(f"127.0.0.1:{free_port()}", environ={}, timeout=5) as smtp:
            send_templates(plan, P, folder, smtp, db, sender=Sender("perf@anytown.gov.uk"))


@pytest.mark.parametrize("text,expected", [("smtp.council.gov.uk:587", ("smtp.council.gov.uk", 587)),
                                           ("relay", ("relay", 25)), ("[::1]:2525", ("::1", 2525))])
def test_parse_server(text, expected):
    assert parse_server(text) == expected


def test_parse_server_rejects_nonsense():
    with pytest.raises(XlplanError, match="HOST:PORT"):
        parse_server("smtp host:abc")


def test_sender_from_environment_settings_or_contact(tmp_path):
    plan = read_plan(build_plan(tmp_path / "plan.xlsx"))
    assert find_sender(plan, environ={}) == Sender("pat.officer@anytown.gov.uk", "Pat Officer")
    assert find_sender(plan, environ={"XLPLAN_MAIL_FROM": "Perf Team <perf@anytown.gov.uk>"}) == \
        Sender("perf@anytown.gov.uk", "Perf Team")
    with pytest.raises(XlplanError, match="does not look like an email address"):
        find_sender(plan, environ={"XLPLAN_MAIL_FROM": "nobody"})


def test_starttls_is_used_when_the_server_offers_it(setup, tmp_path):
    plan, folder, paths, db = setup
    server_ctx, client_ctx = self_signed(tmp_path)
    handler, login = Handler(), Login("perfteam", "s3cret-Pa55")
    controller = smtp_server(handler, login, tls_context=server_ctx)
    try:
        env = {"XLPLAN_SMTP_USER": "perfteam", "XLPLAN_SMTP_PASSWORD": "s3cret-Pa55"}
        with SmtpTransport(f"127.0.0.1:{controller.port}", environ=env, ssl_context=client_ctx) as smtp:
            run = send_templates(plan, P, folder, smtp, db, sender=Sender("perf@anytown.gov.uk"))
            assert smtp.encrypted
    finally:
        controller.stop()
    assert [o.result for o in run.outcomes] == ["sent", "sent"]
    assert [r.tls for r in handler.received] == [True, True] and login.tried == ["perfteam"]


def test_password_is_not_sent_unencrypted_when_the_server_offers_no_starttls(setup):
    plan, folder, paths, db = setup
    handler, login = Handler(), Login("perfteam", "s3cret-Pa55")
    controller = smtp_server(handler, login)                  # no tls_context: no STARTTLS offered
    try:
        env = {"XLPLAN_SMTP_USER": "perfteam", "XLPLAN_SMTP_PASSWORD": "s3cret-Pa55"}
        with pytest.raises(XlplanError, match="does not offer STARTTLS") as e, \
                SmtpTransport(f"127.0.0.1:{controller.port}", environ=env, allow_plain_login=False) as smtp:
            send_templates(plan, P, folder, smtp, db, sender=Sender("perf@anytown.gov.uk"))
    finally:
        controller.stop()
    assert login.tried == [] and handler.received == [] and "s3cret" not in str(e.value)
    assert SmtpTransport("smtp.council.gov.uk:587", environ={}).allow_plain_login is False
    assert SmtpTransport("localhost:25", environ={}).allow_plain_login is True


def test_several_addresses_in_one_email_cell_all_receive_it(tmp_path, server):
    handler, address = server
    services = [dict(SERVICES[0], Email="alex@anytown.gov.uk; deputy@anytown.gov.uk"), SERVICES[1]]
    plan = read_plan(build_plan(tmp_path / "plan.xlsx", services=services))
    folder = tmp_path / "t"
    write_templates(folder, P, NAMES)
    with SmtpTransport(address, environ={}) as smtp:
        run = send_templates(plan, P, folder, smtp, f"sqlite:///{tmp_path / 'x.db'}", sender=Sender("p@anytown.gov.uk"))
    assert [o.result for o in run.outcomes] == ["sent", "sent"]
    assert sorted(r.rcpt_tos for r in handler.received) == [["alex@anytown.gov.uk", "deputy@anytown.gov.uk"],
                                                            ["sam@anytown.gov.uk"]]


def test_a_dropped_connection_fails_that_service_and_the_next_one_reconnects(tmp_path, server):
    handler, address = server
    services = [*SERVICES, {"Service": "Housing", "Manager": "Kim Manager", "Email": "kim@anytown.gov.uk"}]
    from builders import measure
    plan = read_plan(build_plan(tmp_path / "plan.xlsx", services=services,
                                measures=[measure("SW01"), measure("SW02", Service="Adult and Older People"),
                                          measure("H01", Service="Housing")]))
    folder = tmp_path / "t"
    write_templates(folder, P, [*NAMES, "Housing"])
    handler.hang_up_on.add("alex@anytown.gov.uk")
    with SmtpTransport(address, environ={}) as smtp:
        run = send_templates(plan, P, folder, smtp, f"sqlite:///{tmp_path / 'x.db'}", sender=Sender("p@anytown.gov.uk"))
    assert [(o.service, o.result) for o in run.outcomes] == [
        ("Children and Justice", "failed"), ("Adult and Older People", "sent"), ("Housing", "sent")]
    assert "421" in run.report.issues[0].message
    assert sorted(r.rcpt_tos[0] for r in handler.received) == ["kim@anytown.gov.uk", "sam@anytown.gov.uk"]
