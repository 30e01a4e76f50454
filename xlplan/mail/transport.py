"""How a composed email leaves xlplan: as an `.eml` draft in an outbox folder, or over SMTP.

Both transports have `deliver(msg, name) -> via` (where it went, for the mail log) and raise
DeliveryError for one message that did not go, so the caller carries on with the next service.
`SmtpTransport` uses STARTTLS whenever the server offers it (implicit TLS on port 465), logs in
only with credentials from the environment, and never sends a password unencrypted to another
machine. A server that cannot be reached at all is an XlplanError: nothing can be sent.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from xlplan.mail import log as mail_log
from xlplan.errors import XlplanError

ENV_USER, ENV_PASSWORD = "XLPLAN_SMTP_USER", "XLPLAN_SMTP_PASSWORD"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class DeliveryError(Exception):
    """One message was not delivered; `refused` when the server said no (vs. a broken connection)."""

    def __init__(self, reason: str, refused: bool = True):
        super().__init__(reason)
        self.reason, self.refused = reason, refused


class Outbox:
    """Write each message as an `.eml` draft (X-Unsent: 1) into `folder`."""

    outcome = mail_log.DRAFTED

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def __enter__(self) -> "Outbox":
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        return None

    def deliver(self, msg: EmailMessage, name: str) -> str:
        msg["X-Unsent"] = "1"          # Outlook opens the file as a draft ready to send
        path = self.folder / f"{name}.eml"
        try:
            path.write_bytes(msg.as_bytes())
        except OSError as e:
            raise DeliveryError(f"could not write {path}: {e.strerror or e}", refused=False) from None
        return str(path)


def parse_server(text: str) -> tuple[str, int]:
    """`host:port`, `host` (port 25) or `[::1]:2525`; XlplanError when it is not one of those."""
    m = re.fullmatch(r"\[(?P<h6>[^\]]+)\](?::(?P<p6>\d+))?|(?P<h>[^:\s]+)(?::(?P<p>\d+))?", text.strip())
    if not m:
        raise XlplanError(f"--smtp '{text}' is not a mail server; expected HOST:PORT such as smtp.council.gov.uk:587")
    host, port = m.group("h6") or m.group("h"), int(m.group("p6") or m.group("p") or 25)
    if not 0 < port < 65536:
        raise XlplanError(f"--smtp '{text}': port {port} is out of range")
    return host, port


def _is_loopback(host: str) -> bool:
    import ipaddress
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpTransport:
    """Send over SMTP: implicit TLS on port 465, otherwise STARTTLS whenever the server offers it.

    Logs in when $XLPLAN_SMTP_USER and $XLPLAN_SMTP_PASSWORD are set, and refuses to send a password
    over an unencrypted connection except to a relay on this machine. The password is never put in
    a message, a log or an exception.
    """

    outcome = mail_log.SENT

    def __init__(self, server: str, environ=os.environ, timeout: float = 30, ssl_context: ssl.SSLContext | None = None,
                 allow_plain_login: bool | None = None):
        self.host, self.port = parse_server(server)
        # a password may go unencrypted only to a relay on this machine (default) or when told so
        self.allow_plain_login = _is_loopback(self.host) if allow_plain_login is None else allow_plain_login
        self.label = f"smtp {self.host}:{self.port}"
        self._user = environ.get(ENV_USER) or None
        self._password = environ.get(ENV_PASSWORD) or None
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.encrypted = False
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "SmtpTransport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def _drop_if_closed(self) -> None:
        """Forget a connection the server has closed, so the next message reconnects."""
        if self._smtp is not None and self._smtp.sock is None:
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        where = f"{self.host}:{self.port}"
        try:
            if self.port == 465:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
                self.encrypted = True
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                    self.encrypted = True
        except (smtplib.SMTPException, OSError) as e:
            raise XlplanError(f"Could not connect to the mail server {where}: {_reason(e)}") from None
        if self._user:
            if not self._password:
                raise XlplanError(f"{ENV_USER} is set but {ENV_PASSWORD} is not; set both to log in to {where}")
            if not self.encrypted and not self.allow_plain_login:
                smtp.close()
                raise XlplanError(f"The mail server {where} does not offer STARTTLS; xlplan will not send "
                                  f"the password unencrypted. Use port 465 or a server that offers STARTTLS.")
            try:
                smtp.login(self._user, self._password)
            except (smtplib.SMTPException, OSError) as e:
                smtp.close()
                raise XlplanError(f"The mail server {where} did not accept the login for user '{self._user}' "
                                  f"(from {ENV_USER} / {ENV_PASSWORD}): {_reason(e)}") from None
        return smtp

    def deliver(self, msg: EmailMessage, name: str) -> str:
        if self._smtp is None:
            self._smtp = self._connect()
        recipients = [a for _, a in _addresses(msg["To"])]
        try:
            refused = self._smtp.send_message(msg, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as e:
            self._drop_if_closed()
            raise DeliveryError(_refusals(e.recipients)) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as e:
            self._drop_if_closed()      # a 421 reply closes the connection
            raise DeliveryError(_reason(e)) from None
        except (smtplib.SMTPException, OSError) as e:
            self._smtp = None           # reconnect for the next message
            raise DeliveryError(_reason(e), refused=False) from None
        if refused:
            raise DeliveryError("some recipients were refused: " + _refusals(refused))
        return self.label


def _addresses(header: str) -> list[tuple[str, str]]:
    from email.utils import getaddresses
    return getaddresses([header or ""])


def _reason(e: Exception) -> str:
    if isinstance(e, smtplib.SMTPResponseException):
        text = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        return f"{e.smtp_code} {_one_line(text)}"
    return _one_line(str(e)) or type(e).__name__


def _refusals(recipients: dict) -> str:
    parts = []
    for addr, (code, text) in recipients.items():
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        parts.append(f"{addr}: {code} {_one_line(text)}")
    return "; ".join(parts)
