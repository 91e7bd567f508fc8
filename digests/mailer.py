"""Sending one email row at most once: claim it, hand it to the mail server, record what happened.

A row (a ``DigestRun`` or a ``NotificationEmail``) exists before its email is
sent. An attempt first claims it with a compare-and-set, pending -> sending,
so two workers holding the same task (a beat that fired twice, a redelivered
message) cannot both send it. Then:

- the server took it: ``sent``;
- the server refused it for good (a 5xx answer, such as a refused recipient):
  ``failed`` with the server's words, no retry;
- the server could not take it for now (a 4xx answer, a connection error or
  timeout): back to ``pending`` with the error, and the task retries with
  backoff; after the last retry, ``failed``.

A row left ``sending`` by a worker that died mid-attempt is marked failed by
the next beat pass rather than sent again: the server may have taken it, and
a duplicate is worse than a gap the admin can see.
"""

from __future__ import annotations

import logging
import random
import smtplib
import socket
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F
from django.utils import timezone

from .models import DigestRun, EmailState, NotificationEmail

logger = logging.getLogger(__name__)

EmailModel = type[DigestRun] | type[NotificationEmail]

# Below the broker's visibility timeout (300 s), so a waiting retry is never delivered twice.
RETRY_MAX_SECONDS = 240
# A row still "sending" after this long belongs to a worker that died.
INTERRUPTED_AFTER = timedelta(minutes=30)
ERROR_CHARS = 2000


class SendFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentFailure(SendFailure):
    """The mail server refused the email; sending it again would get the same answer."""


class TransientFailure(SendFailure):
    """The mail server could not take the email now; try again later."""


def retry_countdown(retries: int) -> float:
    """15 s, 30 s, 60 s ... capped, with jitter so one outage's retries do not arrive together."""
    base = settings.EMAIL_RETRY_BASE_SECONDS
    return random.uniform(0.5, 1.0) * min(RETRY_MAX_SECONDS, base * 2**retries)


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def describe(exc: BaseException) -> tuple[bool, str]:
    """(permanent?, reason in words) for an error from sending."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{parseaddr(address)[1] or address}: {code} {_decode(text)}"
            for address, (code, text) in exc.recipients.items()
        ]
        permanent = all(code >= 500 for code, _ in exc.recipients.values())
        return permanent, "The mail server refused the recipient: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = exc.smtp_code >= 500
        return permanent, f"The mail server answered {exc.smtp_code} {_decode(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return False, f"The mail server went away: {exc}"
    if isinstance(exc, smtplib.SMTPException):
        return False, f"SMTP error: {type(exc).__name__}: {exc}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return False, "The mail server did not answer in time."
    return False, f"Could not reach the mail server: {type(exc).__name__}: {exc}"


def deliver(email: EmailMessage) -> None:
    """Hand one message to the configured backend; raises Permanent- or TransientFailure."""
    try:
        with get_connection(fail_silently=False) as connection:
            sent = connection.send_messages([email])
    except (smtplib.SMTPException, OSError) as exc:
        permanent, reason = describe(exc)
        raise (PermanentFailure if permanent else TransientFailure)(reason) from exc
    if sent == 0:
        raise TransientFailure("The mail backend did not take the message.")


# --- The row's state


def claim(model: EmailModel, pk: int) -> bool:
    """Take a pending row for one attempt; False when another attempt has it or it is done."""
    return bool(
        model.objects.filter(pk=pk, state=EmailState.PENDING).update(
            state=EmailState.SENDING, attempts=F("attempts") + 1, attempted_at=timezone.now()
        )
    )


def finish(
    model: EmailModel, pk: int, *, state: str, subject: str = "", items: int = 0, error: str = ""
) -> None:
    fields: dict[str, object] = {"state": state, "error": error[:ERROR_CHARS], "items": items}
    if subject:
        fields["subject"] = subject[:300]
    if state == EmailState.SENT:
        fields["sent_at"] = timezone.now()
    model.objects.filter(pk=pk, state=EmailState.SENDING).update(**fields)


def release(model: EmailModel, pk: int, *, error: str) -> None:
    """Back to pending after a failure worth retrying, with the reason kept for whoever looks."""
    model.objects.filter(pk=pk, state=EmailState.SENDING).update(
        state=EmailState.PENDING, error=error[:ERROR_CHARS]
    )


def fail(model: EmailModel, pk: int, *, reason: str) -> bool:
    """Give a pending (or stuck) row up as failed, with the reason; False when it is already done."""
    return bool(
        model.objects.filter(pk=pk, state__in=[EmailState.PENDING, EmailState.SENDING]).update(
            state=EmailState.FAILED, error=reason[:ERROR_CHARS]
        )
    )


def state_of(model: EmailModel, pk: int) -> str:
    return model.objects.filter(pk=pk).values_list("state", flat=True).first() or "gone"


def sweep_interrupted(model: EmailModel, *, now: datetime | None = None) -> int:
    """Fail the rows whose sending worker died mid-attempt (see the module's docstring)."""
    before = (now or timezone.now()) - INTERRUPTED_AFTER
    count = model.objects.filter(state=EmailState.SENDING, attempted_at__lt=before).update(
        state=EmailState.FAILED,
        error="Sending was interrupted (the worker stopped); not sent again, so that nobody gets it twice.",
    )
    if count:
        logger.warning("%s %s row(s) were left sending by a stopped worker: failed", count, model.__name__)
    return count
