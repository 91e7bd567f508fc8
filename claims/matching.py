"""Recognising a known claim in a new sentence, and finding claims like a text.

For a sentence about to become a claim, the matcher decides whether it is a
new appearance of a claim already known (merge), possibly the same claim
(suggest it to a reviewer), a claim about the same quantity with a different
figure for the same period (link as a figure conflict), the same quantity in
another period (link as a series), or new.

Lookup never scans all claims: every claim's content tokens are posted in
``ClaimTerm`` (token hash -> claim) with document frequencies in ``TermStat``.
A query reads the postings of its rarest tokens only, ranks the claims they
name, and scores the best few with ``claims.similarity`` (the same code the
offline benchmark measures). Numbers decide: claims whose figures differ are
never merged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from . import embeddings, similarity
from .extraction import periods as periods_of
from .models import Claim, ClaimIndex, ClaimTerm, TermStat

logger = logging.getLogger(__name__)

# Below this many content words a text is too thin to be merged automatically.
MIN_AUTO_WORDS = 6
MAX_SUGGESTIONS = 5
# TermStat row that counts indexed claims.
DOC_COUNT_TERM = 0


_WORD_RE = re.compile(r"\w+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower-case, unify quotes and dashes, collapse spaces: the form claims are compared in."""
    return " ".join(_WORD_RE.findall(similarity.fold(text)))


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalize(text).encode()).hexdigest()


def term_id(token: str) -> int:
    """A stable signed 64-bit id for a token (never 0, which counts documents)."""
    value = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big", signed=True)
    return value or 1


def use_embeddings() -> bool:
    return bool(getattr(settings, "MATCH_EMBEDDINGS", True)) and embeddings.available()


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[str, ...]
    figures: frozenset[similarity.FigureKey]
    vector: np.ndarray | None
    periods: frozenset[similarity.Period] = frozenset()

    @property
    def words(self) -> int:
        return len(similarity.content_words(self.text))


def make_query(
    text: str, figures: Sequence[dict[str, Any]] = (), *, reference: date | datetime | None = None
) -> Query:
    """What a text is looked up by; ``reference`` dates its relative periods ("last year")."""
    terms = tuple(dict.fromkeys(similarity.tokens(text)))
    vector = embeddings.embed([text])[0] if use_embeddings() else None
    return Query(
        text=text,
        terms=terms,
        figures=similarity.figure_keys(text, figures),
        vector=vector,
        periods=sentence_periods(text, reference),
    )


def sentence_periods(text: str, reference: date | datetime | None) -> frozenset[similarity.Period]:
    """The periods a sentence names, relative ones resolved against the date of its article."""
    day = reference.date() if isinstance(reference, datetime) else reference
    return periods_of.sentence_periods(text, reference=day)


@dataclass(frozen=True)
class Scored:
    claim_id: int
    score: float
    relation: similarity.FigureRelation


@dataclass
class MatchDecision:
    """What to do with a new sentence: ``claim`` is set when it is an appearance of a known claim."""

    claim: Claim | None = None
    score: float = 0.0
    suggestions: list[tuple[Claim, float]] = field(default_factory=list)
    conflicts: list[tuple[Claim, float]] = field(default_factory=list)
    # The same quantity as these claims, for another period: a series, nothing to flag.
    series: list[tuple[Claim, float]] = field(default_factory=list)
    # The sentence's embedding, when it was looked up with one: indexing it as a new claim reuses it.
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)


def thresholds() -> tuple[float, float]:
    return float(settings.MATCH_AUTO_THRESHOLD), float(settings.MATCH_SUGGEST_THRESHOLD)


def match_sentence(
    text: str, figures: Sequence[dict[str, Any]] = (), *, reference: date | datetime | None = None
) -> MatchDecision:
    """Find the claim a sentence repeats, if any, and the claims it should be linked to.

    ``reference`` is the date of the sentence's article (published, else received): "last
    year" there decides whether another figure is a conflict or a series.
    """
    same_text = list(
        Claim.objects.filter(fingerprint=fingerprint(text), merged_into__isnull=True).order_by("id")[:10]
    )
    if same_text:
        # The same words as a claim that already has a verdict: that claim, so the verdict shows at once.
        exact = next((c for c in same_text if c.verdict), same_text[0])
        return MatchDecision(claim=exact, score=1.0)
    query = make_query(text, figures, reference=reference)
    auto, suggest = thresholds()
    scored = [s for s in search(query) if s.score >= suggest]
    decision = MatchDecision(vector=query.vector)
    if not scored:
        return decision
    claims = Claim.objects.filter(merged_into__isnull=True).in_bulk([s.claim_id for s in scored])
    thin = query.words < MIN_AUTO_WORDS
    for item in scored:
        claim = claims.get(item.claim_id)
        if claim is None:
            continue
        if item.relation == "conflict":
            if len(decision.conflicts) < MAX_SUGGESTIONS:
                decision.conflicts.append((claim, round(item.score, 4)))
        elif item.relation == "series":
            if len(decision.series) < MAX_SUGGESTIONS:
                decision.series.append((claim, round(item.score, 4)))
        elif decision.claim is None and item.score >= auto and not thin and item.relation in ("same", "none"):
            decision.claim, decision.score = claim, round(item.score, 4)
        elif len(decision.suggestions) < MAX_SUGGESTIONS:
            decision.suggestions.append((claim, round(item.score, 4)))
    return decision


def similar_claims(text: str, *, limit: int = 5) -> list[tuple[int, float]]:
    """Ids of known claims ranked by similarity to ``text``, best first, with their scores."""
    return [(s.claim_id, round(s.score, 4)) for s in search(make_query(text))[:limit]]


def search(query: Query, *, limit: int | None = None) -> list[Scored]:
    """Score the claims found through the rarest tokens of the query, best first."""
    if not query.terms:
        return []
    ids = {term_id(t): t for t in query.terms}
    df, n_docs = _document_frequencies(ids)
    if not n_docs:
        return []
    chosen = similarity.lookup_terms(df)
    candidate_ids = similarity.rank_candidates(_postings(chosen, df, ids), df=df, n_docs=n_docs, limit=limit)
    if not candidate_ids:
        return []
    # Merged claims have no index rows (unindex_claim), so no join with claims is needed.
    rows = [
        (claim_id, _json(terms), _json(figures), blob, _json(periods))
        for claim_id, terms, figures, blob, periods in _select_in(
            ClaimIndex._meta.db_table, "claim_id, terms, figures, vector, periods", "claim_id", candidate_ids
        )
    ]
    candidate_terms = {t for _, terms, _, _, _ in rows for t in terms} - set(query.terms)
    extra_df, _ = _document_frequencies({term_id(t): t for t in candidate_terms}, count=False)
    df.update(extra_df)
    documents = [
        similarity.Document(
            id=claim_id,
            terms=tuple(terms),
            vector=_vector(blob, query),
        )
        for claim_id, terms, _, blob, _ in rows
    ]
    figures = {
        claim_id: frozenset((str(k[0]), float(k[1])) for k in keys) for claim_id, _, keys, _, _ in rows
    }
    periods = {claim_id: _stored_periods(stored, figures[claim_id]) for claim_id, _, _, _, stored in rows}
    scored = similarity.score_documents(query.terms, query.vector, documents, df=df, n_docs=n_docs)
    return [
        Scored(
            claim_id,
            score,
            similarity.relate_figures(
                query.figures, figures[claim_id], a_periods=query.periods, b_periods=periods[claim_id]
            ),
        )
        for claim_id, score in scored
    ]


def _stored_periods(stored: Any, keys: frozenset[similarity.FigureKey]) -> frozenset[similarity.Period]:
    """A claim's indexed periods; a claim indexed before periods were kept has the years of its figures."""
    if stored is None:
        return similarity.year_periods(keys)
    return frozenset((int(year), int(month)) for year, month in stored)


def _json(value: Any) -> Any:
    """A JSON column as read by a plain cursor: text on some backends, already decoded on others."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _vector(blob: Any, query: Query) -> np.ndarray | None:
    if query.vector is None:
        return None
    return embeddings.from_bytes(blob)


def _document_frequencies(ids: dict[int, str], *, count: bool = True) -> tuple[dict[str, int], int]:
    wanted = [*ids, DOC_COUNT_TERM] if count else list(ids)
    df = {t: 0 for t in ids.values()}
    n_docs = 0
    for term, n in _select_in(TermStat._meta.db_table, "term, df", "term", wanted):
        if term == DOC_COUNT_TERM and count:
            n_docs = n
        elif term in ids:
            df[ids[term]] = n
    return df, n_docs


def _in_sql(table: str, columns: str, key: str, values: list[int]) -> tuple[str, list[Any]]:
    """SELECT ... WHERE key IN values; on PostgreSQL ``= ANY(array)``, which plans faster for long lists."""
    if connection.vendor == "postgresql":
        return f"SELECT {columns} FROM {table} WHERE {key} = ANY(%s)", [values]
    marks = ", ".join(["%s"] * len(values)) or "NULL"
    return f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})", list(values)


def _select_in(table: str, columns: str, key: str, values: list[int]) -> list[tuple[Any, ...]]:
    if not values:
        return []
    sql, params = _in_sql(table, columns, key, values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def postings_query(term_ids: list[int]) -> tuple[str, list[Any]]:
    """SQL for (claim id, term) rows of the given tokens: an index-only range scan of (term, claim)."""
    return _in_sql(ClaimTerm._meta.db_table, "claim_id, term", "term", term_ids)


def _postings(chosen: list[str], df: dict[str, int], ids: dict[int, str]) -> list[tuple[int, str]]:
    by_token = {t: i for i, t in ids.items()}
    rare = [by_token[t] for t in chosen if df[t] <= similarity.MAX_POSTINGS]
    rows: list[tuple[int, str]] = [
        (claim_id, ids[term])
        for claim_id, term in _select_in(ClaimTerm._meta.db_table, "claim_id, term", "term", rare)
    ]
    for token in chosen:
        if df[token] > similarity.MAX_POSTINGS:
            # Only when a text has nothing rarer: read the newest claims with this token.
            recent = (
                ClaimTerm.objects.filter(term=by_token[token])
                .order_by("-claim_id")
                .values_list("claim_id", flat=True)[: similarity.MAX_POSTINGS]
            )
            rows.extend((claim_id, token) for claim_id in recent)
    return rows


# --- Keeping the index -------------------------------------------------------------


def index_claim(
    claim: Claim,
    *,
    vector: np.ndarray | None = None,
    headline: str | None = None,
    new: bool = False,
    reference: date | datetime | None = None,
) -> None:
    """(Re)index a claim's tokens, figures, periods and embedding. Call inside the transaction that saves it.

    ``reference`` dates the claim's relative periods ("last year"): the date of
    the article it came from; left out, the claim's first sighting (an imported
    fact-check's: when it was published).

    ``vector`` is the embedding of the claim's text when the caller has it
    already (a sentence looked up before it became a claim); ``new`` says the
    claim was created in this transaction and has no index yet.

    ``headline`` is further text that names the claim (an imported fact-check's
    headline): its tokens and its embedding find the claim too, while the
    claim's wording stays its text. Figures come from the text only. Left out
    (None), a re-index keeps the headline part the claim was indexed with (known
    by its stored headline embedding); "" drops it.
    """
    if headline is None and claim.review_headline:
        headline = claim.review_headline
    old = None if new else ClaimIndex.objects.filter(claim=claim).values_list("terms", "vector").first()
    text_terms = similarity.document_terms(claim.text)
    extra_vectors: np.ndarray | None = None
    if headline is None:
        terms = list(text_terms)
        stored = embeddings.from_bytes(old[1]) if old else None
        if old and stored is not None and stored.ndim == 2:
            # Indexed with a headline before: its tokens are those the text lacks, its rows follow the text's.
            terms = list(dict.fromkeys([*text_terms, *old[0]]))
            extra_vectors = stored[1:]
    else:
        terms = list(similarity.document_terms(claim.text, headline))
    keys = sorted(similarity.figure_keys(claim.text, claim.figures or []))
    periods = sorted(sentence_periods(claim.text, reference or claim.first_seen or claim.verdict_at))
    if vector is None and use_embeddings():
        vector = embeddings.embed([claim.text])[0]
    if vector is not None and headline and use_embeddings():
        extra_vectors = embeddings.embed([headline])
    if vector is not None and extra_vectors is not None:
        vector = np.vstack([np.asarray(vector, dtype=np.float32).reshape(1, -1), extra_vectors])
    if old is not None:
        _drop_postings(claim, old[0])
    row = {
        "terms": terms,
        "figures": [list(k) for k in keys],
        "periods": [list(p) for p in periods],
        "vector": embeddings.to_bytes(vector) if vector is not None else None,
        "model": embeddings.MODEL_NAME if vector is not None else "",
    }
    if new:
        ClaimIndex.objects.create(claim=claim, **row)
    else:
        ClaimIndex.objects.update_or_create(claim=claim, defaults=row)
    ClaimTerm.objects.bulk_create(
        [ClaimTerm(term=term_id(t), claim=claim) for t in terms], ignore_conflicts=True
    )
    _add_df([term_id(t) for t in terms], +1)


def review_headline(item: Any) -> str:
    """The headline of a schema.org ClaimReview (``headline``, else ``name``): extra matching text."""
    if not isinstance(item, dict):
        return ""
    for key in ("headline", "name"):
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def unindex_claim(claim: Claim) -> None:
    """Take a claim out of the lookup (a claim merged into another)."""
    old_terms = ClaimIndex.objects.filter(claim=claim).values_list("terms", flat=True).first()
    if old_terms is None:
        return
    _drop_postings(claim, old_terms)
    ClaimIndex.objects.filter(claim=claim).delete()


def _drop_postings(claim: Claim, terms: Iterable[str]) -> None:
    ids = [term_id(t) for t in terms]
    ClaimTerm.objects.filter(claim=claim).delete()
    _add_df(ids, -1)


# Term counts of the current unit of work (see batched_term_counts); None outside one.
_pending_df: ContextVar[dict[int, int] | None] = ContextVar("pending_df", default=None)


@contextmanager
def batched_term_counts() -> Iterator[None]:
    """Gather the document-frequency changes of a unit of work and write them once, at its end.

    Filing an article indexes many claims; writing each claim's counts as it
    goes would hold row locks on shared terms (and on the document counter)
    from the first claim to the commit, in an order no other filing shares:
    two workers filing at once then deadlock. Gathered, they are written in
    one statement in term order just before the commit, so concurrent
    filings wait briefly for each other and never deadlock. Use it inside
    the transaction; nested uses join the outer one.
    """
    if _pending_df.get() is not None:
        yield
        return
    token = _pending_df.set({})
    try:
        yield
        pending = _pending_df.get() or {}
    finally:
        _pending_df.reset(token)
    _write_df(pending)


def _add_df(term_ids: list[int], delta: int) -> None:
    """Count tokens in or out, plus the document counter (now, or at the end of a batch)."""
    counts: dict[int, int] = {DOC_COUNT_TERM: delta}
    for t in term_ids:
        counts[t] = delta
    pending = _pending_df.get()
    if pending is None:
        _write_df(counts)
        return
    for term, change in counts.items():
        pending[term] = pending.get(term, 0) + change


def _write_df(counts: dict[int, int]) -> None:
    """Apply count changes with rows in term order, so concurrent writers lock them alike.

    Increments are one upsert. When some counts go down, the existing rows are
    locked first (in term order, one statement), then counted up and down:
    every row the later statements touch is then already held or new.
    """
    items = sorted((term, change) for term, change in counts.items() if change)
    if not items:
        return
    table = connection.ops.quote_name(TermStat._meta.db_table)
    ups = [(term, change) for term, change in items if change > 0]
    downs = [(term, change) for term, change in items if change < 0]
    with connection.cursor() as cursor:
        if downs and connection.features.has_select_for_update:
            marks = ", ".join(["%s"] * len(items))
            cursor.execute(
                f"SELECT term FROM {table} WHERE term IN ({marks}) ORDER BY term FOR UPDATE",
                [term for term, _ in items],
            )
        if ups:
            values = ", ".join(["(%s, %s)"] * len(ups))
            cursor.execute(
                f"INSERT INTO {table} (term, df) VALUES {values} "
                f"ON CONFLICT (term) DO UPDATE SET df = {table}.df + excluded.df",
                [v for pair in ups for v in pair],
            )
        for term, change in downs:
            cursor.execute(
                f"UPDATE {table} SET df = CASE WHEN df + %s > 0 THEN df + %s ELSE 0 END WHERE term = %s",
                [change, change, term],
            )


def index_missing(*, batch: int = 200) -> int:
    """Index claims that have no index yet (claims created before matching existed). Returns the count."""
    done = 0
    while True:
        claims = list(
            Claim.objects.filter(match_index__isnull=True, merged_into__isnull=True).order_by("id")[:batch]
        )
        if not claims:
            return done
        for claim in claims:
            index_claim(claim)
        done += len(claims)
