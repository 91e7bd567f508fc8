"""Matching all the claim sentences of an article at once, in a few set-based reads.

Filing an article asks, for each of its claim sentences (about twenty in a
news story), the question ``matching.match_sentence`` answers for one text.
Asked sentence by sentence, that was some twenty queries a sentence and one
model run each; here it is two steps:

1. ``prepare``, before the filing's transaction (nothing is locked while it
   runs): tokens, figures and periods of every sentence, and the embeddings of
   those that may need one, in batched model runs. A sentence the article
   already states, or that repeats a known claim word for word, needs none.
2. ``ArticleMatcher``, inside the transaction: one read each of claims with
   the same words, term statistics, postings, the candidates' index rows, the
   candidates' other term statistics and the candidate claims; then each
   sentence is decided in memory, in order, by the rules of ``matching``.

A claim created for an earlier sentence of the article is a candidate for the
later ones, as it was when each sentence was looked up on its own after the
previous one was filed: the matcher keeps the article's new claims in memory
(postings, index row, words) until they are saved together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from . import embeddings, similarity
from .extraction import Sentence
from .matching import (
    Indexed,
    MatchDecision,
    Query,
    Scored,
    considered,
    decide,
    document_frequencies,
    fingerprint,
    indexed,
    make_queries,
    new_index_row,
    postings,
    read_index,
    same_words,
    score_indexed,
    term_id,
    use_embeddings,
)
from .models import Appearance, Article, Claim

# Ids the matcher gives the article's new claims until they are saved: above every saved id, in
# creation order, as the saved ids will be (ties between equal scores go to the lower id).
LOCAL_IDS = 2**62
# Claims with the same words looked at per sentence (the oldest), as match_sentence does.
SAME_WORDS = 10


def sentence_key(sentence: Sentence) -> tuple[int, str]:
    return (sentence.start, sentence.text)


def _lookup_key(query: Query) -> tuple[str, frozenset[Any], frozenset[Any]]:
    """What a lookup's result depends on besides the index (not the vector: it follows the text)."""
    return (query.text, query.figures, query.periods)


def prepare(
    *, article: Article, sentences: Sequence[Sentence], reference: date | datetime | None
) -> dict[tuple[int, str], Query]:
    """Queries for an article's claim sentences, with the embeddings they may need. Run it before
    the transaction: the model is the slow part of filing, and nothing waits for it there.

    Two reads decide which sentences need no embedding: those the article
    states already (their appearance is kept) and those with the same words as
    a known claim (matched without a lookup). Both are hints: the matcher
    embeds what turns out to be missing inside the transaction.
    """
    if not sentences:
        return {}
    texts = {s.text for s in sentences}
    stated = set(
        Appearance.objects.filter(article=article, current=True, text__in=texts).values_list(
            "text", flat=True
        )
    )
    prints = {text: fingerprint(text) for text in texts - stated}
    known = set(
        Claim.objects.filter(fingerprint__in=prints.values(), merged_into__isnull=True).values_list(
            "fingerprint", flat=True
        )
    )
    embed = {text for text, fp in prints.items() if fp not in known}
    queries = make_queries(
        [(s.text, [f.as_dict() for f in s.figures]) for s in sentences], reference=reference, embed=embed
    )
    return {sentence_key(s): q for s, q in zip(sentences, queries, strict=True)}


class ArticleMatcher:
    """The match decisions of an article's new sentences, from one read of each kind.

    Build it inside the filing's transaction with the queries of the sentences
    to file, then call ``match`` for each in order, and ``add`` for each claim
    created from one (before the next ``match``).
    """

    def __init__(self, queries: Sequence[Query]) -> None:
        self.local: dict[int, tuple[Claim, Query, Indexed]] = {}
        self.local_postings: dict[str, list[int]] = {}
        self.local_words: dict[str, list[Claim]] = {}
        self.same_text = self._same_text({fingerprint(q.text) for q in queries})
        lookups = [q for q in queries if fingerprint(q.text) not in self.same_text]
        self.vectors = self._missing_vectors(lookups)
        self.df, self.n_docs = self._term_stats(lookups)
        self.chosen: dict[str, list[str]] = {}
        self.ranked: dict[str, list[tuple[int, float]]] = {}
        self.db_postings: dict[str, list[int]] = {}
        self.db_scores: dict[tuple[str, frozenset[Any], frozenset[Any]], dict[int, Scored]] = {}
        self.claims: dict[int, Claim] = {}
        # Candidate ids read and found merged meanwhile (no claim to file against).
        self.gone: set[int] = set()
        if self.n_docs:
            self._score_known_claims(lookups)

    # --- reads, one of each kind for all the sentences

    def _same_text(self, prints: set[str]) -> dict[str, list[Claim]]:
        found: dict[str, list[Claim]] = {}
        for claim in Claim.objects.filter(fingerprint__in=prints, merged_into__isnull=True).order_by("id"):
            same = found.setdefault(claim.fingerprint, [])
            if len(same) < SAME_WORDS:
                same.append(claim)
        return found

    def _missing_vectors(self, lookups: Sequence[Query]) -> dict[str, Any]:
        """Embeddings prepare() did not compute (the article changed meanwhile): computed here."""
        if not use_embeddings():
            return {}
        missing = list(dict.fromkeys(q.text for q in lookups if q.vector is None))
        return dict(zip(missing, embeddings.embed(missing), strict=True)) if missing else {}

    def _term_stats(self, lookups: Sequence[Query]) -> tuple[dict[str, int], int]:
        terms = {t for q in lookups for t in q.terms}
        if not terms:
            return {}, 0
        return document_frequencies({term_id(t): t for t in terms})

    def _score_known_claims(self, lookups: Sequence[Query]) -> None:
        for query in lookups:
            if query.terms and query.text not in self.chosen:
                self.chosen[query.text] = similarity.lookup_terms(self._query_df(query))
        wanted = list(dict.fromkeys(t for chosen in self.chosen.values() for t in chosen))
        for claim_id, token in postings(wanted, self.df, {term_id(t): t for t in wanted}):
            self.db_postings.setdefault(token, []).append(claim_id)
        # The best candidates among the known claims, with their weights: the article's own new
        # claims can only push some of them out (match), never bring in another known claim.
        self.ranked = {
            text: similarity.top_candidates(
                similarity.candidate_weights(
                    self._postings_of(chosen, self.db_postings), df=self.df, n_docs=self.n_docs
                )
            )
            for text, chosen in self.chosen.items()
        }
        ranked = {text: [claim_id for claim_id, _ in top] for text, top in self.ranked.items()}
        index = read_index({claim_id for ids in ranked.values() for claim_id in ids})
        more = {t for doc in index.values() for t in doc.terms} - set(self.df)
        if more:
            self.df.update(document_frequencies({term_id(t): t for t in more}, count=False)[0])
        for query in lookups:
            if _lookup_key(query) in self.db_scores or query.text not in ranked:
                continue
            docs = [index[i] for i in ranked[query.text] if i in index]
            scored = score_indexed(self._with_vector(query), docs, df=self.df, n_docs=self.n_docs)
            self.db_scores[_lookup_key(query)] = {s.claim_id: s for s in scored}
        # Only the claims a decision may take (a few per sentence, not every close candidate);
        # match() reads more should one of them turn out merged.
        self._read_claims({i for by_id in self.db_scores.values() for i in considered(list(by_id.values()))})

    def _query_df(self, query: Query) -> dict[str, int]:
        return {t: self.df.get(t, 0) for t in query.terms}

    @staticmethod
    def _postings_of(chosen: Sequence[str], by_token: dict[str, list[int]]) -> list[tuple[int, str]]:
        return [(claim_id, t) for t in chosen for claim_id in by_token.get(t, ())]

    def _with_vector(self, query: Query) -> Query:
        vector = self.vectors.get(query.text)
        return replace(query, vector=vector) if query.vector is None and vector is not None else query

    # --- decisions, sentence by sentence

    def match(self, query: Query) -> MatchDecision:
        """What ``matching.match_sentence`` decides for this sentence, given the claims filed so far."""
        query = self._with_vector(query)
        fp = fingerprint(query.text)
        same = [*self.same_text.get(fp, []), *self.local_words.get(fp, [])][:SAME_WORDS]
        if same:
            return same_words(same)
        if not query.terms or not self.n_docs:
            return MatchDecision(vector=query.vector)
        chosen = self.chosen[query.text]
        local = similarity.candidate_weights(
            self._postings_of(chosen, self.local_postings), df=self._query_df(query), n_docs=self.n_docs
        )
        ranked = [
            claim_id for claim_id, _ in similarity.top_candidates({**dict(self.ranked[query.text]), **local})
        ]
        known = self.db_scores.get(_lookup_key(query), {})
        new = [self.local[i][2] for i in ranked if i >= LOCAL_IDS]
        scored = [known[i] for i in ranked if i in known]
        scored += score_indexed(query, new, df=self.df, n_docs=self.n_docs)
        scored.sort(key=lambda s: (-s.score, s.claim_id))
        while missing := [
            i for i in considered(scored, skip=self.gone) if i < LOCAL_IDS and i not in self.claims
        ]:
            self._read_claims(set(missing))
        claims = {**self.claims, **{i: claim for i, (claim, _, _) in self.local.items()}}
        return decide(query, scored, claims)

    def _read_claims(self, ids: set[int]) -> None:
        """Read these candidate claims; those merged meanwhile are noted as gone."""
        if not ids:
            return
        found = Claim.objects.filter(merged_into__isnull=True).in_bulk(sorted(ids))
        self.claims.update(found)
        self.gone.update(ids - set(found))

    def add(self, claim: Claim, query: Query) -> None:
        """A claim created (not yet saved) from this sentence: a candidate for the sentences after it."""
        local_id = LOCAL_IDS + len(self.local)
        query = self._with_vector(query)
        row = new_index_row(query)
        self.local[local_id] = (
            claim,
            query,
            indexed(local_id, row["terms"], row["figures"], row["vector"], row["periods"]),
        )
        for token in row["terms"]:
            self.local_postings.setdefault(token, []).append(local_id)
        self.local_words.setdefault(fingerprint(query.text), []).append(claim)

    def query_of(self, claim: Claim) -> Query:
        """The query of a claim added here, with its embedding: what its index row is made of."""
        return next(query for added, query, _ in self.local.values() if added is claim)
