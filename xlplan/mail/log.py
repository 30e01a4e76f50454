"""The record of emails xlplan has sent or drafted: to whom, what, when and how it went.

One table, `mail_log`, in the store database (the same `--db` URL as collect's store), created on
first use with SQLAlchemy Core. `send` reads it so that a second run does not send a template
again; `status` reads it to show when each service's template went out and when it was chased.
Passwords and server credentials are never written here.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from xlplan.errors import XlplanError
from xlplan.store.paths import shown_url

TEMPLATE = "template"      # kind: the return template email (`xlplan send`)
REMINDER = "reminder"      # kind: a reminder (`xlplan chase`)

SENT = "sent"              # outcome: delivered to the SMTP server
DRAFTED = "drafted"        # outcome: written as an .eml draft to the outbox folder
FAILED = "failed"          # outcome: refused or not sent; `detail` says why

metadata = sa.MetaData()

mail_log = sa.Table(
    "mail_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("period", sa.String(16), nullable=False, index=True),
    sa.Column("service", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(500), nullable=False),
    sa.Column("attachment", sa.String(500), nullable=True),
    sa.Column("attachment_sha256", sa.String(64), nullable=True),
    sa.Column("via", sa.String(200), nullable=False),        # "smtp host:port" or the outbox .eml path
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("message_id", sa.String(300), nullable=True),
    sa.Column("at", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class MailRecord:
    period: str
    service: str
    kind: str
    recipient: str
    subject: str
    via: str
    outcome: str
    at: datetime
    attachment: str | None = None
    attachment_sha256: str | None = None
    detail: str | None = None
    message_id: str | None = None

    @property
    def delivered(self) -> bool:
        """Sent or drafted: handed over to the mail system (a failure is not)."""
        return self.outcome in (SENT, DRAFTED)

    @property
    def how(self) -> str:
        """`sent by email` / `drafted to the outbox` for messages to people."""
        return {SENT: "sent by email", DRAFTED: "drafted to the outbox"}.get(self.outcome, "not sent")


@contextmanager
def connect(db_url: str):
    """`with connect(url) as conn:` — one transaction on the store with the mail table created (and
    the folder of a SQLite file). The engine is disposed afterwards: nothing stays open on a file
    that may be moved or deleted between commands."""
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    eng = sa.create_engine(url)
    try:
        with eng.begin() as conn:
            metadata.create_all(conn)
            yield conn
    except sa.exc.OperationalError as e:
        raise XlplanError(f"The store {shown_url(db_url)} could not be used for the mail log: {e.orig or e}") from None
    finally:
        eng.dispose()


def record(db_url: str, rec: MailRecord) -> None:
    with connect(db_url) as conn:
        conn.execute(mail_log.insert().values(
            period=rec.period, service=rec.service, kind=rec.kind, recipient=rec.recipient,
            subject=rec.subject, attachment=rec.attachment, attachment_sha256=rec.attachment_sha256,
            via=rec.via, outcome=rec.outcome, detail=rec.detail, message_id=rec.message_id, at=rec.at))


def history(db_url: str, period: str, kind: str | None = None) -> list[MailRecord]:
    """Every record for `period` (optionally one kind), oldest first."""
    q = sa.select(mail_log).where(mail_log.c.period == period)
    if kind:
        q = q.where(mail_log.c.kind == kind)
    q = q.order_by(mail_log.c.at, mail_log.c.id)
    with connect(db_url) as conn:
        rows = conn.execute(q).mappings().all()
    return [MailRecord(**{k: v for k, v in r.items() if k != "id"}) for r in rows]


def last_delivered(db_url: str, period: str, kind: str) -> dict[str, MailRecord]:
    """Service (casefolded) → the latest sent-or-drafted message of `kind` for `period`."""
    latest: dict[str, MailRecord] = {}
    for rec in history(db_url, period, kind):
        if rec.delivered:
            latest[rec.service.casefold()] = rec
    return latest
