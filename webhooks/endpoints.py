"""Registering, changing and testing webhook endpoints; the rules a URL and a subscription must meet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from claims.errors import InvalidInput, NotFound
from factcheck import outbound
from integrations.models import Integration

from . import payloads
from .delivery import do_deliver
from .models import WebhookDelivery, WebhookEndpoint

MAX_URL_LENGTH = 2000


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", data={"fields": {field: [message]}})


def check_url(url: Any) -> str:
    """An http(s) URL the server may reach, or InvalidInput naming the ``url`` field."""
    if not isinstance(url, str) or not url.strip():
        raise invalid("url", "This field is required.")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise invalid("url", f"Ensure this field has no more than {MAX_URL_LENGTH} characters.")
    try:
        outbound.check_url(url)
    except outbound.FetchError as exc:
        raise invalid("url", exc.reason) from exc
    parts = urlsplit(url)
    try:
        # The same check a delivery makes when it connects: a private target is refused up front.
        outbound.resolve(parts.hostname or "", parts.port or (443 if parts.scheme.lower() == "https" else 80))
    except outbound.BlockedAddress as exc:
        raise invalid("url", exc.reason) from exc
    except outbound.FetchError:
        # A name that does not resolve yet is accepted: its deliveries fail and retry, and a ping shows it.
        pass
    return url


def check_description(description: Any) -> str:
    if description is None:
        return ""
    if not isinstance(description, str) or len(description) > 200:
        raise invalid("description", "Expected text of at most 200 characters.")
    return description


def check_events(events: Any) -> list[str]:
    """Known webhook type names, each once, in the order given; empty means every type."""
    if events is None:
        return []
    if not isinstance(events, list) or not all(isinstance(name, str) for name in events):
        raise invalid("events", "Expected a list of webhook type names.")
    unknown = [name for name in events if name not in payloads.TYPE_NAMES]
    if unknown:
        raise invalid(
            "events",
            f"Unknown webhook type(s): {', '.join(unknown)}. Known: {', '.join(payloads.TYPE_NAMES)}.",
        )
    return list(dict.fromkeys(events))


def do_create_endpoint(
    *, integration: Integration, url: Any, events: Any = None, description: Any = ""
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        integration=integration,
        url=check_url(url),
        events=check_events(events),
        description=check_description(description),
    )


def do_update_endpoint(*, endpoint: WebhookEndpoint, changes: dict[str, Any]) -> WebhookEndpoint:
    if "url" in changes:
        endpoint.url = check_url(changes["url"])
    if "events" in changes:
        endpoint.events = check_events(changes["events"])
    if "description" in changes:
        endpoint.description = check_description(changes["description"])
    if "active" in changes:
        if not isinstance(changes["active"], bool):
            raise invalid("active", "Must be true or false.")
        endpoint.active = changes["active"]
        if endpoint.active:
            # Turned on again by hand: the failing window starts afresh.
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
            endpoint.failing_since = None
    endpoint.save()
    return endpoint


def do_delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def do_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a ``ping`` to the endpoint now (active or not) and return its delivery."""
    message_id, body = payloads.ping_body(endpoint.pk)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        type=payloads.PING,
        message_id=message_id,
        payload=body,
        next_attempt_at=timezone.now(),
    )
    return do_deliver(delivery_id=delivery.pk, force=True) or delivery


def do_redeliver(*, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    """One more attempt now, with the same body and webhook-id, whatever the delivery's state."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update().filter(pk=delivery_id, endpoint=endpoint).first()
        )
        if delivery is None:
            raise NotFound(f"Delivery {delivery_id} of webhook {endpoint.pk} does not exist.")
        delivery.state = WebhookDelivery.State.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["state", "next_attempt_at"])
    return do_deliver(delivery_id=delivery.pk, force=True) or delivery


def endpoints_for(integration: Integration | None) -> Iterable[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.select_related("integration").order_by("id")
    return endpoints if integration is None else endpoints.filter(integration=integration)
