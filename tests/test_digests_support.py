"""What the digest tests share: a desk's day built through the real services, beat at a given moment.

Helpers, not tests: the test_digests_* modules import them. Claims are found
"in articles" by writing the same rows and ``created`` events filing writes;
review happens through ``claims.workflow`` and ``claims.review``, so the event
log holds exactly what production would.
"""

from __future__ import annotations

import email
import email.policy
import itertools
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from claims import events, review, workflow
from claims.actors import Actor
from claims.event_types import EventType
from claims.models import Appearance, Article, Claim, Outlet
from digests import content, notifications, sending

SITE = "https://claims.example.org"
_serial = itertools.count(1)


def utc(text: str) -> datetime:
    """An aware UTC moment from "2031-03-05 07:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def article_in(outlet: str, title: str = "") -> Article:
    n = next(_serial)
    return Article.objects.create(
        outlet=Outlet.objects.get_or_create(name=outlet)[0],
        title=title or f"Story {n} in {outlet}",
        url=f"https://{outlet.lower().replace(' ', '')}.example.com/story-{n}",
        body="body",
        text="body",
        content_hash=f"hash-{n}",
    )


def found_claim(
    text: str,
    *,
    outlet: str = "Daily Example",
    speaker: str = "",
    kind: str = Claim.Kind.STATISTIC,
    score: float = 0.8,
    priority: float = 50.0,
    reasons: list[str] | None = None,
    article: Article | None = None,
) -> Claim:
    """A claim found in an article of ``outlet`` now, as filing records it (appearance and event)."""
    article = article or article_in(outlet)
    claim = Claim.objects.create(
        text=text,
        speaker=speaker,
        kind=kind,
        score=score,
        priority=priority,
        reasons=reasons if reasons is not None else ["a figure", "a named source"],
    )
    Appearance.objects.create(claim=claim, article=article, article_revision=1, text=text, start=0, end=4)
    events.record_event(EventType.CREATED, claim=claim, to_status=claim.status, data={"article": article.pk})
    return claim


def repeat(claim: Claim, *, outlet: str, title: str) -> Article:
    """A claim with a verdict appears in another outlet's new article (the ``repeated`` event)."""
    article = article_in(outlet, title)
    events.record_event(
        EventType.REPEATED,
        claim=claim,
        data={"article": article.pk, "verdict": claim.verdict, "review_url": ""},
    )
    return article


def assign(claim: Claim, reviewer: User, *, by: User) -> None:
    workflow.do_assign(claim_id=claim.pk, version=None, username=reviewer.username, actor=Actor(user=by))


def take_next(reviewer: User) -> Claim | None:
    return workflow.do_take_next(actor=Actor(user=reviewer))


def propose(claim: Claim, reviewer: User, *, value: str = "disputed", rationale: str = "") -> None:
    """The reviewer (who holds the claim) adds a primary source and proposes a verdict."""
    actor = Actor(user=reviewer)
    review.do_add_evidence(
        claim_id=claim.pk,
        actor=actor,
        url="https://stats.example.org/labour.csv",
        title="Survey",
        primary=True,
    )
    review.do_propose_verdict(
        claim_id=claim.pk,
        version=None,
        value=value,
        rationale=rationale or "The survey shows 5.1%, not 3.5%.",
        actor=actor,
    )


def approve(claim: Claim, editor: User) -> None:
    review.do_approve_verdict(claim_id=claim.pk, version=None, actor=Actor(user=editor))


def beat(moment: datetime) -> int:
    """What beat's digest task does at ``moment`` (sending runs in-process: tasks are eager in tests).

    Each pass starts like a fresh worker, with no sections shared from an earlier test's digests.
    """
    content.forget_shared_sections()
    with time_machine.travel(moment, tick=False):
        return sending.do_queue_due_digests(now=moment)


def notify_beat(moment: datetime) -> int:
    """Dispatch the event log, then what beat's notification task does at ``moment``."""
    with time_machine.travel(moment, tick=False):
        events.dispatch(names=[notifications.CONSUMER])
        return notifications.do_queue_due_notifications(now=moment)


def sent_to(user: User) -> list[EmailMultiAlternatives]:
    return [m for m in mail.outbox if any(user.email in to for to in m.to)]  # type: ignore[misc]


def html_of(message: Any) -> str:
    (html,) = [body for body, kind in message.alternatives if kind == "text/html"]
    return str(html)


def parsed(message: Any) -> Message:
    """A message as a mail client reads it: its bytes, parsed again."""
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
