"""How fast the dashboard's queue page answers over a large desk, on PostgreSQL.

    python bench/queue_page.py postgres://postgres@127.0.0.1:5432/factcheck_queue_bench \\
        [--claims 100000] [--days 90] [--requests 40] [--keep] [--seed 5]

Creates the database when it is missing (its name must contain "bench": the
script empties it), migrates it and loads a desk of ``--claims`` claims
(bench/desk_corpus.py: articles from 25 outlets, appearances, assignees,
verdicts, figure conflicts, the event log). ``--keep`` keeps what is there and
only loads what is missing, so an interrupted load goes on where it stopped.

It then asks for the queue page as a logged-in editor through Django's test
client (the whole server side: middleware, session, selectors, templates;
DEBUG off), ``--requests`` times for each of several views of the queue
(default, sorted by age, every status, a search, a deep page, the htmx partial)
after two warm-up requests, and prints p50/p95 milliseconds and the number of
queries of each. The last stdout line is JSON.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.desk_corpus import desk_arguments, load_desk, loaded_claims, setup_django  # noqa: E402

VIEWS: dict[str, tuple[str, dict[str, Any]]] = {
    "open, by priority": ("/", {}),
    "open, longest in review": ("/?sort=age", {}),
    "every status": ("/?status=all", {}),
    "search": ("/?q=exports+rose+12", {}),
    "page 200": ("/?page=200", {}),
    "htmx partial": ("/?sort=recent", {"HTTP_HX_REQUEST": "true"}),
}


class Counter:
    """An execute wrapper that keeps the SQL of every query it sees."""

    def __init__(self, queries: list[str]) -> None:
        self.queries = queries

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.queries.append(sql)
        return execute(sql, params, many, context)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_views(views: dict[str, tuple[str, dict[str, Any]]], requests: int) -> dict[str, Any]:
    """Each view ``requests`` times as the editor ed0, after two warm-ups: p50, p95 and queries."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="ed0"))
    results: dict[str, Any] = {}
    for name, (path, headers) in views.items():
        for _ in range(2):
            client.get(path, **headers)
        queries: list[str] = []
        with connection.execute_wrapper(Counter(queries)):
            response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path, **headers)
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "path": path,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "queries": len(queries),
        }
        print(
            f"{name:<26} p50 {results[name]['p50_ms']:7.1f} ms   p95 {results[name]['p95_ms']:7.1f} ms   "
            f"{len(queries)} queries",
            flush=True,
        )
    return results


def main() -> None:
    args = desk_arguments((__doc__ or "").split("\n")[0])

    setup_django(args.database_url)
    started = time.monotonic()
    load_desk(claims=args.claims, days=args.days, seed=args.seed, fresh=not args.keep)
    print(f"desk of {loaded_claims():,} claims ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
    results = time_views(VIEWS, args.requests)
    worst = max(view["p95_ms"] for view in results.values())
    print(
        json.dumps(
            {"claims": loaded_claims(), "requests": args.requests, "worst_p95_ms": worst, "views": results}
        )
    )


if __name__ == "__main__":
    main()
