"""A real SMTP server on loopback for mail tests, and small template workbooks to attach."""

from __future__ import annotations

import email
import email.policy
import socket
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from openpyxl import Workbook

from xlplan.contract.layout import template_filename
from xlplan.periods import Period


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    tls: bool = False               # the message came over a STARTTLS-encrypted session


@dataclass
class Handler:
    """Keeps every message; refuses RCPT TO for the addresses in `refuse`."""

    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    hang_up_on: set[str] = field(default_factory=set)   # answer DATA with 421 (server closing) once

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        hang_up = self.hang_up_on.intersection(envelope.rcpt_tos)
        if hang_up:
            self.hang_up_on -= hang_up
            return "421 4.3.0 Service shutting down"
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg, tls=session.ssl is not None))
        return "250 Message accepted for delivery"


class Login:
    """An authenticator accepting one user name and password; records what was tried."""

    def __init__(self, user: str, password: str):
        self.user, self.password, self.tried = user, password, []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.tried.append(auth_data.login.decode())
            ok = auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)


def smtp_server(handler: Handler, login: Login | None = None, tls_context=None) -> Controller:
    kwargs = {"authenticator": login, "auth_require_tls": False} if login else {}
    if tls_context is not None:
        kwargs["tls_context"] = tls_context     # the server offers STARTTLS
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


def write_templates(folder: Path, period: Period, services: list[str]) -> dict[str, Path]:
    """A small, distinct xlsx per service named as `xlplan templates` names them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for service in services:
        wb = Workbook()
        wb.active.title = "Measures"
        wb.active["A1"] = "Code"
        wb.active["B1"] = service
        path = folder / template_filename(period, service)
        wb.save(path)
        paths[service] = path
    return paths


def attachments(msg: email.message.EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in msg.iter_attachments()}


def fill_return(template: Path, dest: Path, to_date, action_status: str = "Green", mtime: float | None = None) -> Path:
    """A manager's filled-in return: every To date and every action Status typed in, saved as `dest`."""
    import os

    import openpyxl
    wb = openpyxl.load_workbook(template)
    for sheet, column, value in (("Measures", "To date", to_date), ("Actions", "Status", action_status)):
        ws = wb[sheet]
        header = next(r for r in ws.iter_rows() if r[0].value in ("Code", "Ref"))
        col = next(c.column for c in header if c.value == column)
        for row in ws.iter_rows(min_row=header[0].row + 1):
            if row[0].value:
                ws.cell(row[0].row, col).value = value
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    if mtime is not None:
        os.utime(dest, (mtime, mtime))
    return dest


def self_signed(folder: Path):
    """(server SSL context, client SSL context trusting it) for 127.0.0.1, made with openssl."""
    import shutil
    import ssl
    import subprocess

    import pytest
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client
