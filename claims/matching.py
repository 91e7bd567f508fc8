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
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
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
    return make_queries([(text, figures)], reference=reference)[0]


def make_queries(
    items: Sequence[tuple[str, Sequence[dict[str, Any]]]],
    *,
    reference: date | datetime | None = None,
    embed: Collection[str] | None = None,
) -> list[Query]:
    """``make_query`` for many (text, figures), their embeddings computed together in batches.

    ``embed`` names the texts that need an embedding (all when None): the
    others get no vector, for the caller to embed later if it turns out to need one.
    """
    vectors: dict[str, np.ndarray] = {}
    if use_embeddings():
        wanted = list(dict.fromkeys(text for text, _ in items if embed is None or text in embed))
        if wanted:
            vectors = dict(zip(wanted, embeddings.embed(wanted), strict=True))
    return [
        Query(
            text=text,
            terms=tuple(dict.fromkeys(similarity.tokens(text))),
            figures=similarity.figure_keys(text, figures),
            vector=vectors.get(text),
            periods=sentence_periods(text, reference),
        )
        for text, figures in items
    ]


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
    year" there decides whether another figure is a conflict or a series. Filing an
    article matches all its sentences at once (``claims.article_matching``), by the same rules.
    """
    same_text = list(
        Claim.objects.filter(fingerprint=fingerprint(text), merged_into__isnull=True).order_by("id")[:10]
    )
    if same_text:
        return same_words(same_text)
    query = make_query(text, figures, reference=reference)
    _, suggest = thresholds()
    scored = [s for s in search(query) if s.score >= suggest]
    claims = {}
    if scored:
        claims = Claim.objects.filter(merged_into__isnull=True).in_bulk([s.claim_id for s in scored])
    return decide(query, scored, claims)


def same_words(same_text: Sequence[Claim]) -> MatchDecision:
    """The decision for a text with the same words as these claims (oldest first)."""
    # The same words as a claim that already has a verdict: that claim, so the verdict shows at once.
    exact = next((c for c in same_text if c.verdict), same_text[0])
    return MatchDecision(claim=exact, score=1.0)


def decide(query: Query, scored: Sequence[Scored], claims: Mapping[int, Claim]) -> MatchDecision:
    """Merge, suggest or link: the decision for a query from its scored candidates, best first."""
    auto, suggest = thresholds()
    decision = MatchDecision(vector=query.vector)
    thin = query.words < MIN_AUTO_WORDS
    for item in scored:
        claim = claims.get(item.claim_id)
        if claim is None or item.score < suggest:
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


def considered(scored: Sequence[Scored], *, skip: Collection[int] = ()) -> list[int]:
    """Ids of the candidates ``decide`` may look at, given scored best first: every claim it could
    take (the merge, suggestions, conflicts, series), reading those in ``skip`` as gone (merged)."""
    auto, suggest = thresholds()
    room = {"conflict": MAX_SUGGESTIONS, "series": MAX_SUGGESTIONS}
    suggestions, merge = MAX_SUGGESTIONS, False
    ids = []
    for item in scored:
        if item.score < suggest or item.claim_id in skip:
            continue
        if item.relation in room:
            if room[item.relation]:
                room[item.relation] -= 1
                ids.append(item.claim_id)
        elif not merge and item.score >= auto and item.relation in ("same", "none"):
            merge = True  # the merge, unless the text is too thin: then a suggestion
            ids.append(item.claim_id)
        elif suggestions:
            suggestions -= 1
            ids.append(item.claim_id)
    return ids


def similar_claims(text: str, *, limit: int = 5) -> list[tuple[int, float]]:
    """Ids of known claims ranked by similarity to ``text``, best first, with their scores."""
    return [(s.claim_id, round(s.score, 4)) for s in search(make_query(text))[:limit]]


def search(query: Query, *, limit: int | None = None) -> list[Scored]:
    """Score the claims found through the rarest tokens of the query, best first."""
    if not query.terms:
        return []
    ids = {term_id(t): t for t in query.terms}
    df, n_docs = document_frequencies(ids)
    if not n_docs:
        return []
    chosen = similarity.lookup_terms(df)
    candidate_ids = similarity.rank_candidates(postings(chosen, df, ids), df=df, n_docs=n_docs, limit=limit)
    if not candidate_ids:
        return []
    indexed = read_index(candidate_ids)
    candidate_terms = {t for doc in indexed.values() for t in doc.terms} - set(query.terms)
    extra_df, _ = document_frequencies({term_id(t): t for t in candidate_terms}, count=False)
    df.update(extra_df)
    return score_indexed(query, list(indexed.values()), df=df, n_docs=n_docs)


@dataclass(frozen=True)
class Indexed:
    """A claim's index row as the scorer reads it."""

    claim_id: int
    terms: tuple[str, ...]
    figures: frozenset[similarity.FigureKey]
    periods: frozenset[similarity.Period]
    vector: np.ndarray | None = field(compare=False, repr=False)


def indexed(claim_id: int, terms: Any, figures: Any, vector: Any, periods: Any) -> Indexed:
    """An index row (as stored, or as about to be stored) in the form the scorer reads."""
    keys = frozenset((str(k[0]), float(k[1])) for k in _json(figures))
    return Indexed(
        claim_id=claim_id,
        terms=tuple(_json(terms)),
        figures=keys,
        periods=_stored_periods(_json(periods), keys),
        vector=embeddings.from_bytes(vector),
    )


def read_index(claim_ids: Collection[int]) -> dict[int, Indexed]:
    """The index rows of these claims, in one query (merged claims have none: unindex_claim)."""
    return {
        row[0]: indexed(*row)
        for row in _select_in(
            ClaimIndex._meta.db_table,
            "claim_id, terms, figures, vector, periods",
            "claim_id",
            list(claim_ids),
        )
    }


def score_indexed(
    query: Query, documents: Sequence[Indexed], *, df: Mapping[str, int], n_docs: int
) -> list[Scored]:
    """Blended similarity of the query to each indexed claim, with the figure relation, best first."""
    scored = similarity.score_documents(
        query.terms,
        query.vector,
        [
            similarity.Document(
                id=d.claim_id, terms=d.terms, vector=d.vector if query.vector is not None else None
            )
            for d in documents
        ],
        df=df,
        n_docs=n_docs,
    )
    by_id = {d.claim_id: d for d in documents}
    return [
        Scored(
            claim_id,
            score,
            similarity.relate_figures(
                query.figures,
                by_id[claim_id].figures,
                a_periods=query.periods,
                b_periods=by_id[claim_id].periods,
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


def document_frequencies(ids: dict[int, str], *, count: bool = True) -> tuple[dict[str, int], int]:
    """Document counts of tokens (by term id), and the number of indexed claims when ``count``."""
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


def postings(chosen: list[str], df: dict[str, int], ids: dict[int, str]) -> list[tuple[int, str]]:
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
    row = _index_row(terms=terms, keys=keys, periods=periods, vector=vector)
    if new:
        ClaimIndex.objects.create(claim=claim, **row)
    else:
        ClaimIndex.objects.update_or_create(claim=claim, defaults=row)
    ClaimTerm.objects.bulk_create(
        [ClaimTerm(term=term_id(t), claim=claim) for t in terms], ignore_conflicts=True
    )
    _add_df([term_id(t) for t in terms], +1)


def _index_row(
    *,
    terms: Sequence[str],
    keys: Iterable[similarity.FigureKey],
    periods: Iterable[similarity.Period],
    vector: np.ndarray | None,
) -> dict[str, Any]:
    return {
        "terms": list(terms),
        "figures": [list(k) for k in keys],
        "periods": [list(p) for p in periods],
        "vector": embeddings.to_bytes(vector) if vector is not None else None,
        "model": embeddings.MODEL_NAME if vector is not None else "",
    }


def new_index_row(query: Query) -> dict[str, Any]:
    """The index row ``index_claim(claim, vector=query.vector, new=True)`` writes for a claim
    created from the query's sentence (same text, figures and reference date)."""
    return _index_row(
        terms=similarity.document_terms(query.text),
        keys=sorted(query.figures),
        periods=sorted(query.periods),
        vector=query.vector,
    )


def index_new_claims(claims: Sequence[tuple[Claim, Query]]) -> None:
    """``index_claim(claim, vector=query.vector, new=True)`` for many new claims, a statement per table."""
    rows = [(claim, new_index_row(query)) for claim, query in claims]
    ClaimIndex.objects.bulk_create([ClaimIndex(claim=claim, **row) for claim, row in rows])
    ClaimTerm.objects.bulk_create(
        [ClaimTerm(term=term_id(t), claim=claim) for claim, row in rows for t in row["terms"]],
        ignore_conflicts=True,
    )
    for _, row in rows:
        _add_df([term_id(t) for t in row["terms"]], +1)


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
