"""Building every subscriber's email digest at once, on PostgreSQL.

    python bench/digests.py postgres://postgres@127.0.0.1:5432/factcheck_digest_bench \\
        [--subscribers 10000] [--claims 3000] [--seed 3] [--keep]

Creates the database when it is missing (its name must contain "bench": its
tables are emptied), migrates it, and loads a busy desk: ``--subscribers``
people with an email address (10 % editors, 60 % reviewers, the rest readers),
each with a subscription (a fifth with outlet, kind or score filters, a tenth
weekly, six time zones); ``--claims`` claims found in the last day, one claim
in review per reviewer (half of them taken five days ago), verdicts awaiting
approval and published, repeats of fact-checked claims and figure conflicts,
each with the event-log rows the product writes. ``--keep`` reuses a database
already loaded with as many subscribers.

It then times the beat's pass that finds who is due (everybody, as
``send_digests --now`` does) and builds every digest as the email task does:
content from the selectors, the plain-text and HTML bodies (CSS inlined), the
MIME message as bytes; nothing is sent. Progress goes to stderr (tqdm); the
last stdout line is JSON: total seconds, per-digest milliseconds, queries per
digest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.desk_corpus import ensure_database, own_timestamps  # noqa: E402

OUTLETS = [
    f"{town} {paper}"
    for town in ("Capital", "Harbour", "Valley", "Northern", "Coastal")
    for paper in (
        "Ledger",
        "Times",
        "Courier",
        "Wire",
        "Gazette",
    )
]
TIME_ZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
KINDS = ["statistic", "quote", "event", "comparison", "prediction", "other"]
SPEAKERS = ["", "the minister", "Jane Smith", "the central bank", "the mayor", "the opposition leader"]
REASONS = ["a figure", "a named source", "a comparison", "a record claim", "a percentage", "a prediction"]


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)  # DEBUG is off unless set
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("SITE_URL", "https://claims.example.org")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Loading a desk


def load(*, subscribers: int, claims: int, rng: random.Random) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from claims import roles
    from claims.event_types import EventType
    from claims.models import Appearance, Article, Claim, ClaimEvent, ClaimLink, Outlet, Verdict
    from digests import subscriptions
    from digests.models import DigestSubscription

    started = time.monotonic()
    print("emptying the database", file=sys.stderr)
    call_command("flush", interactive=False, verbosity=0)
    groups = roles.ensure_roles()
    now = timezone.now()
    day_ago, five_days_ago = now - timedelta(hours=23), now - timedelta(days=5)

    print(f"{subscribers:,} people and their subscriptions", file=sys.stderr)
    User.objects.bulk_create(
        [User(username=f"p{n:05d}", email=f"p{n:05d}@example.org", password="!") for n in range(subscribers)],
        batch_size=2000,
    )
    people = list(User.objects.order_by("pk").values_list("pk", flat=True))
    editors, reviewers = people[: subscribers // 10], people[subscribers // 10 : subscribers * 7 // 10]
    membership = User.groups.through
    membership.objects.bulk_create(
        [membership(user_id=pk, group_id=groups[roles.EDITOR].pk) for pk in editors]
        + [membership(user_id=pk, group_id=groups[roles.REVIEWER].pk) for pk in reviewers],
        batch_size=5000,
    )
    subscriptions.ensure_subscriptions()
    outlets = [Outlet.objects.create(name=name) for name in OUTLETS]
    _vary_subscriptions(rng, outlets, DigestSubscription)

    print(f"{claims:,} new claims, {len(reviewers):,} in review and the desk's day", file=sys.stderr)
    articles = Article.objects.bulk_create(
        [
            Article(
                outlet=rng.choice(outlets),
                title=f"Story {n}",
                url=f"https://news.example.com/{n}",
                body="x",
                text="x",
                content_hash=f"h{n}",
            )
            for n in range(max(1, claims // 3))
        ],
        batch_size=5000,
    )

    def claim(n: int, **fields: Any) -> Claim:
        rise, value = rng.randint(1, 40), rng.randint(10, 900)
        return Claim(
            text=f"Claim {n}: exports rose {rise}% to ${value}bn in {2019 + n % 7}, the trade office said.",
            kind=rng.choice(KINDS),
            speaker=rng.choice(SPEAKERS),
            score=round(rng.uniform(0.3, 1.0), 3),
            priority=round(rng.uniform(0, 100), 1),
            reasons=rng.sample(REASONS, 2),
            **fields,
        )

    new = Claim.objects.bulk_create([claim(n) for n in range(claims)], batch_size=5000)
    held = Claim.objects.bulk_create(
        [claim(claims + i, status=Claim.Status.IN_REVIEW, assignee_id=pk) for i, pk in enumerate(reviewers)],
        batch_size=5000,
    )
    waiting = Claim.objects.bulk_create(
        [claim(n, status=Claim.Status.AWAITING_APPROVAL) for n in range(200)], batch_size=5000
    )
    decided = Claim.objects.bulk_create(
        [claim(n, status=Claim.Status.VERIFIED, verdict="verified", verdict_at=day_ago) for n in range(300)],
        batch_size=5000,
    )
    everything = [*new, *held, *waiting, *decided]
    # Each appearance its own sentence offset: (article, revision, start) is unique.
    Appearance.objects.bulk_create(
        [
            Appearance(
                claim=c,
                article=articles[i % len(articles)],
                article_revision=1,
                text=c.text,
                start=i,
                end=i + 1,
            )
            for i, c in enumerate(everything)
        ],
        batch_size=5000,
    )
    author = reviewers[0] if reviewers else people[0]
    proposed = Verdict.objects.bulk_create(
        [
            Verdict(
                claim=c, value="disputed", rationale=f"The table says otherwise ({c.pk}).", author_id=author
            )
            for c in waiting
        ]
    )
    approved = Verdict.objects.bulk_create(
        [
            Verdict(
                claim=c,
                value="verified",
                rationale=f"The office's figures confirm it ({c.pk}). " * 4,
                author_id=author,
                state=Verdict.State.APPROVED,
                decided_at=day_ago,
            )
            for c in decided
        ]
    )
    # The log is append-only (a trigger refuses UPDATE): each event is written with its time.
    stale = {c.pk for c in held[::2]}
    events = (
        [
            ClaimEvent(claim=c, action=EventType.CREATED, to_status="new", data={}, created_at=day_ago)
            for c in new
        ]
        + [
            ClaimEvent(
                claim=c,
                action=EventType.TAKEN,
                to_status="in_review",
                created_at=five_days_ago if c.pk in stale else now,
            )
            for c in held
        ]
        + [
            ClaimEvent(
                claim=v.claim,
                action=EventType.VERDICT_PROPOSED,
                data={"verdict": v.pk, "value": v.value},
                created_at=day_ago,
            )
            for v in proposed
        ]
        + [
            ClaimEvent(
                claim=v.claim,
                action=EventType.VERDICT_APPROVED,
                data={"verdict": v.pk, "value": v.value},
                created_at=day_ago,
            )
            for v in approved
        ]
        + [
            ClaimEvent(
                claim=c,
                action=EventType.REPEATED,
                data={"article": rng.choice(articles).pk},
                created_at=day_ago,
            )
            for c in decided[:200]
            for _ in range(2)
        ]
    )
    with own_timestamps(ClaimEvent):
        ClaimEvent.objects.bulk_create(events, batch_size=5000)
    pairs = {tuple(rng.sample(new, 2)) for _ in range(min(300, len(new) // 2))} if len(new) > 1 else set()
    ClaimLink.objects.bulk_create(
        [ClaimLink(from_claim=a, to_claim=b, kind=ClaimLink.Kind.FIGURE_CONFLICT) for a, b in pairs],
        ignore_conflicts=True,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded in {time.monotonic() - started:.0f}s", file=sys.stderr)


def _vary_subscriptions(rng: random.Random, outlets: list[Any], model: Any) -> None:
    """A fifth filter on something, a tenth weekly, six time zones; all in bulk."""
    rows = list(model.objects.order_by("pk"))
    through = model.outlets.through
    links = []
    for sub in rows:
        sub.time_zone = rng.choice(TIME_ZONES)
        roll = rng.random()
        if roll < 0.08:
            links += [through(digestsubscription_id=sub.pk, outlet_id=o.pk) for o in rng.sample(outlets, 2)]
        elif roll < 0.12:
            sub.kinds = ["statistic", "quote"]
        elif roll < 0.16:
            sub.min_score = 0.7
        elif roll < 0.20:
            sub.only_mine = True
        if rng.random() < 0.1:
            sub.frequency, sub.weekday = "weekly", rng.randrange(7)
    model.objects.bulk_update(
        rows, ["time_zone", "kinds", "min_score", "only_mine", "frequency", "weekday"], 2000
    )
    through.objects.bulk_create(links, batch_size=5000)


# --- Measuring


def measure() -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from tqdm import tqdm

    from digests import rendering, sending
    from digests.selectors import Window

    now = timezone.now()
    started = time.monotonic()
    dues, _ = sending.due_subscriptions(now=now, force=True)
    due_seconds = time.monotonic() - started
    print(f"{len(dues):,} digests due (found in {due_seconds:.1f}s)", file=sys.stderr)

    times, queries, sizes = [], [], []
    empty = 0
    started = time.monotonic()
    for due in tqdm(dues, desc="building digests", unit="digest", file=sys.stderr, mininterval=2):
        window = Window(start=now - due.period.length, end=now)
        connection.queries_log.clear()  # a bounded deque: a full one would count nothing
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            built = sending.build_for(
                user_id=due.subscription.user_id, kind=due.period.kind, window=window, now=now
            )
            assert built is not None
            digest, _ = built
            if digest.empty:
                empty += 1
            else:
                sizes.append(len(rendering.digest_message(digest).message().as_bytes()))
        times.append((time.perf_counter() - began) * 1000)
        queries.append(len(captured))
    total = time.monotonic() - started
    times.sort()
    return {
        "subscribers": len(dues),
        "digests_built": len(dues) - empty,
        "empty": empty,
        "due_pass_seconds": round(due_seconds, 2),
        "total_seconds": round(total, 1),
        "per_digest_ms": {
            "mean": round(statistics.fmean(times), 2),
            "p50": round(times[len(times) // 2], 2),
            "p95": round(times[int(len(times) * 0.95)], 2),
        },
        "queries_per_digest": {
            "min": min(queries),
            "max": max(queries),
            "mean": round(statistics.fmean(queries), 2),
        },
        "message_kb_mean": round(statistics.fmean(sizes) / 1024, 1) if sizes else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "database_url", help="a dedicated PostgreSQL database, e.g. .../factcheck_digest_bench"
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=3_000, help="claims found in the last day")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--keep", action="store_true", help="reuse a database loaded with as many subscribers"
    )
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("give a PostgreSQL database URL")
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from digests.models import DigestSubscription

    if not (args.keep and DigestSubscription.objects.count() == args.subscribers):
        load(subscribers=args.subscribers, claims=args.claims, rng=random.Random(args.seed))
    result = measure()
    result["at"] = datetime.now().isoformat(timespec="seconds")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
