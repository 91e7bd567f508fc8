"""Which log events become webhooks, and the body each one carries.

The body is ``{"type", "timestamp", "data"}``: ``data`` is the claim or the
article as the API's GET returns it, so a receiver can store it without
calling back. It is built once, when the event is queued, and kept as sent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from claims import selectors
from claims.api.serializers import ArticleSerializer, ClaimDetailSerializer, EvidenceSerializer
from claims.errors import NotFound
from claims.event_types import EventType
from claims.models import Article, ClaimEvent, Verdict

# The one mapping from the event log to webhook types; events of other types send nothing.
WEBHOOK_TYPES: dict[EventType, str] = {
    EventType.ARTICLE_EXTRACTED: "article.extracted",
    EventType.ARTICLE_FAILED: "article.failed",
    EventType.CREATED: "claim.created",
    EventType.VERDICT_PUBLISHED: "claim.verdict",
    EventType.VERDICT_APPROVED: "claim.verdict",
    EventType.REOPENED: "claim.reopened",
    EventType.REPEATED: "claim.repeated",
    EventType.MERGED: "claim.merged",
}
PING = "ping"
# Every type an endpoint may subscribe to, in a stable order.
TYPE_NAMES: tuple[str, ...] = tuple(dict.fromkeys(WEBHOOK_TYPES.values()))


def encode(body: dict[str, Any]) -> str:
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def event_body(event: ClaimEvent) -> str | None:
    """The JSON body for an event, or None when its type sends nothing or its subject is gone."""
    return event_bodies([event]).get(event.pk)


def event_bodies(events: Sequence[ClaimEvent]) -> dict[int, str | None]:
    """``event_body`` of many events by event id; their claims are read and serialised together, once each."""
    claim_ids = [
        event.claim_id
        for event in events
        if event.claim_id is not None and WEBHOOK_TYPES.get(EventType(event.action), "").startswith("claim.")
    ]
    found = list(selectors.claim_details(claim_ids=claim_ids).values()) if claim_ids else []
    # One serializer for all (a ModelSerializer builds its fields anew for every instance it is given).
    serialized = ClaimDetailSerializer(found, many=True).data if found else []
    claims = {claim.pk: data for claim, data in zip(found, serialized, strict=True)}
    bodies: dict[int, str | None] = {}
    for event in events:
        webhook_type = WEBHOOK_TYPES.get(EventType(event.action))
        if webhook_type is None:
            bodies[event.pk] = None
            continue
        try:
            data = _data(event, webhook_type, claims)
        except NotFound:
            bodies[event.pk] = None
            continue
        bodies[event.pk] = encode(
            {"type": webhook_type, "timestamp": event.created_at.isoformat(), "data": data}
        )
    return bodies


def ping_body(endpoint_id: int) -> tuple[str, str]:
    """A test message for an endpoint: (webhook-id, body)."""
    now: datetime = timezone.now()
    body = {"type": PING, "timestamp": now.isoformat(), "data": {"endpoint": endpoint_id}}
    return f"ping_{uuid.uuid4().hex}", encode(body)


def _data(event: ClaimEvent, webhook_type: str, claims: dict[int, Any]) -> dict[str, Any]:
    """``data``: the article or the claim as GET returns it (``claims``: serialised, by id), and the
    extras of the type."""
    if webhook_type.startswith("article."):
        if event.article_id is None:
            raise NotFound("event without an article")
        return dict(ArticleSerializer(selectors.article_detail(article_id=event.article_id)).data)
    if event.claim_id is None:
        raise NotFound("event without a claim")
    claim = claims.get(event.claim_id)
    if claim is None:
        raise NotFound(f"Claim {event.claim_id} does not exist.")
    data = dict(claim)  # a copy: the extras below belong to this event's body only
    if webhook_type == "claim.verdict":
        verdict = (
            Verdict.objects.filter(claim_id=event.claim_id, state=Verdict.State.APPROVED)
            .order_by("-decided_at", "-id")
            .first()
        )
        data["rationale"] = verdict.rationale if verdict else ""
        data["evidence"] = EvidenceSerializer(
            selectors.claim_evidence(claim_id=event.claim_id), many=True
        ).data
    elif webhook_type == "claim.repeated":
        article_id = (event.data or {}).get("article")
        article = Article.objects.filter(pk=article_id).first() if isinstance(article_id, int) else None
        data["article"] = (
            {"id": article.pk, "url": article.url, "title": article.title} if article is not None else None
        )
    elif webhook_type == "claim.merged":
        data["merged_claim"] = (event.data or {}).get("source")
    return data
