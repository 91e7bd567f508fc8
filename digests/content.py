"""What one digest says: counts at the top, then the sections a person chose, from the event log and queue.

Sections, in order (each only when chosen, and lists cut to DIGEST_TOP_N):

- awaiting your approval (editors): verdicts another reviewer proposed;
- your claims in review for longer than REVIEW_STALE_DAYS: a reminder of when
  you took each one;
- new claims found since the last digest, highest priority first, with speaker,
  outlets and the reasons they were flagged;
- claims with a verdict that new articles repeated;
- new figure conflicts between claims;
- verdicts published since the last digest, with a snippet of the rationale.

The filters (outlets, kinds, minimum score, only my assignments) narrow the
claim sections; what waits for the person themselves (their approval, their
stale claims) is always shown. A digest whose sections are all empty is not
sent. Building one digest takes a fixed number of queries (``selectors``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from claims import roles
from claims.event_types import EventType
from claims.models import Claim

from . import schedule, selectors, subscriptions
from .models import SECTIONS, DigestSubscription
from .selectors import ClaimFilter, Window

TITLE_CHARS = 240
SNIPPET_CHARS = 220


@dataclass(frozen=True)
class Item:
    """One entry of a section: the claim, where to open it, and what to say about it."""

    title: str
    url: str
    meta: str = ""
    note: str = ""
    quote: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    total: int
    items: list[Item]
    more_url: str

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass(frozen=True)
class Digest:
    user_id: int
    username: str
    email: str
    kind: str
    window: Window
    time_zone: str
    sections: list[Section]
    queue: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(section.total for section in self.sections)

    @property
    def item_count(self) -> int:
        return sum(section.total for section in self.sections)

    @property
    def counts(self) -> list[tuple[str, int]]:
        return [(COUNT_LABELS[s.name](s.total), s.total) for s in self.sections if s.total]

    @property
    def period_label(self) -> str:
        local = self.window.end.astimezone(ZoneInfo(self.time_zone))
        if self.kind == schedule.WEEKLY:
            return f"week to {local:%A} {local.day} {local:%B}"
        return f"{local:%A} {local.day} {local:%B}"

    @property
    def subject(self) -> str:
        summary = ", ".join(f"{n} {label}" for label, n in self.counts[:3])
        return f"Claim tracker {self.kind} digest, {self.period_label}: {summary}"


def _plural(one: str, many: str) -> Callable[[int], str]:
    return lambda n: one if n == 1 else many


COUNT_LABELS: dict[str, Callable[[int], str]] = {
    "awaiting_approval": _plural("verdict awaiting your approval", "verdicts awaiting your approval"),
    "stale": _plural("of your claims long in review", "of your claims long in review"),
    "new_claims": _plural("new claim", "new claims"),
    "repeats": _plural("fact-checked claim repeated", "fact-checked claims repeated"),
    "conflicts": _plural("new figure conflict", "new figure conflicts"),
    "verdicts": _plural("verdict published", "verdicts published"),
}


# --- Links


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def claim_url(claim_id: int) -> str:
    return site_url(reverse("claim-detail", args=[claim_id]))


def queue_url(query: str = "") -> str:
    return site_url(reverse("dashboard") + (f"?{query}" if query else ""))


def short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ago(moment: datetime, now: datetime) -> str:
    days = (now - moment) // timedelta(days=1)
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''} ago"
    hours = (now - moment) // timedelta(hours=1)
    return f"{hours} hour{'s' if hours != 1 else ''} ago" if hours >= 1 else "just now"


# --- Building


@dataclass(frozen=True)
class Context:
    user: User
    claims: ClaimFilter
    window: Window
    now: datetime
    zone: ZoneInfo
    limit: int


def build_digest(
    *, user: User, subscription: DigestSubscription, kind: str, window: Window, now: datetime
) -> Digest:
    """The digest of one person for one window; ``user`` comes with its groups prefetched."""
    zone = ZoneInfo(subscription.time_zone)
    context = Context(
        user=user,
        claims=ClaimFilter(
            outlet_ids=subscriptions.outlet_ids(subscription),
            kinds=tuple(subscription.kinds or ()),
            min_score=subscription.min_score,
            assignee_id=user.pk if subscription.only_mine else None,
        ),
        window=window,
        now=now,
        zone=zone,
        limit=settings.DIGEST_TOP_N,
    )
    chosen = subscriptions.chosen_sections(subscription)
    if not roles.has_role(user, roles.EDITOR):
        chosen = [name for name in chosen if name != "awaiting_approval"]
    head = selectors.event_log_head()
    sections = [
        _shared(name, context, head)
        if name in SHARED and context.claims.assignee_id is None
        else BUILDERS[name](context)
        for name in chosen
    ]
    return Digest(
        user_id=user.pk,
        username=user.get_username(),
        email=user.email,
        kind=kind,
        window=window,
        time_zone=subscription.time_zone,
        sections=sections,
        queue=_shared_value(("queue", head), selectors.queue_counts),
    )


# --- Sections everybody with the same window and filters shares

# Digests of one beat pass share their window, and most people keep the default filters, so the
# sections that do not depend on the person are built once per worker process and reused for a
# few minutes. The key holds the head of the event log: a new event (a claim found, a verdict)
# makes a new key, so a reused section misses nothing recorded since; only changes that write no
# event (a priority refresh reordering claims) can be up to SHARED_SECONDS old.
SHARED = frozenset({"new_claims", "repeats", "conflicts", "verdicts"})
SHARED_SECONDS = 300.0
SHARED_MAX = 2000
_memo: dict[tuple[object, ...], tuple[float, object]] = {}


def forget_shared_sections() -> None:
    _memo.clear()


def _shared(name: str, context: Context, head: int) -> Section:
    key = (name, context.window, context.claims, context.limit, context.zone.key, head, settings.SITE_URL)
    section = _shared_value(key, lambda: BUILDERS[name](context))
    assert isinstance(section, Section)
    return section


def _shared_value(key: tuple[object, ...], build: Callable[[], Any]) -> Any:
    now = time.monotonic()
    hit = _memo.get(key)
    if hit is not None and now - hit[0] < SHARED_SECONDS:
        return hit[1]
    if len(_memo) >= SHARED_MAX:
        _memo.clear()
    value = build()
    _memo[key] = (now, value)
    return value


def _section(name: str, total: int, items: list[Item], more_url: str) -> Section:
    return Section(name=name, title=SECTIONS[name], total=total, items=items, more_url=more_url)


def awaiting_approval(c: Context) -> Section:
    verdicts, total = selectors.awaiting_approval(user_id=c.user.pk, limit=c.limit)
    items = [
        Item(
            title=short(v.claim.text, TITLE_CHARS),
            url=claim_url(v.claim_id),
            meta=f"{v.author.get_username() if v.author else 'Someone'} proposed “{v.value}” "
            f"{ago(v.created_at, c.now)}",
            quote=short(v.rationale, SNIPPET_CHARS),
        )
        for v in verdicts
    ]
    return _section("awaiting_approval", total, items, queue_url("status=awaiting_approval"))


HOW_HELD = {
    EventType.TAKEN: "You took this",
    EventType.ASSIGNED: "This was assigned to you",
    EventType.REOPENED: "This was reopened to you",
}


def stale(c: Context) -> Section:
    held_before = c.now - timedelta(days=settings.REVIEW_STALE_DAYS)
    claims, total = selectors.stale_claims(user_id=c.user.pk, held_before=held_before, limit=c.limit)
    items = [
        Item(
            title=short(claim.text, TITLE_CHARS),
            url=claim_url(claim.pk),
            note=f"{HOW_HELD.get(claim.held_how, 'You took this')} {ago(claim.held_since, c.now)}.",  # type: ignore[attr-defined]
        )
        for claim in claims
    ]
    return _section("stale", total, items, queue_url("mine=1&status=in_review"))


def _outlets(claim: Claim) -> list[str]:
    appearances = getattr(claim, "current_appearances", [])
    return sorted({a.article.outlet.name for a in appearances if a.article.outlet is not None})


def new_claims(c: Context) -> Section:
    claims, total = selectors.new_claims(window=c.window, claims=c.claims, limit=c.limit)
    items = []
    for claim in claims:
        meta = [claim.get_kind_display()]
        if claim.speaker:
            meta.append(f"said by {claim.speaker}")
        if outlets := _outlets(claim):
            meta.append(", ".join(outlets))
        meta.append(f"priority {claim.priority:.0f}")
        reasons = tuple(str(reason) for reason in (claim.reasons or []))
        items.append(
            Item(
                title=short(claim.text, TITLE_CHARS),
                url=claim_url(claim.pk),
                meta=" · ".join(meta),
                tags=reasons,
            )
        )
    return _section("new_claims", total, items, queue_url("status=new"))


def repeats(c: Context) -> Section:
    claims, total = selectors.repeated_claims(window=c.window, claims=c.claims, limit=c.limit)
    items = []
    for claim in claims:
        where = []
        for event in claim.repeats:  # type: ignore[attr-defined]
            article = event.repeated_in
            if article is not None:
                outlet = f" ({article.outlet.name})" if article.outlet else ""
                where.append(f"{short(article.title or 'an article', 90)}{outlet}")
        checked = f"Checked before: {claim.verdict}" if claim.verdict else "Checked before"
        items.append(
            Item(
                title=short(claim.text, TITLE_CHARS),
                url=claim_url(claim.pk),
                meta=checked + (f", {claim.review_publisher}" if claim.review_publisher else ""),
                note=f"Repeated in {'; '.join(where)}." if where else "Repeated in a new article.",
            )
        )
    return _section("repeats", total, items, queue_url())


def conflicts(c: Context) -> Section:
    links, total = selectors.figure_conflicts(window=c.window, claims=c.claims, limit=c.limit)
    items = [
        Item(
            title=short(link.from_claim.text, TITLE_CHARS),
            url=claim_url(link.from_claim_id),
            meta="Same quantity, different figure",
            note=f"Against claim {link.to_claim_id}: {short(link.to_claim.text, TITLE_CHARS)}",
        )
        for link in links
    ]
    return _section("conflicts", total, items, queue_url())


def verdicts(c: Context) -> Section:
    events, total = selectors.published_verdicts(window=c.window, claims=c.claims, limit=c.limit)
    items = []
    for event in events:
        claim = event.claim
        assert claim is not None
        value = str((event.data or {}).get("value") or claim.verdict or event.to_status)
        when = event.created_at.astimezone(c.zone)
        items.append(
            Item(
                title=short(claim.text, TITLE_CHARS),
                url=claim_url(claim.pk),
                meta=f"{value.capitalize()} · {when:%a %d %b %H:%M}",
                note=f"Published at {claim.published_url}" if claim.published_url else "",
                quote=short(getattr(event, "rationale", "") or "", SNIPPET_CHARS),
            )
        )
    return _section("verdicts", total, items, queue_url("status=all"))


BUILDERS: dict[str, Callable[[Context], Section]] = {
    "awaiting_approval": awaiting_approval,
    "stale": stale,
    "new_claims": new_claims,
    "repeats": repeats,
    "conflicts": conflicts,
    "verdicts": verdicts,
}
assert list(BUILDERS) == list(SECTIONS)
