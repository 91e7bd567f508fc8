"""Where an ingesting worker's time goes: ``bench/ingest.py --profile N``.

Ingests and extracts N articles in this process (tasks eager) under cProfile,
after the end-to-end run, and prints the time per article of the product's
main steps, the SQL statements per article and the top functions. The profiler
counts this process's CPU time (``time.process_time``), not the wall clock: on a
shared machine the wall clock also counts waiting for a core, and a worker's
waits for PostgreSQL cost it no CPU.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench.ingest import ROOT, log
from bench.ingest_corpus import ArticleMaker

# Where a worker's time goes: (file suffix, function) -> label, read from the profile.
PROFILED = [
    ("claims/ingest.py", "do_ingest_article", "ingest + eager extraction task (total)"),
    ("claims/filing.py", "do_extract_article", "filing.do_extract_article"),
    ("claims/extraction/__init__.py", "extract", "  extraction pipeline (clean, sentences, model)"),
    ("claims/boilerplate.py", "outlet_boilerplate_lines", "  outlet boilerplate lines (query)"),
    ("claims/article_matching.py", "prepare", "  queries and embeddings, before the transaction"),
    ("claims/embeddings.py", "embed", "    MiniLM embeddings"),
    ("claims/filing.py", "_file_claims", "  the transaction's work"),
    ("claims/article_matching.py", "__init__", "    reads for matching (all sentences at once)"),
    ("claims/article_matching.py", "match", "    match decisions, sentence by sentence"),
    ("claims/stats.py", "do_refresh_claim_stats", "    claim stats refresh"),
    ("claims/events.py", "dispatch", "event dispatch (eager task after commit)"),
]


def profile(args: argparse.Namespace, maker: ArticleMaker, count: int) -> None:
    """Ingest and extract ``count`` more articles in this process (eager tasks); print where time goes."""
    os.environ.update(DATABASE_URL=args.database_url, DEBUG="0", SECRET_KEY="bench", LOG_LEVEL="WARNING")
    os.environ.update(CELERY_TASK_ALWAYS_EAGER="1", DJANGO_SETTINGS_MODULE="factcheck.settings")
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from claims import ingest

    settings.MATCH_EMBEDDINGS = not args.no_embeddings
    stamp = datetime.now(UTC).strftime("%H%M%S")

    def one(i: int) -> None:
        data = maker.article(10_000_000 + i)
        data.update(external_id=f"profile-{stamp}-{i}", published_at=None)
        ingest.do_ingest_article(data=ingest.ArticleInput(**data))

    for i in range(3):
        one(i)  # warm-up: models, caches
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(3, 3 + count):
        one(i)
    plain = (time.perf_counter() - t0) / count
    plain_cpu = (time.process_time() - c0) / count
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prof = cProfile.Profile(time.process_time)
    with CaptureQueriesContext(connection) as queries:
        prof.enable()
        for i in range(3 + count, 3 + 2 * count):
            one(i)
        prof.disable()
    entries: dict[Any, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    log(
        f"profile: {plain * 1000:.1f} ms per article without the profiler, {plain_cpu * 1000:.1f} ms of it "
        f"CPU ({count} articles, one process)"
    )
    log(f"profile: {len(queries) / count:.1f} SQL statements per article, ingest and dispatch included")
    log(f"profile: cumulative CPU time per article under cProfile ({count} more articles)")
    for suffix, func, label in PROFILED:
        ct = sum(v[3] for (path, _, name), v in entries.items() if name == func and path.endswith(suffix))
        log(f"  {ct / count * 1000:8.1f} ms  {label}")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
    log(out.getvalue().split("\n\n", 1)[-1])
