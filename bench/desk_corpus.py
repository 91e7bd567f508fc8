"""A busy desk in a PostgreSQL database, for the dashboard's benchmarks (bench/queue_page.py,
bench/stats_page.py).

``load_desk`` fills claims as the product leaves them after ``--days`` of news:
articles from 25 outlets, claims first seen over those days, each in one to
five articles (its appearances), a fifth of them repeated across outlets; the
desk's work on them (new, in review, awaiting approval, verified, disputed,
dismissed) with assignees, verdicts carrying ratings from the default scale,
figure conflicts, and every event the product would have written (created,
taken, proposed, published, dismissed), dated as they happened.

Claims go in chunks of ``CHUNK``, each chunk one transaction with its
appearances, verdicts and events, so an interrupted load goes on from the last
chunk committed. Claims and verdicts use ``bulk_create`` (their timestamps set
by hand), appearances and events PostgreSQL's COPY.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

CHUNK = 10_000
OUTLETS = [
    f"{town} {paper}"
    for town in ("Capital", "Harbour", "Valley", "Northern", "Coastal")
    for paper in ("Ledger", "Times", "Courier", "Wire", "Gazette")
]
KINDS = ["statistic", "quote", "event", "comparison", "prediction", "other"]
SPEAKERS = ["", "the minister", "Jane Smith", "the central bank", "the mayor", "the opposition leader"]
REASONS = ["a figure", "a named source", "a comparison", "a record claim", "a percentage", "a prediction"]
# How a desk's claims stand after a while: most were never picked up.
STATUS_WEIGHTS = {
    "new": 62,
    "in_review": 2,
    "awaiting_approval": 1,
    "verified": 8,
    "disputed": 9,
    "dismissed": 18,
}
RATINGS = {
    "verified": ["true", "mostly-true"],
    "disputed": ["half-true", "misleading", "false", "unproven"],
}


def desk_arguments(description: str) -> argparse.Namespace:
    """The command line every page benchmark on the desk shares: where, how big, how many requests."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("database_url", help="postgres://... of a database whose name contains 'bench'")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90, help="how many days of news the claims span")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per view")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the loaded desk; load only what is missing")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    """Create the benchmark's database when missing; refuse any name without "bench" in it."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name) or "bench" not in name:
        raise SystemExit(
            f"database name {name!r}: a dedicated one, letters, digits and _, with 'bench' in it"
        )
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", file=sys.stderr)


def setup_django(url: str) -> None:
    """Django on the benchmark's database, DEBUG off (no query log), migrated."""
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Pages name their assets through the static manifest, as in production.
    os.environ.setdefault("STATIC_ROOT", str(Path(tempfile.gettempdir()) / "factcheck-bench-static"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


@contextmanager
def own_timestamps(*models: Any) -> Iterator[None]:
    """Let bulk_create keep the created_at the loader gives (a desk's past), not now."""
    fields = [model._meta.get_field("created_at") for model in models]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value


def loaded_claims() -> int:
    from claims.models import Claim

    return Claim.objects.count()


def load_desk(*, claims: int, days: int, seed: int, fresh: bool) -> None:
    """Fill the database up to ``claims`` claims (emptying it first when ``fresh``)."""
    from django.core.management import call_command

    if fresh:
        print("emptying the database", file=sys.stderr)
        call_command("flush", interactive=False, verbosity=0)
    cast = _cast(days=days, claims=claims)
    have = loaded_claims()
    started = time.monotonic()
    while have < claims:
        size = min(CHUNK, claims - have)
        _load_chunk(cast, first=have, size=size, rng=random.Random(seed * 1_000_003 + have))
        have += size
        rate = (have - cast["start"]) / max(time.monotonic() - started, 1e-6)
        print(f"\r{have:,} / {claims:,} claims ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _cast(*, days: int, claims: int) -> dict[str, Any]:
    """People, outlets, ratings and articles: made once, found again on a resumed load."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from claims import ratings, roles
    from claims.models import Article, Outlet

    groups = roles.ensure_roles()
    ratings.ensure_scale()
    people: dict[str, list[int]] = {}
    for role, names in ((roles.REVIEWER, [f"reviewer{n}" for n in range(6)]), (roles.EDITOR, ["ed0", "ed1"])):
        for name in names:
            user, created = User.objects.get_or_create(
                username=name, defaults={"email": f"{name}@example.org"}
            )
            if created:
                user.groups.add(groups[role])
            people.setdefault(role, []).append(user.pk)
    outlets = [Outlet.objects.get_or_create(name=name)[0].pk for name in OUTLETS]
    now = timezone.now()
    wanted = max(1, claims // 3)
    have = Article.objects.count()
    if have < wanted:
        rng = random.Random(have)
        with own_timestamps(Article):
            for start in range(have, wanted, CHUNK):
                batch = []
                for n in range(start, min(start + CHUNK, wanted)):
                    published = now - timedelta(days=days * (1 - n / wanted), minutes=rng.randint(0, 600))
                    batch.append(
                        Article(
                            outlet_id=outlets[n % len(outlets)],
                            title=f"Story {n}",
                            url=f"https://news.example.com/{n}",
                            body="x",
                            text="x",
                            content_hash=f"h{n}",
                            extraction_status="done",
                            published_at=published,
                            created_at=published,
                        )
                    )
                Article.objects.bulk_create(batch, batch_size=5000)
    articles = list(Article.objects.order_by("pk").values_list("pk", "outlet_id", "published_at"))
    return {"people": people, "articles": articles, "now": now, "days": days, "start": loaded_claims()}


def _load_chunk(cast: dict[str, Any], *, first: int, size: int, rng: random.Random) -> None:
    from django.db import connection, transaction

    from claims.event_types import EventType
    from claims.models import Appearance, Claim, ClaimEvent, ClaimLink, Verdict

    articles, now = cast["articles"], cast["now"]
    reviewers, editors = cast["people"]["reviewer"], cast["people"]["editor"]
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    with transaction.atomic():
        plans, rows = [], []
        for n in range(first, first + size):
            # Articles are ordered by publication: a claim's first one says when it was first seen.
            home = rng.randrange(len(articles))
            carried = [home]
            if rng.random() < 0.2:
                carried += [
                    min(home + rng.randint(1, 400), len(articles) - 1) for _ in range(rng.randint(1, 4))
                ]
            carried = sorted(set(carried))
            seen = articles[carried[0]][2]
            status = rng.choices(statuses, weights)[0]
            decided = status in ("verified", "disputed")
            waited = timedelta(hours=rng.expovariate(1 / 40))
            verdict_at = min(seen + waited, now - timedelta(minutes=1))
            rating = rng.choice(RATINGS[status]) if decided else ""
            rise, value = rng.randint(1, 40), rng.randint(10, 900)
            plans.append((status, seen, verdict_at, rating, carried))
            rows.append(
                Claim(
                    text=f"Claim {n}: exports rose {rise}% to ${value}bn in {2019 + n % 7}, the office said.",
                    normalized_text=f"claim {n} exports rose {rise} to {value}bn",
                    kind=rng.choice(KINDS),
                    speaker=rng.choice(SPEAKERS),
                    score=round(rng.uniform(0.3, 1.0), 3),
                    priority=round(rng.uniform(0, 100), 1),
                    priority_parts={
                        "checkworthiness": round(rng.uniform(10, 40), 1),
                        "outlets": 8.0 * len(carried),
                    },
                    reasons=rng.sample(REASONS, 2),
                    status=status,
                    assignee_id=rng.choice(reviewers)
                    if status in ("in_review", "awaiting_approval")
                    else None,
                    appearance_count=len(carried),
                    outlet_count=len({articles[i][1] for i in carried}),
                    verdict=status if decided else "",
                    rating=rating,
                    verdict_at=verdict_at if decided else None,
                    first_seen=seen,
                    last_seen=articles[carried[-1]][2],
                    # The time of its "taken" event below, as the workflow keeps it.
                    in_review_since=seen + (verdict_at - seen) / 2
                    if status in ("in_review", "awaiting_approval")
                    else None,
                    created_at=seen,
                )
            )
        with own_timestamps(Claim, Verdict):
            made = Claim.objects.bulk_create(rows, batch_size=5000)
            verdicts = Verdict.objects.bulk_create(
                [
                    Verdict(
                        claim_id=claim.pk,
                        value=plan[0] if plan[0] != "awaiting_approval" else "disputed",
                        rationale="The office's own table says so.",
                        author_id=rng.choice(reviewers),
                        state=Verdict.State.APPROVED
                        if plan[0] != "awaiting_approval"
                        else Verdict.State.PROPOSED,
                        decided_by_id=rng.choice(editors) if plan[0] != "awaiting_approval" else None,
                        decided_at=plan[2] if plan[0] != "awaiting_approval" else None,
                        created_at=plan[2],
                    )
                    for claim, plan in zip(made, plans, strict=True)
                    if plan[0] in ("verified", "disputed", "awaiting_approval")
                ],
                batch_size=5000,
            )
        verdict_of = {verdict.claim_id: verdict.pk for verdict in verdicts}
        conflicts = [
            ClaimLink(from_claim_id=claim.pk, to_claim_id=made[i - 1].pk, kind=ClaimLink.Kind.FIGURE_CONFLICT)
            for i, claim in enumerate(made)
            if i and rng.random() < 0.03
        ]
        ClaimLink.objects.bulk_create(conflicts, batch_size=5000)
        with connection.cursor() as cursor:
            copy_rows(
                cursor,
                Appearance,
                [
                    "claim_id",
                    "article_id",
                    "article_revision",
                    "text",
                    "start",
                    "end",
                    "score",
                    "speaker",
                    "match_reason",
                    "current",
                    "created_at",
                ],
                (
                    (
                        claim.pk,
                        articles[i][0],
                        1,
                        claim.text,
                        claim.pk * 10,
                        claim.pk * 10 + 9,
                        claim.score,
                        "",
                        "",
                        True,
                        claim.first_seen,
                    )
                    for claim, plan in zip(made, plans, strict=True)
                    for i in plan[4]
                ),
            )
            copy_rows(
                cursor,
                ClaimEvent,
                [
                    "claim_id",
                    "action",
                    "from_status",
                    "to_status",
                    "actor_id",
                    "reason",
                    "data",
                    "created_at",
                ],
                _events(made, plans, verdict_of, EventType, rng=rng, reviewers=reviewers, editors=editors),
            )


def _events(
    made: list[Any],
    plans: list[Any],
    verdict_of: dict[int, int],
    types: Any,
    *,
    rng: random.Random,
    reviewers: list[int],
    editors: list[int],
) -> Iterator[tuple[Any, ...]]:
    """The log of each claim's life so far, in the order it happened."""
    for claim, (status, seen, verdict_at, rating, carried) in zip(made, plans, strict=True):
        yield (claim.pk, types.CREATED.value, "", "new", None, "", {"article": carried[0]}, seen)
        if status == "new":
            continue
        if status == "dismissed":
            yield (
                claim.pk,
                types.DISMISSED.value,
                "new",
                "dismissed",
                rng.choice(editors),
                "Not checkable.",
                {},
                seen + (verdict_at - seen) / 3,
            )
            continue
        taken = seen + (verdict_at - seen) / 2
        yield (
            claim.pk,
            types.TAKEN.value,
            "new",
            "in_review",
            claim.assignee_id or rng.choice(reviewers),
            "",
            {},
            taken,
        )
        if status == "in_review":
            continue
        data = {"verdict": verdict_of.get(claim.pk), "value": claim.verdict or "disputed", "rating": rating}
        if status == "awaiting_approval":
            yield (
                claim.pk,
                types.VERDICT_PROPOSED.value,
                "in_review",
                status,
                claim.assignee_id,
                "Proposed.",
                data,
                verdict_at,
            )
            continue
        yield (
            claim.pk,
            types.VERDICT_PUBLISHED.value,
            "in_review",
            status,
            rng.choice(reviewers),
            "Checked.",
            data,
            verdict_at,
        )


def copy_rows(cursor: Any, model: Any, columns: list[str], rows: Any) -> None:
    """PostgreSQL COPY of ``rows`` (tuples in ``columns`` order) into ``model``'s table; every other
    column gets the model's default, as the benchmark corpus writes it (``bench.corpus.tables``)."""
    from bench.corpus import tables

    tables.copy_rows(
        cursor.cursor, model, [dict(zip(columns, row, strict=True)) for row in rows], with_id=False
    )
