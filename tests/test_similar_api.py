"""GET /api/v1/claims/similar/: known claims like a text, past fact-checks included, best first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from rest_framework.test import APIClient

from claims import claimreview, matching
from claims.models import Claim

pytestmark = pytest.mark.django_db

VACCINE = "The measles vaccine causes autism in young children, a new study found."
TRADE = "Bilateral trade hit a new record of $245 billion in 2024, according to Chinese customs data."
PARADE = "Chinese troops will form the largest foreign contingent at the Victory Day parade in Moscow."


@pytest.fixture
def catalogue(make_claim: Callable[..., Claim]) -> dict[str, Claim]:
    claims = {"trade": make_claim(TRADE), "parade": make_claim(PARADE)}
    for claim in claims.values():
        matching.index_claim(claim)
    claims["vaccine"] = claimreview.do_import_claim_review(
        item={
            "@type": "ClaimReview",
            "claimReviewed": VACCINE,
            "url": "https://factcheck.example/measles",
            "datePublished": "2025-05-09",
            "author": {"@type": "Organization", "name": "Example Checks"},
            "reviewRating": {"@type": "Rating", "alternateName": "False"},
        }
    ).claim
    return claims


def similar(client: APIClient, **params: Any) -> Any:
    return client.get("/api/v1/claims/similar/", params)


def test_the_best_match_comes_first_with_its_score(
    catalogue: dict[str, Claim], reviewer: User, client_for: Callable[[User], APIClient]
) -> None:
    response = similar(
        client_for(reviewer), text="Trade between the two reached a record $245 billion in 2024."
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["claim"]["id"] == catalogue["trade"].pk
    assert 0 < results[0]["score"] <= 1
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert {"id", "text", "status", "appearances", "outlets"} <= set(results[0]["claim"])


def test_a_past_fact_check_is_found_with_its_verdict(
    catalogue: dict[str, Claim], cms_client: APIClient
) -> None:
    response = similar(cms_client, text="Measles vaccines cause autism in kids, says new study", limit=1)

    (result,) = response.json()["results"]
    assert result["claim"]["id"] == catalogue["vaccine"].pk
    assert result["claim"]["text"] == VACCINE
    assert result["claim"]["previously_checked"] == {
        "verdict": "False",
        "date": "2025-05-09T00:00:00+00:00",
        "url": "https://factcheck.example/measles",
        "publisher": "Example Checks",
    }


def test_limit_caps_the_results(catalogue: dict[str, Claim], cms_client: APIClient) -> None:
    response = similar(cms_client, text="Chinese troops, trade records and vaccines", limit=1)

    assert len(response.json()["results"]) <= 1


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"text": ""},
        {"text": "   "},
        {"text": "x", "limit": "0"},
        {"text": "x", "limit": "51"},
        {"text": "x", "limit": "a"},
    ],
)
def test_missing_text_or_a_bad_limit_is_a_400_with_a_reason(
    params: dict[str, str], cms_client: APIClient
) -> None:
    response = similar(cms_client, **params)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert response.json()["detail"]


def test_nothing_similar_is_an_empty_list(catalogue: dict[str, Claim], cms_client: APIClient) -> None:
    response = similar(cms_client, text="Completely unrelated words about gardening tulips")

    assert response.json() == {"results": []}


def test_anonymous_callers_are_refused() -> None:
    assert APIClient().get("/api/v1/claims/similar/", {"text": "x"}).status_code in (401, 403)


def test_the_similar_lookup_stays_within_its_query_budget(
    catalogue: dict[str, Claim], cms_client: APIClient, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(9):
        response = similar(cms_client, text="Bilateral trade record $245 billion in 2024", limit=50)

    assert response.status_code == 200


@pytest.mark.postgres
def test_the_candidate_lookup_reads_the_postings_index(catalogue: dict[str, Claim]) -> None:
    terms = [matching.term_id(t) for t in ("bilateral", "customs", "contingent")]
    sql, params = matching.postings_query(terms)
    with connection.cursor() as cursor:
        # On a table this small the planner would rightly read it whole; forbid that to see
        # which index the lookup query can use, as it does at scale.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "claimterm_term_claim_unique" in plan, plan
    assert "Seq Scan" not in plan, plan
