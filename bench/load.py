"""Load: locust, headless, against gunicorn, with a bare DRF endpoint as the ceiling on the same run.

    python bench/load.py postgres://postgres@127.0.0.1:5432/factcheck_load_bench \\
        [--users 8] [--seconds 30] [--articles 60] [--web-workers 2] \\
        [--redis redis://127.0.0.1:6379/14] [--keep]

Recreates the database (its name must contain "bench"; ``--keep`` reuses it
and its articles), ingests ``--articles`` synthetic articles in this process
(extraction included, bench/ingest_corpus.py), and starts gunicorn on a free
127.0.0.1 port with DEBUG=0 and a urlconf of the run's own, written to a
temporary folder: the product's URLs plus ``/bench/bare-claims/``, a plain
ListAPIView over Claim with the product's page size, authentication and
throttling (the rates raised so that no user is throttled). Then locust
(bench/locustfile.py) runs three times with the same users and time:

- ``Desk``: ingest, the review queue, claim detail, similar and the events
  feed, weighted 1:4:3:1:2 (no Celery worker runs: POSTed articles wait in the
  queue, so the load is the web tier's alone);
- ``QueueOnly``: GET /api/v1/claims/?status=new&ordering=-priority;
- ``Bare``: the bare endpoint.

Reported: requests/s and p95 of each run and each request type, failures,
and the ratios of the queue and of the mix to the bare endpoint. The last
stdout line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest_corpus import ArticleMaker, read_sources
from bench.stack import ROOT, Services, django_setup, drop_keys, free_port, log, manage, prepare, run_env

BARE_URLS = '''"""Bench only: the product's URLs and a bare DRF list over the same table."""
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from claims.models import Claim
from factcheck.urls import handler404, handler500, urlpatterns as product  # noqa: F401


class BareClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = ["id", "text", "status", "score", "kind", "speaker", "reasons", "priority"]


class BareClaimList(generics.ListAPIView):
    queryset = Claim.objects.order_by("-priority", "id")
    serializer_class = BareClaimSerializer
    permission_classes = [IsAuthenticated]


urlpatterns = [path("bench/bare-claims/", BareClaimList.as_view()), *product]
'''
RUNS = ("Desk", "QueueOnly", "Bare")


def load_articles(count: int, seed: int) -> None:
    """Ingest and extract ``count`` articles in this process, unless the database has them already."""
    from claims import ingest
    from claims.models import Article

    have = Article.objects.filter(external_id__startswith="load-seed-").count()
    maker = ArticleMaker(read_sources(None), seed)
    for i in range(have, count):
        data = maker.article(i)
        data.update(external_id=f"load-seed-{i}", published_at=None)
        ingest.do_ingest_article(data=ingest.ArticleInput(**data))
    log(f"{count} articles in the database ({count - max(0, have)} ingested now)")


def claim_range() -> str:
    from django.db.models import Max, Min

    from claims.models import Claim

    bounds = Claim.objects.aggregate(low=Min("id"), high=Max("id"))
    return f"{bounds['low']}-{bounds['high']}"


def percentile(buckets: dict[str, int], q: float) -> float:
    """The ``q`` quantile in ms from locust's response-time buckets (ms rounded, with counts)."""
    times = sorted((float(ms), n) for ms, n in buckets.items())
    total = sum(n for _, n in times)
    seen = 0
    for ms, n in times:
        seen += n
        if seen >= q * total:
            return ms
    return 0.0


def summary(buckets: dict[str, int], requests: int, failures: int, seconds: float) -> dict[str, Any]:
    return {
        "requests": requests,
        "failures": failures,
        "rps": round(requests / seconds, 1),
        "p50_ms": percentile(buckets, 0.50),
        "p95_ms": percentile(buckets, 0.95),
    }


def locust(
    user_class: str, args: argparse.Namespace, host: str, env: dict[str, str], logdir: Path
) -> dict[str, Any]:
    argv = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
    argv += ["-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s", "--host", host]
    argv += ["--json", "--only-summary", "--loglevel", "WARNING", user_class]
    log(f"locust {user_class}: {args.users} users, {args.seconds} s")
    with (logdir / f"locust-{user_class}.log").open("wb") as errors:
        out = subprocess.run(
            argv,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            check=False,
            timeout=args.seconds + 120,
        )
    entries = json.loads(out.stdout or b"[]")
    by_name = {}
    merged: Counter[str] = Counter()
    for entry in entries:
        merged.update(entry["response_times"])
        by_name[entry["name"]] = summary(
            entry["response_times"], entry["num_requests"], entry["num_failures"], args.seconds
        )
    requests = sum(e["num_requests"] for e in entries)
    failures = sum(e["num_failures"] for e in entries)
    return {**summary(dict(merged), requests, failures, args.seconds), "by_request": by_name}


def run(args: argparse.Namespace, logdir: Path) -> dict[str, Any]:
    tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    prefix = f"load-bench-{tag}:"
    (logdir / "bench_load_urls.py").write_text(BARE_URLS)
    env = run_env(
        args.database_url,
        args.redis,
        logdir,
        prefix=prefix,
        extra='ROOT_URLCONF = "bench_load_urls"\n',
        API_THROTTLE_RATE="1000000/min",
        API_SIMILAR_THROTTLE_RATE="1000000/min",
    )
    prepare(env, args.database_url, keep=args.keep)
    key = manage(env, "createapitoken", f"load-{tag}").split()[-1]
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"  # the seed articles are extracted here, not by workers
    django_setup(env)
    load_articles(args.articles, args.seed)
    locust_env = {**env, "FACTCHECK_BENCH_KEY": key, "FACTCHECK_BENCH_CLAIMS": claim_range()}
    services = Services(env, logdir)
    try:
        port = free_port()
        services.start_web(port, args.web_workers)
        results = {name: locust(name, args, f"http://127.0.0.1:{port}", locust_env, logdir) for name in RUNS}
        services.check_alive()
    finally:
        services.stop()
        drop_keys(args.redis, prefix)
    bare = results["Bare"]["rps"] or 1
    return {
        "users": args.users,
        "seconds": args.seconds,
        "web_workers": args.web_workers,
        "claims": claim_range(),
        "runs": results,
        "queue_to_bare_rps": round(results["QueueOnly"]["rps"] / bare, 2),
        "mix_to_bare_rps": round(results["Desk"]["rps"] / bare, 2),
        "logs": str(logdir),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("database_url")
    ap.add_argument("--users", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--articles", type=int, default=60)
    ap.add_argument("--web-workers", type=int, default=2)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.users <= 64 or not 5 <= args.seconds <= 600 or not 1 <= args.articles <= 5000:
        raise SystemExit("--users 1..64, --seconds 5..600, --articles 1..5000")
    logdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    try:
        result = run(args, logdir)
    except (RuntimeError, KeyboardInterrupt, subprocess.TimeoutExpired) as exc:
        log(f"stopped: {exc!r}; everything started was stopped; logs in {logdir}")
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
