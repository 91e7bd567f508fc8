"""MAP@5 of the claim matcher on CLEF-2020 CheckThat! Task 2 (tweets -> fact-checked claims).

    python bench/clef_map.py --data PATH [--split dev] [--lexical-weight W] [--candidates N]
                             [--no-headlines] [--thresholds]

PATH holds verified_claims.docs.tsv and train/ dev/ test/ folders with
tweets.queries.tsv and tweet-vclaim-pairs.qrels (TREC format). Every verified
claim is indexed as the product indexes an imported ClaimReview: its text
(``claimReviewed``, the ``vclaim`` column) plus its headline (the review's
``headline``, the ``title`` column) as extra matching text, with
``similarity.document_terms`` and one embedding row for each; ``--no-headlines``
indexes the text alone. Every tweet is looked up with the
product's own candidate lookup and scoring (``claims.similarity.MemoryIndex``,
``claims.embeddings``): no database, same code. Tune on train and dev; run
``--split test`` once, at the end.

``--thresholds`` also prints, for the best match of each tweet, how precise and
complete "score >= t" is over a grid of t: the data the product's
MATCH_AUTO_THRESHOLD and MATCH_SUGGEST_THRESHOLD defaults were chosen on.
Embeddings are cached in ``--cache`` (default: a folder in the system temp dir).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims import embeddings, similarity  # noqa: E402

csv.field_size_limit(10**8)


def read_claims(data: Path) -> dict[str, tuple[str, str]]:
    """Verified claim id -> (claim text, headline)."""
    with (data / "verified_claims.docs.tsv").open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        return {row[0]: (row[1], row[2] if len(row) >= 3 else "") for row in rows if len(row) >= 2}


def read_split(data: Path, split: str) -> tuple[dict[str, str], dict[str, set[str]]]:
    with (data / split / "tweets.queries.tsv").open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t")
        next(rows)
        queries = {row[0]: row[1] for row in rows if len(row) >= 2}
    relevant: dict[str, set[str]] = {}
    for line in (data / split / "tweet-vclaim-pairs.qrels").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] != "0":
            relevant.setdefault(parts[0], set()).add(parts[2])
    return queries, relevant


def average_precision_at_5(ranked: list[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for i, doc in enumerate(ranked[:5], 1):
        if doc in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), 5) if relevant else 0.0


def embed_cached(texts: list[str], cache: Path, label: str) -> np.ndarray | None:
    if not embeddings.available():
        print(f"embeddings unavailable ({embeddings.load_error()}): lexical only", file=sys.stderr)
        return None
    digest = hashlib.sha256(("\0".join(texts) + embeddings.MODEL_NAME).encode()).hexdigest()[:16]
    path = cache / f"{label}-{digest}.npy"
    if path.exists():
        return np.load(path)
    started = time.monotonic()
    vectors = np.zeros((len(texts), embeddings.DIMENSION), dtype=np.float32)
    for i, text in enumerate(texts):
        # Stored as the product stores them (float16), so scores match the product's.
        vectors[i] = embeddings.from_bytes(embeddings.to_bytes(embeddings.embed([text])[0]))
        if (i + 1) % 1000 == 0:
            print(
                f"  embedded {i + 1}/{len(texts)} {label} ({time.monotonic() - started:.0f}s)",
                file=sys.stderr,
            )
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def build_index(
    claims: dict[str, tuple[str, str]],
    vectors: np.ndarray | None,
    headline_vectors: np.ndarray | None,
    *,
    headlines: bool,
) -> tuple[similarity.MemoryIndex, list[str]]:
    index = similarity.MemoryIndex()
    ids = list(claims)
    for i, claim_id in enumerate(ids):
        text, headline = claims[claim_id]
        extra = (headline,) if headlines and headline.strip() else ()
        vector = vectors[i] if vectors is not None else None
        if vector is not None and extra and headline_vectors is not None:
            vector = np.vstack([vector, headline_vectors[i]])  # as matching.index_claim stores them
        index.add(similarity.Document(id=i, terms=similarity.document_terms(text, *extra), vector=vector))
    return index, ids


def evaluate(
    index: similarity.MemoryIndex,
    ids: list[str],
    queries: dict[str, str],
    relevant: dict[str, set[str]],
    vectors: np.ndarray | None,
) -> tuple[float, list[tuple[float, bool]], float]:
    """MAP@5, (top score, top is relevant) per query, and candidate recall."""
    scores: list[float] = []
    tops: list[tuple[float, bool]] = []
    found = 0
    for i, (query_id, text) in enumerate(queries.items()):
        if query_id not in relevant:
            continue
        terms = tuple(dict.fromkeys(similarity.tokens(text)))
        vector = vectors[i] if vectors is not None else None
        ranked = index.search(terms, vector, limit=similarity.CANDIDATES)
        docs = [ids[doc] for doc, _ in ranked]
        found += bool(relevant[query_id] & set(docs))
        scores.append(average_precision_at_5(docs, relevant[query_id]))
        if ranked:
            tops.append((ranked[0][1], docs[0] in relevant[query_id]))
        else:
            tops.append((0.0, False))
    return float(np.mean(scores)), tops, found / max(1, len(scores))


def threshold_table(tops: list[tuple[float, bool]]) -> None:
    print("threshold  matched  precision  recall(of queries)")
    n = len(tops)
    for t in np.arange(0.40, 0.96, 0.05):
        above = [rel for score, rel in tops if score >= t]
        precision = sum(above) / len(above) if above else 1.0
        print(f"  {t:.2f}     {len(above):5d}    {precision:.3f}     {sum(above) / n:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", action="append", choices=["train", "dev", "test"])
    parser.add_argument("--lexical-weight", type=float, action="append", help="override, to tune")
    parser.add_argument("--candidates", type=int, help="override similarity.CANDIDATES, to tune")
    parser.add_argument("--no-headlines", action="store_true", help="index the claim text alone")
    parser.add_argument("--thresholds", action="store_true")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "factcheck-clef-cache")
    args = parser.parse_args()
    splits = args.split or ["dev"]

    claims = read_claims(args.data)
    print(f"{len(claims)} verified claims; embedding model: {embeddings.MODEL_NAME}", file=sys.stderr)
    if args.candidates:
        similarity.CANDIDATES = args.candidates
    claim_vectors = embed_cached([text for text, _ in claims.values()], args.cache, "claims")
    headline_vectors = None
    if not args.no_headlines:
        headline_vectors = embed_cached([headline for _, headline in claims.values()], args.cache, "titles")
    index, ids = build_index(claims, claim_vectors, headline_vectors, headlines=not args.no_headlines)
    weights = args.lexical_weight or [similarity.LEXICAL_WEIGHT]
    for split in splits:
        queries, relevant = read_split(args.data, split)
        query_vectors = embed_cached(list(queries.values()), args.cache, f"queries-{split}")
        for weight in weights:
            similarity.LEXICAL_WEIGHT = weight
            started = time.monotonic()
            score, tops, recall = evaluate(index, ids, queries, relevant, query_vectors)
            per_query = (time.monotonic() - started) / max(1, len(tops)) * 1000
            print(
                f"{split}: MAP@5 = {score:.4f}  (queries {len(tops)}, lexical weight {weight:.2f}, "
                f"relevant among {similarity.CANDIDATES} candidates {recall:.3f}, {per_query:.1f} ms/query)"
            )
            if args.thresholds:
                threshold_table(tops)


if __name__ == "__main__":
    main()
