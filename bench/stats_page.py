"""How fast the statistics page answers over a large desk, and how long rebuilding its counts takes.

    python bench/stats_page.py postgres://postgres@127.0.0.1:5432/factcheck_stats_bench \\
        [--claims 100000] [--days 90] [--requests 40] [--keep] [--seed 5]

Loads a desk as bench/queue_page.py does (the same database can serve both;
``--keep`` loads only what is missing), then rebuilds the statistics from the
whole event log (``manage.py rebuild_statistics``, timed), and asks for
``/stats/`` (30 and 90 days) and ``/stats.csv`` as a logged-in editor through
Django's test client, DEBUG off, ``--requests`` times each after two warm-up
requests. Prints p50/p95 milliseconds and queries; the last stdout line is JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.desk_corpus import desk_arguments, load_desk, loaded_claims, setup_django  # noqa: E402
from bench.queue_page import time_views  # noqa: E402

VIEWS: dict[str, tuple[str, dict[str, Any]]] = {
    "statistics, 30 days": ("/stats/", {}),
    "statistics, 90 days": ("/stats/?days=90", {}),
    "CSV per day, 90 days": ("/stats.csv?days=90", {}),
}


def main() -> None:
    args = desk_arguments((__doc__ or "").split("\n")[0])

    setup_django(args.database_url)
    load_desk(claims=args.claims, days=args.days, seed=args.seed, fresh=not args.keep)
    from claims import tallies
    from claims.models import ClaimEvent

    started = time.monotonic()
    read = tallies.rebuild()
    rebuild_seconds = time.monotonic() - started
    print(f"rebuilt the statistics from {read:,} events in {rebuild_seconds:.1f} s", flush=True)
    results = time_views(VIEWS, args.requests)
    print(
        json.dumps(
            {
                "claims": loaded_claims(),
                "events": ClaimEvent.objects.count(),
                "rebuild_seconds": round(rebuild_seconds, 1),
                "requests": args.requests,
                "worst_p95_ms": max(view["p95_ms"] for view in results.values()),
                "views": results,
            }
        )
    )


if __name__ == "__main__":
    main()
