"""Every read a digest or a notification email makes: the event log and the queue, joins done.

Each function takes a fixed number of queries, whatever the amount of data:
lists are cut to ``limit`` in the database, counted in full only when there
are more, and their related rows come in one query each (select_related,
prefetch, in_bulk), so a digest's query count does not grow with the desk's
activity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    Max,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from claims import roles
from claims.event_types import EventType
from claims.models import Appearance, Article, Claim, ClaimEvent, ClaimLink, Verdict

from .models import DigestRun, DigestSubscription, EmailState, Notification

M = TypeVar("M", bound=Model)

# What put a claim in its current reviewer's hands: the event that moved it into review.
HOLDING_EVENTS = (EventType.TAKEN, EventType.ASSIGNED, EventType.REOPENED)
VERDICT_EVENTS = (EventType.VERDICT_PUBLISHED, EventType.VERDICT_APPROVED)


@dataclass(frozen=True)
class Window:
    """What a digest covers: events at or after ``start`` and before ``end``."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class ClaimFilter:
    """A subscriber's filters; empty outlets or kinds mean all of them."""

    outlet_ids: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()
    min_score: float = 0.0
    assignee_id: int | None = None  # "only my assignments"

    def q(self, path: str = "") -> Q:
        """The filter on claims reached through ``path`` ("" for Claim itself, "claim__" from an event)."""
        condition = Q(**{f"{path}merged_into__isnull": True})
        if self.kinds:
            condition &= Q(**{f"{path}kind__in": self.kinds})
        if self.min_score > 0:
            condition &= Q(**{f"{path}score__gte": self.min_score})
        if self.assignee_id is not None:
            condition &= Q(**{f"{path}assignee_id": self.assignee_id})
        if self.outlet_ids:
            claim_ref = f"{path[:-2]}_id" if path else "pk"
            condition &= Q(
                Exists(
                    Appearance.objects.filter(
                        claim_id=OuterRef(claim_ref), current=True, article__outlet_id__in=self.outlet_ids
                    )
                )
            )
        return condition


def with_total(qs: QuerySet[M], limit: int, *, counted: QuerySet[M] | None = None) -> tuple[list[M], int]:
    """The first ``limit`` rows, and how many there are in all (a count only when there are more).

    Two plain queries rather than one with a window count: a count over the window
    would make the database find every matching row before it can stop at ``limit``.
    """
    rows = list(qs[:limit])
    total = len(rows) if len(rows) < limit else (qs if counted is None else counted).order_by().count()
    return rows, total


def current_appearances() -> Prefetch[Any]:
    return Prefetch(
        "appearances",
        queryset=Appearance.objects.filter(current=True).select_related("article__outlet").order_by("id"),
        to_attr="current_appearances",
    )


def event_int(key: str) -> Cast:
    """An integer from an event's data (``data["article"]``), for joins."""
    return Cast(KeyTextTransform(key, "data"), output_field=BigIntegerField())


# --- Subscriptions and runs


def subscription_for(*, user_id: int) -> DigestSubscription | None:
    return DigestSubscription.objects.prefetch_related("outlets").filter(user_id=user_id).first()


def active_subscriptions(*, usernames: Sequence[str] = ()) -> QuerySet[DigestSubscription]:
    """Subscriptions of active people with an email address whose digest is not off."""
    qs = (
        DigestSubscription.objects.filter(user__is_active=True)
        .exclude(user__email="")
        .exclude(frequency=DigestSubscription.Frequency.OFF)
        .select_related("user")
        .order_by("user_id")
    )
    if usernames:
        qs = qs.filter(user__username__in=usernames)
    return qs


def users_without_subscription() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, digest_subscription__isnull=True).exclude(email="").order_by("pk")
    )


def existing_runs(*, keys: Iterable[tuple[str, str]]) -> set[tuple[int, str, str]]:
    """(user, kind, period) of every run already made for these (kind, period) pairs."""
    wanted = set(keys)
    if not wanted:
        return set()
    query = Q()
    for kind, period in wanted:
        query |= Q(kind=kind, period=period)
    return set(DigestRun.objects.filter(query).values_list("user_id", "kind", "period"))


def last_digest_ends(*, user_ids: Sequence[int], kind: str) -> dict[int, datetime]:
    """Where each person's last delivered (or empty) digest of this kind ended."""
    ends: dict[int, datetime] = {}
    for start in range(0, len(user_ids), 1000):
        rows = (
            DigestRun.objects.filter(
                user_id__in=user_ids[start : start + 1000],
                kind=kind,
                state__in=[EmailState.SENT, EmailState.EMPTY],
            )
            .values("user_id")
            .annotate(end=Max("window_end"))
            .order_by()
        )
        ends.update({row["user_id"]: row["end"] for row in rows})
    return ends


def recipient(*, user_id: int) -> User | None:
    """The person an email goes to, with their groups (for their role) in the same read."""
    return User.objects.prefetch_related("groups").filter(pk=user_id).first()


# --- A digest's content


def event_log_head() -> int:
    """The id of the newest event: what the shared sections of digests are keyed by."""
    return ClaimEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def queue_counts() -> dict[str, int]:
    """Claims in the queue by status (merged claims left out)."""
    rows = (
        Claim.objects.filter(merged_into__isnull=True)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {status: n for status, n in rows}


def awaiting_approval(*, user_id: int, limit: int) -> tuple[list[Verdict], int]:
    """Proposed verdicts another editor than their author must approve, oldest first."""
    qs = (
        Verdict.objects.filter(
            state=Verdict.State.PROPOSED,
            claim__status=Claim.Status.AWAITING_APPROVAL,
            claim__merged_into__isnull=True,
        )
        .exclude(author_id=user_id)
        .select_related("claim", "author")
        .order_by("created_at", "id")
    )
    return with_total(qs, limit)


def stale_claims(*, user_id: int, held_before: datetime, limit: int) -> tuple[list[Claim], int]:
    """The person's claims in review since before ``held_before``, longest held first.

    Each carries ``held_since`` and ``held_how`` (taken, assigned, reopened) from the event
    that put it in review.
    """
    holding = ClaimEvent.objects.filter(
        claim_id=OuterRef("pk"), action__in=HOLDING_EVENTS, to_status=Claim.Status.IN_REVIEW
    ).order_by("-created_at", "-id")
    qs = (
        Claim.objects.filter(status=Claim.Status.IN_REVIEW, assignee_id=user_id, merged_into__isnull=True)
        .annotate(
            held_since=Coalesce(Subquery(holding.values("created_at")[:1]), "updated_at"),
            held_how=Coalesce(Subquery(holding.values("action")[:1]), Value("")),
        )
        .filter(held_since__lt=held_before)
        .order_by("held_since", "id")
    )
    return with_total(qs, limit)


def new_claims(*, window: Window, claims: ClaimFilter, limit: int) -> tuple[list[Claim], int]:
    """Claims found in articles within the window and still new, highest priority first."""
    found = ClaimEvent.objects.filter(
        claim_id=OuterRef("pk"),
        action=EventType.CREATED,
        created_at__gte=window.start,
        created_at__lt=window.end,
    )
    qs = (
        Claim.objects.filter(claims.q(), Exists(found), status=Claim.Status.NEW)
        .exclude(origin=Claim.Origin.IMPORTED)
        .prefetch_related(current_appearances())
        .order_by("-priority", "-id")
    )
    return with_total(qs, limit)


def repeated_claims(*, window: Window, claims: ClaimFilter, limit: int) -> tuple[list[Claim], int]:
    """Claims with a verdict that new articles repeated within the window, highest priority first.

    Each carries ``repeats``: the repeat events of the window, with ``article`` (and its outlet) set.
    With an outlet filter, only repeats in those outlets count.
    """
    repeats = ClaimEvent.objects.filter(
        action=EventType.REPEATED, created_at__gte=window.start, created_at__lt=window.end
    ).annotate(article_ref=event_int("article"))
    if claims.outlet_ids:
        repeats = repeats.filter(
            article_ref__in=Article.objects.filter(outlet_id__in=claims.outlet_ids).values("pk")
        )
    only_claims = ClaimFilter(kinds=claims.kinds, min_score=claims.min_score, assignee_id=claims.assignee_id)
    qs = Claim.objects.filter(only_claims.q(), Exists(repeats.filter(claim_id=OuterRef("pk")))).order_by(
        "-priority", "-id"
    )
    rows, total = with_total(qs, limit)
    if not rows:
        return rows, total
    events = list(repeats.filter(claim_id__in=[claim.pk for claim in rows]).order_by("created_at", "id"))
    articles = Article.objects.select_related("outlet").defer("body", "text", "removed", "sentences")
    by_id = articles.in_bulk({event.article_ref for event in events if event.article_ref})
    for claim in rows:
        claim.repeats = [event for event in events if event.claim_id == claim.pk]  # type: ignore[attr-defined]
        for event in claim.repeats:  # type: ignore[attr-defined]
            event.repeated_in = by_id.get(event.article_ref)
    return rows, total


def figure_conflicts(*, window: Window, claims: ClaimFilter, limit: int) -> tuple[list[ClaimLink], int]:
    """Unresolved figure conflicts found within the window where either claim passes the filter."""
    qs = (
        ClaimLink.objects.filter(
            Q(claims.q("from_claim__")) | Q(claims.q("to_claim__")),
            kind=ClaimLink.Kind.FIGURE_CONFLICT,
            resolved=False,
            created_at__gte=window.start,
            created_at__lt=window.end,
        )
        .select_related("from_claim", "to_claim")
        .order_by("-created_at", "-id")
    )
    return with_total(qs, limit)


def published_verdicts(*, window: Window, claims: ClaimFilter, limit: int) -> tuple[list[ClaimEvent], int]:
    """Verdicts published (or approved) within the window, newest first, with ``rationale``."""
    rationale = Verdict.objects.filter(pk=OuterRef("verdict_ref")).values("rationale")[:1]
    published = ClaimEvent.objects.filter(
        claims.q("claim__"),
        action__in=VERDICT_EVENTS,
        created_at__gte=window.start,
        created_at__lt=window.end,
    )
    qs = (
        published.annotate(verdict_ref=event_int("verdict"))
        .annotate(rationale=Coalesce(Subquery(rationale), "reason"))
        .select_related("claim", "actor")
        .order_by("-created_at", "-id")
    )
    return with_total(qs, limit, counted=published)


# --- Notifications


def users_by_name(names: Iterable[str]) -> dict[str, User]:
    return {user.username: user for user in User.objects.filter(username__in=set(names))}


def editors() -> list[User]:
    """Active people who may approve verdicts (editors and admins)."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=[roles.EDITOR, roles.ADMIN]))
        .distinct()
        .order_by("pk")
    )


def notifications_off(user_ids: Iterable[int]) -> set[int]:
    return set(
        DigestSubscription.objects.filter(user_id__in=set(user_ids), notify=False).values_list(
            "user_id", flat=True
        )
    )


def batch_notifications(*, email_id: int) -> list[Notification]:
    return list(
        Notification.objects.filter(email_id=email_id)
        .select_related("event__claim", "event__actor")
        .order_by("created_at", "id")
    )
