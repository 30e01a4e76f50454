"""Email: sending each service its template (send.py), who has returned and reminders to those
who have not (status.py), how mail goes out (transport.py: .eml drafts or SMTP) and the record of
what was sent to whom (log.py)."""

from xlplan.mail.send import MailRun, Outcome, Sender, chosen_services, deadline_text, find_sender, send_templates
from xlplan.mail.status import ServiceState, chase, service_states, unmatched_returns
from xlplan.mail.transport import Outbox, SmtpTransport

__all__ = ["send_templates", "chase", "service_states", "unmatched_returns", "ServiceState", "MailRun",
           "Outcome", "Sender", "find_sender", "chosen_services", "deadline_text", "Outbox", "SmtpTransport"]
