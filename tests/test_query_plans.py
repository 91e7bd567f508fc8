"""The reads a desk and a CMS make all day use indexes, not sequential scans of the big tables.

A few thousand claims with their articles, appearances, reviews and events
(one chunk of the benchmark corpus, ``bench/corpus``) are loaded and ANALYZEd,
so the planner chooses as it does on a full database. Each request below runs
for real; every SELECT it sent is EXPLAINed, and none may read claims,
appearances, events or the match postings sequentially. The planner is left
free (no ``enable_seqscan = off``): a missing index shows up as a Seq Scan. The one read allowed to be
sequential is the list's capped count, under a Limit of 1,001 rows (see
``claims.api.pagination.LargeListPagination``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import plans
from bench.corpus import load as corpus_load
from bench.corpus import stories
from bench.corpus.tables import derive_claims, write_chunk
from claims import matching, selectors
from claims.api.pagination import LargeListPagination
from claims.models import Claim, ClaimEvent, Outlet

pytestmark = pytest.mark.postgres

ARTICLES = 600  # 3,000 claims


@pytest.fixture(scope="module")
def corpus(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """One chunk of the benchmark corpus, analysed; rolled back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        state = corpus_load.create_cast(
            {"claims": ARTICLES * stories.CLAIMS_PER_ARTICLE, "seed": 3, "version": 0}
        )
        world = corpus_load.world_of(state)
        rows = stories.chunk_rows(world, 0, stories.Counters())
        index_rows = derive_claims(rows)
        postings = [(matching.term_id(t), row["claim_id"]) for row in index_rows for t in row["terms"]]
        write_chunk(rows, index_rows, postings)
        corpus_load._postings_constraint(drop=False)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            # Rows inserted into a GIN index wait in its pending list (fastupdate) until a vacuum,
            # and the planner prices a search of the index with the whole list: with this chunk's
            # 3,000 claims (and whatever earlier tests left there) pending, reading the table
            # looked cheaper than the index. Autovacuum flushes it on a real database; here, now.
            cursor.execute("SELECT gin_clean_pending_list('claim_search_idx'::regclass)")
        speaker = (
            Claim.objects.exclude(speaker="").values_list("speaker", flat=True).order_by("id").first() or ""
        )
        # A word few claims share (a name, a place): on a table this small the planner rightly reads
        # all of it for a word in 3 % of the claims, as the benchmark's q=inflation is.
        # The rarest long word of the first claims' texts, counted, not guessed from its length.
        words = {
            w
            for t in Claim.objects.order_by("id").values_list("text", flat=True)[:40]
            for w in re.findall(r"[a-z]{6,}", t)
        }
        rare = min(sorted(words), key=lambda w: Claim.objects.filter(text__icontains=w).count())
        # An outlet with at most 1 % of the articles, read through its claims' ids gathered first.
        small_outlet = (
            Outlet.objects.annotate(n=Count("articles"))
            .filter(n__gte=1, n__lte=selectors.small_outlet_limit(ARTICLES))
            .order_by("-n", "name")
            .values_list("name", flat=True)
            .first()
        )
        yield {
            "small_outlet": small_outlet,
            "rare_word": rare,
            "speaker": speaker,
            "newest": Claim.objects.order_by("-updated_at").values_list("updated_at", flat=True).first(),
            "last_event": ClaimEvent.objects.order_by("-pk").values_list("pk", flat=True).first(),
            "text": Claim.objects.filter(origin="extracted").values_list("text", flat=True).first(),
            "editor": User.objects.get(username="editor01"),
        }
        transaction.set_rollback(True)


def sequential_scans(run: Any) -> list[str]:
    """The SELECTs ``run`` sent whose plan reads one of the big tables sequentially, with that plan."""
    with CaptureQueriesContext(connection) as captured:
        response = run()
    assert response.status_code == 200, response.content[:300]
    found = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not plans.is_select(sql):
            continue
        plan = plans.explain(sql)
        if plans.sequential_reads(sql, plan):
            found.append(f"{sql}\n{plan}")
    return found


@pytest.fixture
def api(corpus: dict[str, Any], db: None, monkeypatch: pytest.MonkeyPatch) -> Client:
    # The count is exact up to 1,000 of a million claims; here too the cap is a small share of the
    # table, so the planner weighs reading a few rows against reading the table, as at scale.
    monkeypatch.setattr(LargeListPagination, "COUNT_CAP", 30)
    from integrations import scopes
    from integrations.services import create_integration

    _, key = create_integration(name="plans", scopes=[scopes.CLAIMS_READ])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


LIST = "/api/v1/claims/?status=open&ordering=-priority"


def filtered_lists(corpus: dict[str, Any]) -> dict[str, str]:
    since = (corpus["newest"] - timedelta(days=2)).isoformat()
    return {
        "open": LIST,
        "outlet": f"{LIST}&outlet={quote('The Ashby Daily')}",
        "small_outlet": f"{LIST}&outlet={quote(corpus['small_outlet'])}",
        "speaker": f"{LIST}&speaker={quote(corpus['speaker'])}",
        "kind": f"{LIST}&kind=prediction",
        "q": f"{LIST}&q={corpus['rare_word']}",
        "updated_since": f"{LIST}&updated_since={quote(since)}",
        "article": "/api/v1/claims/?article=17",
    }


@pytest.mark.parametrize(
    "name",
    [
        "open",
        "outlet",
        "small_outlet",
        "speaker",
        "kind",
        "q",
        "updated_since",
        "article",
    ],
)
def test_the_claims_list_and_each_filter_read_claims_through_indexes(
    name: str, corpus: dict[str, Any], api: Client
) -> None:
    url = filtered_lists(corpus)[name]

    assert sequential_scans(lambda: api.get(url)) == []


def test_the_small_outlet_above_is_read_through_its_claims_gathered_first_and_the_large_one_is_not(
    corpus: dict[str, Any], api: Client
) -> None:
    lists = filtered_lists(corpus)
    for name, gathered in (("small_outlet", True), ("outlet", False)):
        with CaptureQueriesContext(connection) as captured:
            assert api.get(lists[name]).status_code == 200
        assert any("OFFSET 0" in q["sql"] for q in captured.captured_queries) is gathered, name


def test_the_dashboard_queue_reads_claims_through_indexes(corpus: dict[str, Any], db: None) -> None:
    browser = Client()
    browser.force_login(corpus["editor"])

    assert sequential_scans(lambda: browser.get("/")) == []


def test_the_events_feed_reads_the_log_from_its_cursor(corpus: dict[str, Any], api: Client) -> None:
    after = corpus["last_event"] - 500

    assert sequential_scans(lambda: api.get(f"/api/v1/events/?after={after}")) == []
    assert sequential_scans(lambda: api.get(f"/api/v1/events/?after={after}&type=taken")) == []


def test_the_similar_lookup_reads_the_postings_of_its_rarest_words(
    corpus: dict[str, Any], api: Client
) -> None:
    text = quote(corpus["text"])

    assert sequential_scans(lambda: api.get(f"/api/v1/claims/similar/?text={text}&limit=5")) == []


def page_plan(run: Any, marker: str) -> str:
    """The plan of the one query ``run`` sent that reads the queue's page (its SQL holds ``marker``)."""
    with CaptureQueriesContext(connection) as captured:
        assert run().status_code == 200
    pages = [
        q["sql"]
        for q in captured.captured_queries
        if marker in q["sql"] and " LIMIT " in q["sql"] and not q["sql"].startswith("SELECT COUNT")
    ]
    assert len(pages) == 1, pages
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {pages[0]}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_queue_search_reads_the_full_text_index(corpus: dict[str, Any], db: None) -> None:
    browser = Client()
    browser.force_login(corpus["editor"])
    search = f"/?status=all&q={corpus['rare_word']}"  # the word's claims, whatever their status

    assert sequential_scans(lambda: browser.get(search)) == []
    assert "claim_search_idx" in page_plan(lambda: browser.get(search), "@@")


def test_the_queue_sorted_by_age_in_review_reads_its_index(corpus: dict[str, Any], db: None) -> None:
    browser = Client()
    browser.force_login(corpus["editor"])

    assert sequential_scans(lambda: browser.get("/?sort=age")) == []
    plan = page_plan(lambda: browser.get("/?sort=age"), '"in_review_since" ASC NULLS LAST')
    assert "claim_age_idx" in plan and "Sort" not in plan.split("claim_age_idx")[0]
