"""An e-mail backend for the demo: mail is kept in the database and shown on
the bank's mailbox page instead of leaving the machine."""

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from loans.models import DemoMail


class DemoMailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        mails = [
            DemoMail(
                recipient=recipient,
                subject=str(message.subject),
                body=str(message.body),
            )
            for message in email_messages
            for recipient in message.recipients()
        ]
        if len(mails) == 1:
            # One row: a plain insert, without bulk_create's transaction.
            mails[0].save()
        else:
            DemoMail.objects.bulk_create(mails)
        return len(email_messages)
