"""Filing an article costs the same few queries whatever its length, and concurrent filings
do not queue behind each other's locks."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import random
import time
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from claims import filing, matching
from claims.models import Appearance, Article, Claim, ClaimIndex

COUNTRIES = ["Kenya", "Chile", "Norway", "Vietnam", "Peru", "Ghana", "Poland", "Canada", "Morocco", "Japan"]
GOODS = ["wheat", "copper", "coffee", "timber", "salmon", "cotton", "steel", "cocoa", "rice", "lithium"]
SOURCES = ["the customs office", "the trade ministry", "the central bank", "the statistics agency"]
TEMPLATES = [
    "{country} exported {n:,} tonnes of {good} in {year}, up {p}% from {prev}, {source} said.",
    "Imports of {good} into {country} fell {p}% to ${b} billion in {year}, according to {source}.",
    "{country} produced {n:,} tonnes of {good} in {year}, {p}% more than in {prev}, {source} reported.",
    "The price of {good} in {country} rose {p}% in {year} to ${b} a tonne, {source} said.",
]


def trade_story(seed: int, sentences: int) -> str:
    """A wire-style story of trade figures: every story shares its words with the others, but
    each sentence (its figures, country and good) is its own."""
    rng = random.Random(seed)
    lines = []
    for _ in range(sentences):
        year = rng.randint(2015, 2024)
        lines.append(
            rng.choice(TEMPLATES).format(
                country=rng.choice(COUNTRIES),
                good=rng.choice(GOODS),
                source=rng.choice(SOURCES),
                n=rng.randint(1_000, 900_000),
                p=rng.randint(2, 90),
                b=rng.randint(2, 400),
                year=year,
                prev=year - rng.randint(1, 3),
            )
        )
    paragraphs = [" ".join(lines[k : k + 3]) for k in range(0, len(lines), 3)]
    return "\n\n".join(paragraphs)


def stored_article(seed: int, sentences: int) -> Article:
    """An article as the API stores it, not extracted yet."""
    return Article.objects.create(
        body=trade_story(seed, sentences),
        content_hash=f"trade-{seed}-{sentences}",
        external_id=f"trade-{seed}-{sentences}",
        title=f"Trade figures {seed}",
    )


def extracted_claim_sentences(article: Article) -> int:
    article.refresh_from_db()
    assert article.extraction_status == Article.Extraction.DONE, article.extraction_error
    return sum(1 for s in article.sentences if s["check_worthy"])


# --- Queries per article


# Queries to file one new article, whatever its length (a first extraction of 5 or 40 claim
# sentences, with known claims to match against): the article, its attempt count and
# boilerplate, then one read or write of each kind (see claims/article_matching.py and
# filing._file_sentences). A change that queries per sentence again makes a 40-sentence article
# cost hundreds.
MAX_QUERIES_PER_ARTICLE = 36


def queries_to_extract(article: Article) -> int:
    with CaptureQueriesContext(connection) as captured:
        filing.do_extract_article(article_id=article.pk)
    return len(captured)


def test_filing_an_article_takes_a_fixed_number_of_queries_whatever_its_length(db: None) -> None:
    for seed in (1, 2):  # claims to match against, so every lookup has candidates
        filing.do_extract_article(article_id=stored_article(seed, 30).pk)
    short, long = stored_article(10, 5), stored_article(11, 40)

    short_queries, long_queries = queries_to_extract(short), queries_to_extract(long)

    assert extracted_claim_sentences(long) >= 6 * extracted_claim_sentences(short) > 0
    assert Appearance.objects.filter(article=long).count() == extracted_claim_sentences(long)
    assert long_queries <= MAX_QUERIES_PER_ARTICLE, long_queries
    # Eight times the sentences, at most a read or write of some kind more (links, repeats).
    assert long_queries - short_queries <= 2, (short_queries, long_queries)


def test_extracting_the_same_revision_again_changes_nothing_and_asks_little(db: None) -> None:
    article = stored_article(3, 20)
    filing.do_extract_article(article_id=article.pk)
    claims = sorted(Claim.objects.values_list("pk", "appearance_count"))

    assert queries_to_extract(article) <= 2  # the article, and nothing else: it is up to date
    filing.do_extract_article(article_id=article.pk, force=True)

    assert sorted(Claim.objects.values_list("pk", "appearance_count")) == claims
    assert Appearance.objects.filter(article=article).count() == extracted_claim_sentences(article)


# --- Concurrent filings on PostgreSQL


def _extract_in_child(article_ids: list[int], barrier: Any, done: Any) -> None:
    """A worker process of its own: warm (model loaded), then extracts its article on the signal."""
    from claims import embeddings

    # A session of its own, as each Celery worker has: the kernel's scheduler then shares the
    # CPU between the children as between workers, not as between the threads of one program.
    os.setsid()
    try:
        embeddings.embed(["Warm the model up before the clock starts."])
        barrier.wait(timeout=120)
        for article_id in article_ids:
            filing.do_extract_article(article_id=article_id)
        done.put(("ok", time.perf_counter()))
    except BaseException as exc:  # reported by the parent
        done.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()


@dataclass
class Run:
    seconds: float  # from the start signal until the last article is filed
    waiting_for_locks: float  # summed over the extractions, sampled from pg_stat_activity


def extract_at_once(article_ids: list[int]) -> Run:
    """Extract the articles in processes of their own (each its own connection, as Celery
    workers are), started together.

    Processes, not threads: threads would share the interpreter lock, and the time they wait
    for it would hide (or be mistaken for) the time they wait for each other's row locks.
    """
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(article_ids) + 1)
    done = context.Queue()
    connections.close_all()  # no connection may be shared with the children
    children = [
        context.Process(target=_extract_in_child, args=([article_id], barrier, done))
        for article_id in article_ids
    ]
    for child in children:
        child.start()
    barrier.wait(timeout=120)
    started = time.perf_counter()
    results: list[tuple[str, Any]] = []
    waiting = 0.0
    deadline = started + 300
    while len(results) < len(children) and time.perf_counter() < deadline:
        waiting += SAMPLE_SECONDS * backends_waiting_for_locks()
        with contextlib.suppress(queue.Empty):
            results.append(done.get(timeout=SAMPLE_SECONDS))
    for child in children:
        child.join(timeout=30)
    assert len(results) == len(children) and all(status == "ok" for status, _ in results), results
    return Run(seconds=max(finished for _, finished in results) - started, waiting_for_locks=waiting)


SAMPLE_SECONDS = 0.02


def backends_waiting_for_locks() -> int:
    """Connections to this database waiting for a lock (a row, a table or an advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def document_counts_that_disagree_with_the_index() -> list[Any]:
    """Term statistics that differ from the postings (and the claim counter from the index)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.term, s.df, count(t.claim_id) FROM claims_termstat s
            LEFT JOIN claims_claimterm t ON t.term = s.term
            WHERE s.term <> %s GROUP BY s.term, s.df HAVING s.df <> count(t.claim_id)
            UNION ALL
            SELECT s.term, s.df, (SELECT count(*) FROM claims_claimindex) FROM claims_termstat s
            WHERE s.term = %s AND s.df <> (SELECT count(*) FROM claims_claimindex)
            """,
            [matching.DOC_COUNT_TERM, matching.DOC_COUNT_TERM],
        )
        return list(cursor.fetchall())


# Four filings on two cores take about twice as long as one if they only share the CPU, and
# four times as long if each waits for the others' locks while they compute (the embedding
# model inside the transaction, document counts locked from the first new claim to the commit).
# Three times is between the two, with room for a busy machine's noise. On a machine so busy
# that the four get no more CPU than one would, the wall time cannot tell the two apart; the
# time spent waiting for locks, sampled from PostgreSQL, still can: serialised, the four would
# wait 1.5 times the run's length in all (0 + 1 + 2 + 3 turns of 4); a quarter of it is allowed.
MAX_SLOWDOWN_OF_FOUR_AT_ONCE = 3.0
MAX_LOCK_WAIT_SHARE = 0.25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_extractions_at_once_share_the_machine_without_queueing_on_locks() -> None:
    sentences = 24
    for seed in (1, 2):  # an index to match against
        filing.do_extract_article(article_id=stored_article(seed, sentences).pk)
    alone = [stored_article(seed, sentences).pk for seed in (3, 4)]
    together = [stored_article(seed, sentences).pk for seed in (5, 6, 7, 8)]
    deadlocks_before = deadlocks()

    one_alone = sum(extract_at_once([article_id]).seconds for article_id in alone) / len(alone)
    four = extract_at_once(together)
    if four.waiting_for_locks > MAX_LOCK_WAIT_SHARE * four.seconds:
        # Once in a dozen quiet runs four filings wait 0.7 of the run, where they usually wait
        # 0-0.2: a second try with four new articles tells that from filings that serialise,
        # which wait 1.5 of the run every time.
        together += [stored_article(seed, sentences).pk for seed in (9, 10, 11, 12)]
        again = extract_at_once(together[4:])
        four = min(four, again, key=lambda run: run.waiting_for_locks / run.seconds)

    assert four.waiting_for_locks <= MAX_LOCK_WAIT_SHARE * four.seconds, four
    assert four.seconds <= MAX_SLOWDOWN_OF_FOUR_AT_ONCE * one_alone, (four, one_alone)
    assert deadlocks() == deadlocks_before
    for article_id in together:
        article = Article.objects.get(pk=article_id)
        assert Appearance.objects.filter(article=article).count() == extracted_claim_sentences(article)
    assert document_counts_that_disagree_with_the_index() == []
    assert ClaimIndex.objects.count() == Claim.objects.count()


def test_trade_stories_share_their_words_but_not_their_sentences() -> None:
    first, second = trade_story(5, 24), trade_story(6, 24)
    words = set(first.lower().split()) & set(second.lower().split())
    assert len(words) >= 30
    assert not set(first.split(". ")) & set(second.split(". "))
