"""Where a request of bench/api.py's paths spends its time, in-process: wall and CPU time, a profile.

    python bench/api_profile.py postgres://postgres@127.0.0.1:5432/factcheck_api_bench \\
        --paths bare,claims_open,similar [--requests 40] [--profile 20]

Uses a database bench/api.py (or ``python -m bench.corpus``) already loaded, and
the same paths, key and bare baseline, through Django's test client (no server,
so the CPU time is the request's own): after five warm-up requests, the median
wall-clock and CPU (process) milliseconds of ``--requests`` requests per path;
the wall time beyond the CPU time is mostly the database. ``--profile N`` then
prints cProfile's top functions, by cumulative and by own time, over N more
requests of each path. DEBUG is off, as in production.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("database_url", help="a database bench/api.py loaded")
    parser.add_argument("--paths", default="bare,claims_open,similar", help="names from bench/api.py")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--profile", type=int, default=0, help="profile this many more requests per path")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("give a PostgreSQL database URL")
    from bench import api

    folder = api.write_bench_modules()
    sys.path.insert(0, str(folder))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench_api_settings",
        DATABASE_URL=args.database_url,
        DEBUG="0",
        API_THROTTLE_RATE="1000000/min",
        API_SIMILAR_THROTTLE_RATE="1000000/min",
    )
    os.environ.setdefault("SECRET_KEY", "bench-api-profile-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.test import Client

    fixtures = api.fixtures(7)
    chosen = {name.strip() for name in args.paths.split(",") if name.strip()}
    client = Client()
    for name, (auth, url) in api.paths(fixtures, chosen).items():
        headers = {"Authorization": f"Bearer {fixtures['key']}"} if auth == "key" else {}
        client.cookies.clear()
        if auth == "session":
            client.cookies["sessionid"] = fixtures["session"]

        def one(i: int, name: str = name, url: str = url, headers: dict[str, str] = headers) -> None:
            target = url + (fixtures["texts"][i % len(fixtures["texts"])] if name == "similar" else "")
            response = client.get(target, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {target} answered {response.status_code}")

        for i in range(5):
            one(i)
        wall, cpu = [], []
        for i in range(args.requests):
            started, used = time.perf_counter(), time.process_time()
            one(i)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - used) * 1000)
        print(
            f"{name:<22} wall p50 {statistics.median(wall):7.1f} ms  cpu p50 {statistics.median(cpu):7.1f} ms"
        )
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for i in range(args.profile):
                one(i)
            profile.disable()
            stats = pstats.Stats(profile, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
