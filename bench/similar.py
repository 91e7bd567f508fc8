"""Latency of the similar-claims lookup at scale, on PostgreSQL.

    python bench/similar.py postgres://postgres@127.0.0.1:5432/factcheck_bench \\
        [--claims 1000000] [--queries 300] [--seed 7] [--keep]

Creates the given database (it must be a dedicated one: its claims tables are
filled and, unless ``--keep`` finds them already filled to size, emptied
first), migrates it, and generates claims with newsroom-like vocabulary: a
Zipf-distributed mix of the seed articles' words and a long tail of rarer
words, names and figures, 12 to 30 words per claim. Claims, their match index
(tokens, figures, a 384-dimension float16 vector) and the postings are loaded
with COPY, indexes built afterwards, then ANALYZE.

It then times ``selectors.similar_claims`` (what GET /api/v1/claims/similar/
runs: query embedding, candidate lookup through the rarest tokens' postings,
scoring, fetching the claims for the list serializer) for paraphrased claims
and for fresh sentences, and reports p50 and p95. Vectors of generated claims
are random unit vectors (embedding a million texts would take hours on two
cores); the query's embedding is computed for real and included in the time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.desk_corpus import ensure_database  # noqa: E402

BATCH = 50_000


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)  # DEBUG is off unless set
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Text generation -------------------------------------------------------------

SPEAKERS = [
    "the minister",
    "the White House",
    "the Kremlin",
    "the finance ministry",
    "the central bank",
    "the mayor",
    "the opposition leader",
    "the health department",
    "the statistics office",
    "a company spokesperson",
]
TEMPLATES = [
    "{w} {w} {w} rose to {pct} in {year}, {speaker} said, {w} {w} {w} {w}.",
    "{w} {w} hit a record {money} in {year}, up {pct} from {year2}, according to {w} {w} data.",
    "{speaker} said {w} {w} {w} {w} {w} {w} {w} {w}.",
    "More than {count} {w} {w} {w} {w} in {w} {w} since {year}.",
    "{w} {w} {w} {w} {w} {w} {w} {w} {w} {w} {w}, {speaker} said.",
    "The {w} {w} will cost {money} over {small} years, {w} {w} {w} {w}.",
]


class Generator:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        words: list[str] = []
        for path in sorted((ROOT / "seeds").glob("*.txt")):
            words += re.findall(r"[A-Za-z][a-z]{2,}", path.read_text(encoding="utf-8"))
        common = list(dict.fromkeys(w.lower() for w in words))
        syllables = [
            "ka",
            "lo",
            "mi",
            "ra",
            "ten",
            "vo",
            "sel",
            "dri",
            "ano",
            "bel",
            "cor",
            "ux",
            "pha",
            "gre",
        ]
        tail = {
            "".join(self.random.choice(syllables) for _ in range(self.random.randint(2, 4)))
            for _ in range(120_000)
        }
        self.vocabulary = common + sorted(tail - set(common))
        # Zipf weights: a few words everywhere, most words rare.
        self.cumulative: list[float] = []
        total = 0.0
        for rank in range(1, len(self.vocabulary) + 1):
            total += 1.0 / rank**1.05
            self.cumulative.append(total)

    def word(self) -> str:
        return self.random.choices(self.vocabulary, cum_weights=self.cumulative, k=1)[0]

    def sentence(self) -> str:
        r = self.random
        template = r.choice(TEMPLATES)
        out = []
        for part in re.split(r"(\{\w+\})", template):
            if part == "{w}":
                out.append(self.word())
            elif part == "{pct}":
                out.append(f"{r.randint(1, 99)}.{r.randint(0, 9)}%")
            elif part in ("{year}", "{year2}"):
                out.append(str(r.randint(1990, 2026)))
            elif part == "{money}":
                out.append(f"${r.randint(1, 999)} {r.choice(['million', 'billion'])}")
            elif part == "{count}":
                out.append(f"{r.randint(2, 90) * 100:,}")
            elif part == "{small}":
                out.append(str(r.randint(2, 15)))
            elif part == "{speaker}":
                out.append(r.choice(SPEAKERS))
            else:
                out.append(part)
        text = "".join(out)
        return text[0].upper() + text[1:]

    def paraphrase(self, text: str) -> str:
        words = text.split()
        for _ in range(max(1, len(words) // 6)):
            i = self.random.randrange(len(words))
            if not any(ch.isdigit() for ch in words[i]):
                words[i] = self.word()
        return " ".join(words)


# --- Loading ---------------------------------------------------------------------


def claim_columns() -> tuple[list[str], dict[str, Any]]:
    """Every concrete column of the claims table with the value a generated claim gets by default."""
    from django.utils import timezone

    from claims.models import Claim

    now = timezone.now()
    defaults: dict[str, Any] = {}
    for f in Claim._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.has_default():
            value = f.get_default()
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif not f.null and f.empty_strings_allowed:
            value = ""
        else:
            value = None
        defaults[str(f.column)] = value
    return list(defaults), defaults


def copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    elif isinstance(value, bool):
        value = "t" if value else "f"
    elif isinstance(value, bytes):
        return "\\\\x" + value.hex()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def postings_constraint() -> Any:
    from claims.models import ClaimTerm

    return next(c for c in ClaimTerm._meta.constraints if c.name == "claimterm_term_claim_unique")


def ensure_postings_index() -> None:
    """The (term, claim) unique index the lookup reads, created if a bulk load left it out."""
    from django.db import connection

    from claims.models import ClaimTerm

    constraint = postings_constraint()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [constraint.name])
        if cursor.fetchone():
            return
        cursor.execute("SET maintenance_work_mem = '1GB'")
    print("building the postings index", file=sys.stderr)
    with connection.schema_editor() as editor:
        editor.add_constraint(ClaimTerm, constraint)


def load(count: int, generator: Generator, *, keep: bool) -> list[str]:
    import numpy as np
    from django.db import connection

    from claims import embeddings, matching, similarity
    from claims.models import Claim, ClaimIndex, ClaimTerm, TermStat

    claim_t, index_t = Claim._meta.db_table, ClaimIndex._meta.db_table
    term_t, stat_t = ClaimTerm._meta.db_table, TermStat._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {index_t}")
        existing = cursor.fetchone()[0]
    sample: list[str] = []
    if keep and existing >= count:
        print(f"reusing {existing} indexed claims", file=sys.stderr)
        ensure_postings_index()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT text FROM {claim_t} ORDER BY random() LIMIT 2000")
            return [row[0] for row in cursor.fetchall()]

    columns, defaults = claim_columns()
    rng = np.random.default_rng(1)
    started = time.monotonic()
    with connection.cursor() as cursor:
        print("emptying the claims tables", file=sys.stderr)
        cursor.execute(f"TRUNCATE {claim_t} RESTART IDENTITY CASCADE")
        cursor.execute(f"TRUNCATE {stat_t}")
        # Random-order inserts into the (term, claim) index are slow: build it once, after the load.
        cursor.execute(f'ALTER TABLE {term_t} DROP CONSTRAINT IF EXISTS "{postings_constraint().name}"')
        cursor.execute("SET session_replication_role = replica")  # no FK triggers during the bulk load
        raw = cursor.cursor  # psycopg cursor, for COPY
        next_id = 1
        while next_id <= count:
            n = min(BATCH, count - next_id + 1)
            claims, index_rows, postings = io.StringIO(), io.StringIO(), io.StringIO()
            vectors = rng.standard_normal((n, embeddings.DIMENSION)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            for i in range(n):
                claim_id = next_id + i
                text = generator.sentence()
                if len(sample) < 2000 and generator.random.random() < 2000 / count:
                    sample.append(text)
                terms = list(dict.fromkeys(similarity.tokens(text)))
                keys = sorted(similarity.figure_keys(text))
                row = dict(defaults)
                row.update(
                    text=text,
                    normalized_text=matching.normalize(text),
                    fingerprint=matching.fingerprint(text),
                    score=0.7,
                    kind="statistic",
                )
                claims.write(str(claim_id) + "\t" + "\t".join(copy_text(row[c]) for c in columns) + "\n")
                index_rows.write(
                    f"{claim_id}\t{copy_text(terms)}\t{copy_text([list(k) for k in keys])}\t"
                    f"{copy_text(embeddings.to_bytes(vectors[i]))}\t{embeddings.MODEL_NAME}\t{copy_text(defaults['updated_at'])}\n"
                )
                for term in terms:
                    postings.write(f"{matching.term_id(term)}\t{claim_id}\n")
            with raw.copy(f"COPY {claim_t} (id, {', '.join(columns)}) FROM STDIN") as copy:
                copy.write(claims.getvalue())
            with raw.copy(
                f"COPY {index_t} (claim_id, terms, figures, vector, model, updated_at) FROM STDIN"
            ) as copy:
                copy.write(index_rows.getvalue())
            with raw.copy(f"COPY {term_t} (term, claim_id) FROM STDIN") as copy:
                copy.write(postings.getvalue())
            next_id += n
            done = next_id - 1
            rate = done / (time.monotonic() - started)
            print(f"  {done:>9,}/{count:,} claims loaded ({rate:,.0f}/s)", file=sys.stderr)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{claim_t}', 'id'), %s)", [count])
        print("counting document frequencies", file=sys.stderr)
        cursor.execute(f"INSERT INTO {stat_t} (term, df) SELECT term, count(*) FROM {term_t} GROUP BY term")
        cursor.execute(f"INSERT INTO {stat_t} (term, df) VALUES (%s, %s)", [matching.DOC_COUNT_TERM, count])
    ensure_postings_index()
    print("vacuum analyze", file=sys.stderr)
    with connection.cursor() as cursor:
        for table in (claim_t, index_t, term_t, stat_t):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"loaded {count:,} claims in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return sample


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(sample: list[str], generator: Generator, queries: int) -> None:
    from django.db import connection, reset_queries

    from claims import embeddings, selectors

    if embeddings.available():
        embeddings.embed(["warm up the model"])
    originals = [generator.random.choice(sample) for _ in range(queries // 2)]
    texts = [("paraphrase", generator.paraphrase(text), text) for text in originals]
    texts += [("fresh", generator.sentence(), "") for _ in range(queries - len(texts))]
    for _, text, _ in texts[:10]:
        selectors.similar_claims(text=text, limit=5)  # warm the caches
    timings: dict[str, list[float]] = {"paraphrase": [], "fresh": []}
    hits = 0
    for i, (kind, text, original) in enumerate(texts, 1):
        reset_queries()
        started = time.perf_counter()
        results = selectors.similar_claims(text=text, limit=5)
        timings[kind].append((time.perf_counter() - started) * 1000)
        hits += bool(original) and bool(results) and results[0][0].text == original
        if i % 50 == 0:
            print(f"  {i}/{len(texts)} lookups", file=sys.stderr)
    every = timings["paraphrase"] + timings["fresh"]
    print(f"database: {connection.settings_dict['NAME']}, embeddings: {embeddings.available()}")
    for name, values in (("all", every), *timings.items()):
        print(
            f"similar lookup ({name}, n={len(values)}): p50 {percentile(values, 0.5):.1f} ms, "
            f"p95 {percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms, "
            f"mean {statistics.fmean(values):.1f} ms"
        )
    print(f"paraphrased claims found first: {hits}/{len(timings['paraphrase'])}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "database_url", help="a dedicated PostgreSQL database, e.g. postgres://.../factcheck_bench"
    )
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--keep", action="store_true", help="reuse the claims if the database already has enough"
    )
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("give a PostgreSQL database URL")
    ensure_database(args.database_url)
    setup_django(args.database_url)
    generator = Generator(args.seed)
    sample = load(args.claims, generator, keep=args.keep)
    measure(sample, generator, args.queries)


if __name__ == "__main__":
    main()
