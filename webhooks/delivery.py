"""Sending one delivery: a signed POST through the guarded client, and what its answer means.

2xx is success. Timeouts, connection errors, 429 and 5xx are tried again
later, with exponential backoff (``WEBHOOK_RETRY_SCHEDULE``, jittered) or
after the receiver's ``Retry-After`` (capped); after the last retry the
delivery is ``dead``. Any other answer (a 3xx, since redirects are not
followed; a 4xx; a refused address) is ``failed`` at once: sending the same
bytes again would get the same answer. An endpoint whose attempts have all
failed for ``WEBHOOK_DISABLE_AFTER_HOURS`` is disabled and the admins are told.

``send`` makes one attempt and says what it gave, without touching the
database; ``result_fields`` and ``note_outcomes`` turn that into the delivery's
and the endpoint's new state. ``webhooks.drain`` uses them for a batch of an
endpoint's deliveries at once, ``do_deliver`` for one.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks import Webhook

from factcheck import outbound

from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

State = WebhookDelivery.State
EXCERPT_CHARS = 1000
# Read no more of a receiver's answer than the excerpt needs.
RESPONSE_MAX_BYTES = 16 * 1024


def sign_headers(delivery: WebhookDelivery, secret: str, *, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: the id stays, the timestamp is this attempt's."""
    return {
        "Content-Type": "application/json",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(delivery.message_id, at, delivery.payload),
    }


def attempt_lease(deliveries: int = 1, concurrency: int = 1) -> timedelta:
    """How far a claim moves ``next_attempt_at``: past the longest the attempts can take, so a delivery
    whose worker died is due again, and never before then."""
    rounds = -(-deliveries // max(1, concurrency))
    return timedelta(seconds=settings.WEBHOOK_TIMEOUT * (rounds + 1) + 60)


def do_deliver(*, delivery_id: int, force: bool = False) -> WebhookDelivery | None:
    """Make one attempt at a pending, due delivery; ``force`` sends it now whatever its time or endpoint.

    The attempt is claimed with a compare-and-set that moves ``next_attempt_at``
    past the attempt's longest duration, so this and a drain of the endpoint
    never send the same delivery twice at once, and one whose worker died is due
    again. (Deliveries go out in batches through ``webhooks.drain``; this sends
    one now, for the API's test ping and redeliver.)
    """
    now = timezone.now()
    claim = Q(pk=delivery_id, state=State.PENDING)
    if not force:
        claim &= Q(next_attempt_at__lte=now, endpoint__active=True, endpoint__disabled_at__isnull=True)
    lease = now + attempt_lease()
    if not WebhookDelivery.objects.filter(claim).update(attempts=F("attempts") + 1, next_attempt_at=lease):
        return WebhookDelivery.objects.filter(pk=delivery_id).first()
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    outcome = send(delivery, delivery.endpoint)
    fields = result_fields(delivery, outcome)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    for name, value in fields.items():
        setattr(delivery, name, value)  # what was just written, without reading the row back
    note_outcomes(delivery.endpoint, [(delivery, outcome)])
    return delivery


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: the receiver's status (None when it never answered) and what that means."""

    status: int | None
    excerpt: str
    error: str
    retryable: bool
    retry_after: float | None
    duration_ms: int
    finished_at: datetime

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def send(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> Outcome:
    """POST the delivery once, signed for this attempt; no database work (drains call it from threads)."""
    started = time.monotonic()
    status: int | None = None
    excerpt = ""
    retry_after: float | None = None
    try:
        answer = outbound.post(
            endpoint.url,
            content=delivery.payload.encode(),
            headers=sign_headers(delivery, endpoint.secret, at=timezone.now()),
            max_bytes=RESPONSE_MAX_BYTES,
            connect_timeout=min(settings.OUTBOUND_CONNECT_TIMEOUT, settings.WEBHOOK_TIMEOUT),
            read_timeout=settings.WEBHOOK_TIMEOUT,
            total_timeout=settings.WEBHOOK_TIMEOUT,
            # A worker sends to the same few receivers all day: a new TCP (and TLS) connection
            # per message was most of a delivery's time on the wire (bench/webhooks.py).
            keep_alive=True,
        )
    except outbound.FetchError as exc:
        error = exc.reason
        retryable = exc.kind in {"timeout", "connection"}
    else:
        status = answer.status
        excerpt = answer.content.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
        if 200 <= status < 300:
            error, retryable = "", False
        elif 300 <= status < 400:
            location = answer.headers.get("location", "")
            error, retryable = (
                f"HTTP {status}: redirects are not followed ({location or 'no Location'})",
                False,
            )
        else:
            error = f"HTTP {status}"
            retryable = status == 429 or status >= 500
            retry_after = parse_retry_after(answer.headers.get("retry-after", ""))
    return Outcome(
        status=status,
        excerpt=excerpt,
        error=error[:1000],
        retryable=retryable,
        retry_after=retry_after,
        duration_ms=int((time.monotonic() - started) * 1000),
        finished_at=timezone.now(),
    )


def result_fields(delivery: WebhookDelivery, outcome: Outcome) -> dict[str, object]:
    """The delivery's fields after the attempt ``outcome`` (``delivery.attempts`` counts it already)."""
    now = outcome.finished_at
    fields: dict[str, object] = {
        "last_status_code": outcome.status,
        "response_excerpt": outcome.excerpt,
        "duration_ms": outcome.duration_ms,
        "last_error": outcome.error,
    }
    if outcome.succeeded:
        fields.update(state=State.SUCCEEDED, delivered_at=now, next_attempt_at=None)
    elif outcome.retryable and delivery.attempts <= len(settings.WEBHOOK_RETRY_SCHEDULE):
        fields.update(
            state=State.PENDING, next_attempt_at=now + _delay(delivery.attempts, outcome.retry_after)
        )
    else:
        fields.update(state=State.DEAD if outcome.retryable else State.FAILED, next_attempt_at=None)
    return fields


def _delay(attempts: int, retry_after: float | None) -> timedelta:
    """The wait after the ``attempts``-th attempt failed: the receiver's word, or the schedule jittered."""
    if retry_after is not None:
        return timedelta(seconds=min(retry_after, settings.WEBHOOK_MAX_RETRY_AFTER))
    base = settings.WEBHOOK_RETRY_SCHEDULE[attempts - 1]
    # Jitter spreads the retries of one outage so they do not all land at the same second.
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def parse_retry_after(value: str) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None when absent or bad."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


# --- Endpoints that keep failing


def note_outcomes(endpoint: WebhookEndpoint, attempts: Sequence[tuple[WebhookDelivery, Outcome]]) -> None:
    """Keep the endpoint's failing window after a batch of attempts at it (one, or a drain's batch).

    A success ends the window (``failing_since`` cleared); a failure starts it
    when none is open; an endpoint whose attempts have all failed for
    ``WEBHOOK_DISABLE_AFTER_HOURS`` is disabled. In a batch, the attempts count
    in the order they finished: the window is open after it when a failure came
    after the last success, and it opened at the first such failure.
    """
    ordered = sorted(attempts, key=lambda pair: pair[1].finished_at)
    for delivery, outcome in ordered:
        if not outcome.succeeded:
            logger.info("webhook %s to %s: %s", delivery.message_id, endpoint.url, outcome.error)
    last_success = max((i for i, (_, outcome) in enumerate(ordered) if outcome.succeeded), default=-1)
    failures_after = ordered[last_success + 1 :]
    if last_success >= 0 and endpoint.failing_since is not None:  # as read: one query less per success
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
        endpoint.failing_since = None
    if failures_after:
        _note_failure(endpoint, since=failures_after[0][1].finished_at, now=failures_after[-1][1].finished_at)


def _note_failure(endpoint: WebhookEndpoint, *, since: datetime, now: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=since)
    endpoint.refresh_from_db(fields=["failing_since", "active", "disabled_at"])
    window = timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
    if endpoint.disabled_at is not None or endpoint.failing_since is None:
        return
    if now - endpoint.failing_since < window:
        return
    reason = (
        f"Every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC "
        f"({settings.WEBHOOK_DISABLE_AFTER_HOURS} hours or more)."
    )
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(
        active=False, disabled_at=now, disabled_reason=reason
    ):
        return  # disabled by another worker meanwhile; it sent the email
    logger.warning("webhook endpoint %s (%s) disabled: %s", endpoint.pk, endpoint.url, reason)
    _tell_admins(endpoint, reason)


def admin_emails() -> list[str]:
    users = get_user_model().objects.filter(Q(is_superuser=True) | Q(groups__name="admin"), is_active=True)
    return sorted({email for email in users.values_list("email", flat=True) if email})


def _tell_admins(endpoint: WebhookEndpoint, reason: str) -> None:
    recipients = admin_emails()
    if not recipients:
        return
    send_mail(
        subject=f"Webhook endpoint disabled: {endpoint.url}"[:200],
        message=(
            f"The webhook endpoint {endpoint.url} of the integration {endpoint.integration} "
            f"was disabled.\n\n{reason}\n\nFix the receiver, then turn the endpoint on again "
            f"(PATCH /api/v1/webhooks/{endpoint.pk}/ with active=true, or in the admin)."
        ),
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )
