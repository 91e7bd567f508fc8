"""Load, resume or reuse (--keep) the corpus: python -m bench.corpus DATABASE_URL --claims N."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.corpus.load import load_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url", help="a dedicated PostgreSQL database (its content is replaced)")
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims; articles are a fifth of it")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse a database already loaded to this size")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("give a PostgreSQL database URL")
    state = load_corpus(args.database_url, claims=args.claims, seed=args.seed, keep=args.keep)
    print(f"{state['spec']['claims']} claims, {state['articles']} articles, {state['counters']}")


if __name__ == "__main__":
    main()
