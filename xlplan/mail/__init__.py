"""Email: sending each service its template (send.py), who has returned and reminders to those
who have not (status.py), how mail goes out (transport.py: .eml drafts or SMTP) and the record of
what was sent to whom (log.py)."""

from xlplan.mail.log import DRAFTED, FAILED, SENT, MailRecord, history, last_delivered
from xlplan.mail.send import (ENV_FROM, MailRun, Outcome, Sender, chosen_services, deadline_text, find_sender,
                              send_templates)
from xlplan.mail.status import (ACCEPTED, MISSING, REJECTED, WITH_ERRORS, ServiceState, chase, local_time,
                                service_states, unmatched_returns)
from xlplan.mail.transport import ENV_PASSWORD, ENV_USER, Outbox, SmtpTransport

__all__ = ["send_templates", "chase", "service_states", "unmatched_returns", "local_time", "ServiceState",
           "MailRun", "Outcome", "Sender", "find_sender", "chosen_services", "deadline_text", "Outbox",
           "SmtpTransport", "MailRecord", "history", "last_delivered", "ENV_FROM", "ENV_USER", "ENV_PASSWORD",
           "SENT", "DRAFTED", "FAILED", "ACCEPTED", "MISSING", "REJECTED", "WITH_ERRORS"]
