"""Every read a view or the API uses, with its joins and prefetches done."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import OrderBy, RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import roles
from .errors import NotFound
from .event_types import EventType
from .models import (
    Appearance,
    Article,
    ArticleRevision,
    Claim,
    ClaimEvent,
    ClaimLink,
    Evidence,
    Outlet,
    Verdict,
)

if TYPE_CHECKING:
    from integrations.models import Integration

# Claims still waiting for the desk: the queue's default view.
OPEN_STATUSES = (Claim.Status.NEW, Claim.Status.IN_REVIEW, Claim.Status.AWAITING_APPROVAL)


# A decided claim that an article repeated within this window is back in the open queue.
REPEAT_WINDOW = timedelta(days=7)


def open_claims_q() -> Q:
    """Claims that still need the desk: open ones, and decided ones an article just repeated or changed."""
    fresh_repeat = (
        ~Q(verdict="")
        & Q(repeated_at__gte=timezone.now() - REPEAT_WINDOW)
        & (Q(verdict_at__isnull=True) | Q(repeated_at__gt=F("verdict_at")))
    )
    fresh_source_change = (
        ~Q(verdict="")
        & Q(source_changed_at__gte=timezone.now() - REPEAT_WINDOW)
        & (Q(verdict_at__isnull=True) | Q(source_changed_at__gt=F("verdict_at")))
    )
    return Q(status__in=OPEN_STATUSES) | fresh_repeat | fresh_source_change


# An article's raw body, dropped boilerplate and scored sentences are many kilobytes that no
# claim list shows: a page of 50 claims would otherwise carry a few megabytes of them.
HEAVY_ARTICLE_FIELDS = ("article__body", "article__removed", "article__sentences")


def current_appearances(*, article_text: bool = False) -> QuerySet[Appearance]:
    """Current appearances with their article and outlet; the article's text only when asked for."""
    heavy = HEAVY_ARTICLE_FIELDS if article_text else (*HEAVY_ARTICLE_FIELDS, "article__text")
    return (
        Appearance.objects.filter(current=True)
        .select_related("article__outlet")
        .defer(*heavy)
        .order_by("article_id", "start")
    )


def search_claims(qs: Any, q: str) -> Any:
    """Full-text search on PostgreSQL (web-search syntax: words, "quoted phrases", -excluded, or);
    a case-insensitive substring of the text or speaker elsewhere (the SQLite quickstart).

    On PostgreSQL the claims table has a generated ``search`` column (the English tsvector of
    text and speaker, migration 0015) with a GIN index; it is not a model field, as SQLite has
    no such type.
    """
    if connection.vendor == "postgresql":
        query = SearchQuery(q, config="english", search_type="websearch")
        stored = RawSQL(f'"{Claim._meta.db_table}"."search"', [], output_field=SearchVectorField())
        return qs.alias(search=stored).filter(search=query)
    return qs.filter(Q(text__icontains=q) | Q(speaker__icontains=q))


# What a claims list shows of each current appearance, read as plain rows (``appearance_rows``).
APPEARANCE_ROW_FIELDS = (
    "id",
    "claim_id",
    "article_id",
    "text",
    "start",
    "end",
    "article_revision",
    "score",
    "speaker",
    "match_score",
    "match_reason",
    "article__outlet_id",
    "article__outlet__name",
)


def appearance_rows(claims: Sequence[Claim]) -> list[Claim]:
    """Give each claim ``appearance_rows``: its current appearances as dicts, in one query.

    For lists of claims from ``claim_list(appearances=False)``: a page of 50 claims
    carries a few hundred appearances, and reading them as model instances (each
    with its article and outlet) cost more than everything else the page does.
    Each row has ``APPEARANCE_ROW_FIELDS``, ordered as ``current_appearances``.
    """
    by_claim: dict[int, list[dict[str, Any]]] = {claim.pk: [] for claim in claims}
    if by_claim:
        rows = (
            Appearance.objects.filter(claim_id__in=list(by_claim), current=True)
            .order_by("article_id", "start")
            .values(*APPEARANCE_ROW_FIELDS)
        )
        for row in rows:
            by_claim[row["claim_id"]].append(row)
    for claim in claims:
        claim.appearance_rows = by_claim[claim.pk]  # type: ignore[attr-defined]
    return list(claims)


def claim_list(
    *, filters: dict[str, Any] | None = None, article_text: bool = False, appearances: bool = True
) -> QuerySet[Claim]:
    """Claims for the queue and the API: one row per claim with its current appearances prefetched.

    ``filters``: ``article`` (id), ``status`` (a status, "open" or "all"), ``kind``,
    ``speaker`` (exact, any case), ``outlet`` (name, any case, or id), ``q`` (see
    ``search_claims``), ``updated_since`` (a datetime). ``appearances=False`` leaves
    the appearances out, for a list that reads a page's as rows (``appearance_rows``).
    """
    filters = filters or {}
    qs = Claim.objects.filter(merged_into__isnull=True).select_related("assignee")
    if appearances:
        qs = qs.prefetch_related(
            Prefetch(
                "appearances",
                queryset=current_appearances(article_text=article_text),
                to_attr="current_appearances",
            )
        )
    article = filters.get("article")
    if article:
        qs = qs.filter(
            Exists(Appearance.objects.filter(claim=OuterRef("pk"), article_id=article, current=True))
        )
    status = filters.get("status")
    if status == "open":
        qs = qs.filter(open_claims_q())
    elif status and status != "all":
        qs = qs.filter(status=status)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("speaker"):
        qs = qs.filter(speaker__iexact=filters["speaker"])
    outlet = filters.get("outlet")
    if outlet:
        qs = qs.filter(outlet_filter(str(outlet)))
    if filters.get("q"):
        qs = search_claims(qs, filters["q"])
    if filters.get("updated_since"):
        qs = qs.filter(updated_at__gte=filters["updated_since"])
    return qs


# An outlet is read through its claims' ids, gathered first, when it holds at most this share of the
# articles, and at most this many: the point where gathering its claims costs what testing claims
# in the list's order until a page is full costs (measured at a million claims, BENCHMARKS.md).
SMALL_OUTLET_SHARE = 0.01
SMALL_OUTLET_ARTICLES = 2_000


def small_outlet_limit(articles: float) -> int:
    """How many articles a small outlet has at most, among ``articles`` (PostgreSQL's estimate)."""
    return int(min(SMALL_OUTLET_ARTICLES, SMALL_OUTLET_SHARE * articles))


def outlet_filter(outlet: str) -> Q | Exists:
    """Claims with a current appearance in the outlet named ``outlet`` (any case) or of that id.

    The planner cannot tell how few claims one outlet holds (it estimates the
    average outlet), so for a small outlet it walked the list's order and tested
    each claim until a page was full: among a million claims, an outlet of 505
    articles had 5,771 claims tested and a p95 of 437 ms. On PostgreSQL a small
    outlet's claim ids are gathered first, in a subquery fenced with OFFSET 0
    that is computed once instead of being folded into a test per claim; a
    large outlet, whose claims are dense in any order, keeps the test per claim.
    One query finds the outlets and counts their articles up to the limit.
    """
    is_id = re.fullmatch(r"[0-9]{1,18}", outlet) is not None
    match = Q(article__outlet__name__iexact=outlet)
    if is_id:
        match |= Q(article__outlet_id=int(outlet))
    tested = Exists(Appearance.objects.filter(match, claim=OuterRef("pk"), current=True))
    if connection.vendor != "postgresql":
        return tested
    quote = connection.ops.quote_name
    outlets, articles = quote(Outlet._meta.db_table), quote(Article._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, (SELECT COUNT(*) FROM (SELECT 1 FROM {articles} a WHERE a.outlet_id = o.id "
            "LIMIT %s) s), (SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass) "
            f"FROM {outlets} o WHERE UPPER(o.name) = UPPER(%s) OR o.id = %s",
            [SMALL_OUTLET_ARTICLES + 1, Article._meta.db_table, outlet, int(outlet) if is_id else -1],
        )
        found = cursor.fetchall()
    ids = [row[0] for row in found]
    if not ids:
        return Q(pk__in=[])
    if sum(row[1] for row in found) <= small_outlet_limit(float(found[0][2])):
        appearances = quote(Appearance._meta.db_table)
        gathered = RawSQL(
            f"SELECT ap.claim_id FROM {appearances} ap JOIN {articles} ar ON ar.id = ap.article_id "
            "WHERE ar.outlet_id = ANY(%s) AND ap.current OFFSET 0",
            (ids,),
        )
        return Q(pk__in=gathered)
    return tested


def claimreview_feed(*, since: datetime | None) -> QuerySet[Claim]:
    """Published fact-checks whose verdict or publication changed at or after ``since``, oldest change first.

    A claim is in the feed once it has an approved verdict and a ``published_url``.
    """
    published = ClaimEvent.objects.filter(claim=OuterRef("pk"), action=EventType.CLAIM_PUBLISHED)
    qs = claim_list().exclude(published_url="").exclude(verdict="").filter(verdict_at__isnull=False)
    if since is not None:
        qs = qs.filter(
            Q(verdict_at__gte=since) | Exists(published.filter(created_at__gte=since)),
        )
    return qs.order_by("verdict_at", "id")


def _claim_details() -> QuerySet[Claim]:
    return claim_list(article_text=True).prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.select_related("added_by")),
        Prefetch("links_out", queryset=ClaimLink.objects.select_related("to_claim")),
        Prefetch("links_in", queryset=ClaimLink.objects.select_related("from_claim")),
    )


def claim_detail(*, claim_id: int) -> Claim:
    claim = _claim_details().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(f"Claim {claim_id} does not exist.")
    return claim


def claim_details(*, claim_ids: Iterable[int]) -> dict[int, Claim]:
    """``claim_detail`` for many claims in as many queries as for one; a claim that is gone is missing."""
    return {claim.pk: claim for claim in _claim_details().filter(pk__in=set(claim_ids))}


def claim_events(*, claim_id: int) -> QuerySet[ClaimEvent]:
    return (
        ClaimEvent.objects.filter(claim_id=claim_id)
        .select_related("actor", "integration")
        .order_by("created_at", "id")
    )


def event_feed(*, after: int, types: Sequence[str] = (), limit: int) -> list[ClaimEvent]:
    """The event log after an id, oldest first: what the events feed and pollers read."""
    events = ClaimEvent.objects.filter(pk__gt=after).select_related("actor", "integration")
    if types:
        events = events.filter(action__in=types)
    return list(events.order_by("pk")[:limit])


def article_events(*, article_id: int) -> QuerySet[ClaimEvent]:
    return (
        ClaimEvent.objects.filter(article_id=article_id)
        .select_related("actor", "integration")
        .order_by("created_at", "id")
    )


def article_revisions(*, article_id: int) -> QuerySet[ArticleRevision]:
    if not Article.objects.filter(pk=article_id).exists():
        raise NotFound(f"Article {article_id} does not exist.")
    return ArticleRevision.objects.filter(article_id=article_id).defer("body").order_by("-number")


def article_list(
    *, external_id: str | None = None, integration: Integration | None = None
) -> QuerySet[Article]:
    """Articles; by ``external_id``, only those of ``integration`` when one is given (an API key's own)."""
    qs = Article.objects.select_related("outlet").defer("body", "text", "removed", "sentences")
    if external_id is not None:
        qs = qs.filter(external_id=external_id)
        if integration is not None:
            qs = qs.filter(integration=integration)
    return qs


def article_detail(*, article_id: int) -> Article:
    article = Article.objects.select_related("outlet").filter(pk=article_id).first()
    if article is None:
        raise NotFound(f"Article {article_id} does not exist.")
    return article


def article_claim_count(*, article: Article) -> int:
    """Sentences of the article's current text that are claims: those extraction queued and those
    reviewers promoted (one query)."""
    queued = {(s["start"], s["end"]) for s in article.sentences or [] if s.get("check_worthy")}
    promoted = Appearance.objects.filter(
        article=article, article_revision=article.revision, current=True, promoted_at__isnull=False
    ).values_list("start", "end")
    return len(queued | {(start, end) for start, end in promoted})


def promoters(appearances: Sequence[Appearance]) -> dict[int, str]:
    """The names of the people who promoted these appearances to the queue (one query, none if nobody did)."""
    ids = {a.promoted_by_id for a in appearances if a.promoted_by_id is not None}
    if not ids:
        return {}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))


def article_claims_by_start(*, article: Article) -> dict[int, int]:
    """The claim of each current appearance in the article, by where its sentence starts."""
    return dict(Appearance.objects.filter(article=article, current=True).values_list("start", "claim_id"))


def article_appearances(*, article: Article) -> QuerySet[Appearance]:
    return Appearance.objects.filter(article=article, current=True).select_related("claim").order_by("start")


# --- Review: evidence, verdicts, audit trail


def check_claim_exists(*, claim_id: int) -> None:
    if not Claim.objects.filter(pk=claim_id).exists():
        raise NotFound(f"Claim {claim_id} does not exist.")


def claim_evidence(*, claim_id: int) -> QuerySet[Evidence]:
    return Evidence.objects.filter(claim_id=claim_id).select_related("added_by").order_by("-primary", "id")


def claim_verdicts(*, claim_id: int) -> QuerySet[Verdict]:
    """Every verdict revision of a claim, newest first."""
    return (
        Verdict.objects.filter(claim_id=claim_id)
        .select_related("author", "decided_by", "rating")
        .order_by("-created_at", "-id")
    )


def latest_approved_verdict(*, claim_id: int) -> Verdict | None:
    """The verdict the outside world sees: the last one approved."""
    return (
        claim_verdicts(claim_id=claim_id)
        .filter(state=Verdict.State.APPROVED)
        .order_by("-decided_at", "-id")
        .first()
    )


def latest_approved_verdicts(*, claim_ids: Sequence[int]) -> dict[int, Verdict]:
    """The latest approved verdict of each claim, in one query."""
    latest: dict[int, Verdict] = {}
    approved = Verdict.objects.filter(claim_id__in=claim_ids, state=Verdict.State.APPROVED).select_related(
        "rating"
    )
    for verdict in approved.order_by("claim_id", "-decided_at", "-id"):
        latest.setdefault(verdict.claim_id, verdict)
    return latest


def similar_claims(*, text: str, limit: int) -> list[tuple[Claim, float]]:
    """Claims like ``text`` (imported fact-checks included), best first, ready for the list serializer."""
    from . import matching

    ranked = matching.similar_claims(text, limit=limit)
    claims = claim_list(appearances=False).in_bulk([claim_id for claim_id, _ in ranked])
    appearance_rows(list(claims.values()))
    return [(claims[claim_id], score) for claim_id, score in ranked if claim_id in claims]


# --- Dashboard: the queue page's rows and the desk's overview


QUEUE_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "priority": ("-priority", "-id"),
    # Newest first: when an article last carried the claim.
    "recent": (F("last_seen").desc(nulls_last=True), "-id"),
    # Longest in review first; claims not in someone's hands come after, by priority. Read from
    # claim_age_idx: the time is a column the workflow keeps (``Claim.in_review_since``).
    "age": (F("in_review_since").asc(nulls_last=True), "-priority", "-id"),
}


# The statuses in which a claim is in someone's hands, so its age in review means something.
IN_HANDS = (Claim.Status.IN_REVIEW, Claim.Status.AWAITING_APPROVAL)


def figure_conflicts_q() -> Exists:
    """The claim has an open figure conflict with another claim."""
    return Exists(
        ClaimLink.objects.filter(
            Q(from_claim=OuterRef("pk")) | Q(to_claim=OuterRef("pk")),
            kind=ClaimLink.Kind.FIGURE_CONFLICT,
            resolved=False,
        )
    )


def mark_figure_conflicts(claims: Sequence[Claim]) -> None:
    """Set ``has_figure_conflict`` on a page of claims, in one query.

    Asked of the page's rows after the page is cut, not of every row the database
    skips on the way to a deep page.
    """
    ids = [claim.pk for claim in claims]
    links = ClaimLink.objects.filter(
        Q(from_claim__in=ids) | Q(to_claim__in=ids), kind=ClaimLink.Kind.FIGURE_CONFLICT, resolved=False
    ).values_list("from_claim_id", "to_claim_id")
    conflicted = {claim_id for pair in links for claim_id in pair}
    for claim in claims:
        claim.has_figure_conflict = claim.pk in conflicted  # type: ignore[attr-defined]


def previously_checked_q() -> Q:
    """Claims carrying a verdict published elsewhere (an imported fact-check), not the desk's own."""
    return ~Q(verdict="") & (~Q(review_url="") | Q(origin=Claim.Origin.IMPORTED))


def dashboard_queue(*, filters: dict[str, Any], user: Any) -> QuerySet[Claim]:
    """The queue as the dashboard lists it: ``claim_list`` plus the dashboard's filters and sorts.

    The rows of a page get ``has_figure_conflict`` from ``mark_figure_conflicts``.

    Filters beyond ``claim_list``'s: ``mine``, ``assignee`` (a user name, or "none"),
    ``score_min``/``score_max`` (0-1), ``checked`` (previously fact-checked), ``conflict``
    (an open figure conflict), ``since``/``until`` (dates the claim was first seen);
    ``sort`` is one of QUEUE_SORTS.
    """
    qs = claim_list(filters=filters)
    if filters.get("mine"):
        qs = qs.filter(assignee=user)
    assignee = filters.get("assignee")
    if assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee__username=assignee)
    if filters.get("score_min") not in (None, ""):
        qs = qs.filter(score__gte=float(filters["score_min"]))
    if filters.get("score_max") not in (None, ""):
        qs = qs.filter(score__lte=float(filters["score_max"]))
    if filters.get("checked"):
        qs = qs.filter(previously_checked_q())
    if filters.get("conflict"):
        qs = qs.filter(figure_conflicts_q())
    seen = Coalesce("first_seen", "created_at")
    if filters.get("since"):
        qs = qs.alias(seen=seen).filter(seen__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.alias(seen=seen).filter(seen__date__lte=filters["until"])
    return qs.order_by(*QUEUE_SORTS.get(filters.get("sort") or "priority", QUEUE_SORTS["priority"]))


def awaiting_approval_q(user: Any) -> Q:
    """Claims whose proposed verdict waits for an editor other than its author: ``user``'s to approve."""
    pending = Verdict.objects.filter(claim=OuterRef("pk"), state=Verdict.State.PROPOSED).exclude(author=user)
    return Q(status=Claim.Status.AWAITING_APPROVAL, merged_into__isnull=True) & Q(Exists(pending))


def awaiting_my_approval(*, user: Any) -> QuerySet[Claim]:
    """The verdicts an editor may approve, longest waiting first, with the proposal prefetched."""
    proposed = Verdict.objects.filter(state=Verdict.State.PROPOSED).select_related("author")
    return (
        claim_list()
        .filter(awaiting_approval_q(user))
        .annotate(
            proposed_at=Subquery(
                proposed.filter(claim=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
            )
        )
        .prefetch_related(
            Prefetch("verdicts", queryset=proposed.order_by("-created_at"), to_attr="proposals")
        )
        .order_by("proposed_at", "id")
    )


def my_claims(*, user: Any) -> QuerySet[Claim]:
    """The claims in a person's hands (in review or awaiting approval), longest held first."""
    return (
        claim_list()
        .filter(assignee=user, status__in=IN_HANDS)
        .order_by(F("in_review_since").asc(nulls_last=True), "id")
    )


class _Count(Subquery):
    """COUNT(*) of a queryset, as a value in another query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def worklist_counts(*, user: Any, editor: bool) -> dict[str, int]:
    """How many claims wait for ``user``: in their hands and, for editors, awaiting their approval.

    One query of two counts, each by an index (assignee, status): every page's navigation
    shows them, so they must not read the whole claims table.
    """
    live = Claim.objects.filter(merged_into__isnull=True).order_by()
    counted = {"mine": _Count(live.filter(assignee=user, status__in=IN_HANDS).values("pk"))}
    if editor:
        counted["approvals"] = _Count(live.filter(awaiting_approval_q(user)).values("pk"))
    counts: Any = User.objects.filter(pk=user.pk).values(**counted).first() or {}
    return {"mine": int(counts.get("mine") or 0), "approvals": int(counts.get("approvals") or 0)}


def assignable_usernames() -> list[str]:
    """The names of the people in ``assignable_users``, for a filter's choices."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=roles.ROLES))
        .order_by("username")
        .values_list("username", flat=True)
        .distinct()
    )


def assignable_users() -> QuerySet[User]:
    """Active people who may hold claims (reviewers and above), for the assign pickers."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name__in=roles.ROLES))
        .prefetch_related("groups")
        .distinct()
        .order_by("username")
    )
