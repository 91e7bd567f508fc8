"""Latency of the paths a desk and a CMS use all day, at scale, against DRF's own ceiling.

    python bench/api.py postgres://postgres@127.0.0.1:5432/factcheck_api_bench --claims 1000000 [--keep] \\
        [--requests 200] [--redis redis://127.0.0.1:6379/2] [--workers 2] [--paths claims_open,similar]

Loads the synthetic corpus (``bench/corpus``: claims, a fifth as many articles,
their appearances, reviews and events; ``--keep`` reuses a database already
loaded to that size), starts gunicorn on 127.0.0.1 with the product's settings
(only the URLs gain a bare endpoint, defined below, never in the product), and
times each path with sequential requests over one keep-alive connection:

* GET /api/v1/claims/?status=open&ordering=-priority, alone and filtered by
  outlet, speaker, kind, q (full text) and updated_since (an API key);
* GET /api/v1/claims/similar/?text=... (a paraphrase of a loaded claim);
* the dashboard's queue page (/) and statistics page (/stats/) as an editor;
* GET /api/v1/events/?after=... (a poller a few thousand events behind);
* the bare baseline: a DRF ListAPIView over the same table, a plain
  ModelSerializer of Claim, the same page size and order, with DRF's default
  pagination (an exact COUNT) and no authentication, throttling or filters.

For each path: p50 and p95 over the timed requests (after a warm-up), the
number of SQL queries of one request (counted in-process with Django's test
client), and the ratio bare p95 / path p95 (1.0: as fast as the bare view).
Every SELECT of that request is also EXPLAINed on the loaded database, and a
sequential read of claims, appearances, events or the match index is named
(the plan tests in tests/test_query_plans.py, at this size). The last line of
stdout is JSON with every path's p50, p95, queries, ratio and sequential reads.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETTINGS = """
from factcheck.settings import *  # noqa: F403
from factcheck.settings import STORAGES

ROOT_URLCONF = "bench_api_urls"
# Static files are served uncollected, as in the test settings: the benchmark times views, not assets.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""

URLS = '''
from django.urls import include, path
from rest_framework import generics, pagination, serializers

from claims.models import Claim
from factcheck.urls import handler404, handler500  # noqa: F401


class BareClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = "__all__"


class BarePagination(pagination.PageNumberPagination):
    page_size = 50


class BareClaimList(generics.ListAPIView):
    """The framework's ceiling: DRF's defaults over the claims table, nothing of the product."""

    queryset = Claim.objects.order_by("-priority", "-id")
    serializer_class = BareClaimSerializer
    pagination_class = BarePagination
    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    filter_backends = []


urlpatterns = [
    path("bench/bare/claims/", BareClaimList.as_view()),
    path("", include("factcheck.urls")),
]
'''

LIST = "/api/v1/claims/?status=open&ordering=-priority"
# Pages that take seconds at scale get a quarter of the requests, so a run ends in minutes.
SLOW = {"queue_page", "stats_page"}


def write_bench_modules() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="factcheck-api-bench-"))
    (folder / "bench_api_settings.py").write_text(SETTINGS, encoding="utf-8")
    (folder / "bench_api_urls.py").write_text(URLS, encoding="utf-8")
    return folder


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fixtures(seed: int) -> dict[str, Any]:
    """An API key, an editor's session, and the filter values to ask for (from the loaded data)."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from claims.models import ClaimEvent
    from integrations import scopes
    from integrations.services import create_integration

    _, key = create_integration(name=f"api-bench-{time.time_ns()}", scopes=[scopes.CLAIMS_READ])
    editor = User.objects.get(username="editor01")
    client = Client()
    client.force_login(editor)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")  # statistics for the expression indexes of migration 0015
        # An outlet of middling size and a speaker quoted a few hundred times in a million claims.
        cursor.execute(
            "SELECT o.name, count(*) FROM claims_appearance a JOIN claims_article ar ON ar.id = a.article_id "
            "JOIN claims_outlet o ON o.id = ar.outlet_id GROUP BY o.name ORDER BY 2 DESC"
        )
        outlets = cursor.fetchall()
        cursor.execute(
            "SELECT speaker, count(*) FROM claims_claim WHERE speaker <> '' GROUP BY speaker ORDER BY 2 DESC"
        )
        speakers = cursor.fetchall()
        cursor.execute("SELECT max(updated_at) FROM claims_claim")
        newest = cursor.fetchone()[0]
        cursor.execute("SELECT text FROM claims_claim WHERE origin = 'extracted' ORDER BY id LIMIT 3000")
        texts = [row[0] for row in cursor.fetchall()]
    last_event = ClaimEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    return {
        "key": key,
        "session": client.cookies["sessionid"].value,
        "outlet": outlets[len(outlets) // 4][0],
        "speaker": speakers[len(speakers) // 10][0],
        "since": (newest - timedelta(days=2)).isoformat(),
        "texts": rng.sample(texts, min(len(texts), 400)),
        "after": max(0, last_event - 5000),
    }


def paths(f: dict[str, Any], only: set[str] | None = None) -> dict[str, tuple[str, str]]:
    """name -> (how it is authenticated, URL); with ``only``, those paths and the bare baseline."""
    from urllib.parse import quote

    every = {
        "bare": ("none", "/bench/bare/claims/"),
        "claims_open": ("key", LIST),
        "claims_outlet": ("key", f"{LIST}&outlet={quote(f['outlet'])}"),
        "claims_speaker": ("key", f"{LIST}&speaker={quote(f['speaker'])}"),
        "claims_kind": ("key", f"{LIST}&kind=prediction"),
        "claims_q": ("key", f"{LIST}&q=inflation"),
        "claims_updated_since": ("key", f"{LIST}&updated_since={quote(f['since'])}"),
        "similar": ("key", "/api/v1/claims/similar/?limit=5&text="),
        "queue_page": ("session", "/"),
        "stats_page": ("session", "/stats/"),
        "events": ("key", f"/api/v1/events/?after={f['after']}"),
    }
    if only is None:
        return every
    unknown = only - set(every)
    if unknown:
        raise SystemExit(f"unknown paths: {', '.join(sorted(unknown))}; choose from {', '.join(every)}")
    return {name: value for name, value in every.items() if name == "bare" or name in only}


def count_queries(
    f: dict[str, Any], only: set[str] | None = None
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """SQL queries of one request of each path, in-process (the same code gunicorn runs), and the
    big tables any of them would read sequentially at this size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import plans

    counts = {}
    scans: dict[str, list[str]] = {}
    for name, (auth, url) in paths(f, only).items():
        client = Client()
        headers = {"Authorization": f"Bearer {f['key']}"} if auth == "key" else {}
        if auth == "session":
            client.cookies["sessionid"] = f["session"]
        target = url + (f["texts"][0] if name == "similar" else "")
        client.get(target, headers=headers)  # warm: first-use queries (the rating scale...) aside
        with CaptureQueriesContext(connection) as captured:
            response = client.get(target, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {target} answered {response.status_code}: {response.content[:300]!r}")
        counts[name] = len(captured)
        selects = [q["sql"] for q in captured.captured_queries if plans.is_select(q["sql"])]
        scans[name] = sorted({t for sql in selects for t in plans.sequential_reads(sql, plans.explain(sql))})
        if scans[name]:
            print(f"  {name}: sequential read of {', '.join(scans[name])}", file=sys.stderr)
    return counts, scans


def start_gunicorn(
    url: str, folder: Path, port: int, workers: int, redis: str | None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench_api_settings",
        "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}",
        "DEBUG": "0",
        "API_THROTTLE_RATE": "1000000/min",
        "API_SIMILAR_THROTTLE_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
    }
    if redis:
        env["REDIS_URL"] = redis
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "factcheck.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code < 500:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit("gunicorn did not start")
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz within two minutes")


def time_paths(
    f: dict[str, Any], port: int, requests: int, only: set[str] | None = None
) -> dict[str, list[float]]:
    """Wall-clock milliseconds per request, path by path, over one keep-alive connection each."""
    import httpx

    timings: dict[str, list[float]] = {}
    for name, (auth, url) in paths(f, only).items():
        headers = {"Authorization": f"Bearer {f['key']}"} if auth == "key" else {}
        cookies = {"sessionid": f["session"]} if auth == "session" else {}
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=headers, cookies=cookies, timeout=60
        ) as c:
            warm = 10 if name == "similar" else 5  # the embedding model loads on each worker's first lookup
            count = max(10, requests // 4) if name in SLOW else requests
            samples: list[float] = []
            for i in range(warm + count):
                target = url + (f["texts"][i % len(f["texts"])] if name == "similar" else "")
                started = time.perf_counter()
                response = c.get(target)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{name}: {target} answered {response.status_code}")
                if i >= warm:
                    samples.append(elapsed)
        timings[name] = samples
        print(
            f"  {name:<22} p50 {percentile(samples, 0.5):7.1f} ms  p95 {percentile(samples, 0.95):7.1f} ms",
            file=sys.stderr,
        )
    return timings


def report(
    claims: int, timings: dict[str, list[float]], queries: dict[str, int], scans: dict[str, list[str]]
) -> dict[str, Any]:
    bare = percentile(timings["bare"], 0.95)
    out: dict[str, Any] = {"claims": claims, "paths": {}}
    heading = f"{'path':<22} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'queries':>8} {'bare/p95':>9}"
    print(f"{heading}  sequential reads")
    for name, samples in timings.items():
        p95 = percentile(samples, 0.95)
        reads = scans.get(name, [])
        row = {
            "p50": round(percentile(samples, 0.5), 1),
            "p95": round(p95, 1),
            "queries": queries[name],
            "ratio": round(bare / p95, 2),
            "n": len(samples),
            "sequential_reads": reads,
        }
        out["paths"][name] = row
        print(
            f"{name:<22} {row['p50']:>8} {row['p95']:>8} {statistics.fmean(samples):>8.1f} "
            f"{row['queries']:>8} {row['ratio']:>9}  {', '.join(reads) or '-'}"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database_url", help="a dedicated PostgreSQL database (see bench/corpus)")
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse a database already loaded to this size")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per path")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (one per core)")
    parser.add_argument(
        "--paths",
        help="only these paths (comma-separated names, e.g. claims_open,similar), and the bare view",
    )
    parser.add_argument(
        "--redis", default=os.environ.get("REDIS_URL"), help="cache for throttles and sessions"
    )
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("give a PostgreSQL database URL")
    folder = write_bench_modules()
    sys.path.insert(0, str(folder))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_api_settings"
    if args.redis:
        os.environ["REDIS_URL"] = args.redis
    os.environ["API_THROTTLE_RATE"] = os.environ["API_SIMILAR_THROTTLE_RATE"] = "1000000/min"
    from bench.corpus import load_corpus

    load_corpus(args.database_url, claims=args.claims, seed=args.seed, keep=args.keep)
    only = {name.strip() for name in args.paths.split(",") if name.strip()} if args.paths else None
    f = fixtures(args.seed)
    queries, scans = count_queries(f, only)
    server = start_gunicorn(args.database_url, folder, args.port, args.workers, args.redis)
    try:
        print(f"timing {args.requests} requests per path at {args.claims:,} claims", file=sys.stderr)
        timings = time_paths(f, args.port, args.requests, only)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(json.dumps(report(args.claims, timings, queries, scans)))


if __name__ == "__main__":
    main()
