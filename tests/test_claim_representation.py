"""A claim reads the same in every answer of the API, whichever way the server renders it.

The claims list and the similar lookup render a page of claims directly from
plain appearance rows (``ClaimSerializer.to_representation``); these tests hold
that rendering to DRF's own field-by-field output of the declared fields, so the
documented shape and the served one cannot drift apart.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from claims import matching, selectors
from claims.api.serializers import AppearanceSerializer, ClaimDetailSerializer, ClaimSerializer
from claims.models import Appearance, Article, Claim

pytestmark = pytest.mark.django_db


def drf_rendering(claim: Claim, serializer: ClaimSerializer) -> dict[str, Any]:
    """The claim as DRF renders the serializer's declared fields one by one, through JSON."""
    data = serializers.ModelSerializer.to_representation(serializer, claim)
    appearances = list(claim.current_appearances)  # type: ignore[attr-defined]
    data["appearances"] = AppearanceSerializer(appearances, many=True).data
    data["outlets"] = sorted({a.article.outlet.name for a in appearances if a.article.outlet is not None})
    return dict(json.loads(json.dumps(data)))


@pytest.fixture
def desk(make_claim: Any, appear: Any, reviewer: User) -> list[Claim]:
    """Claims of every kind a page shows: decided, assigned, with figures, in several outlets, and bare."""
    decided = make_claim(
        "Exports rose 12% in 2025, the ministry said.",
        status=Claim.Status.VERIFIED,
        verdict="Mostly true",
        rating="mostly-true",
        verdict_at=timezone.now() - timedelta(days=2),
        review_url="https://checks.example.org/exports",
        review_publisher="Example Checks",
        figures=[{"value": 12, "unit": "%"}],
        reasons=["statistic", "named source"],
        priority=40.5,
        priority_parts={"checkworthiness": 30, "repeat": 10.5},
        first_seen=timezone.now() - timedelta(days=9),
        last_seen=timezone.now() - timedelta(hours=3),
    )
    assigned = make_claim(status=Claim.Status.IN_REVIEW, assignee=reviewer, priority=80, kind="statistic")
    bare = make_claim(priority=5)
    for outlet in ("Daily Example", "The Courier", "Daily Example"):
        appear(decided, outlet)
    appear(assigned, "The Courier")
    Appearance.objects.filter(claim=assigned).update(match_score=0.8731, match_reason="same figure")
    # An article without an outlet: the appearance says "" and the claim's outlets leave it out.
    article = Article.objects.create(title="Wire copy", body="x", content_hash="wire", text=assigned.text)
    Appearance.objects.create(
        claim=assigned, article=article, article_revision=1, text=assigned.text, start=0, end=10, speaker="Jo"
    )
    Appearance.objects.create(
        claim=bare, article=article, article_revision=1, text="gone", start=50, end=60, current=False
    )
    return [decided, assigned, bare]


def test_the_claims_list_renders_each_claim_as_the_declared_fields_do(
    desk: list[Claim], cms_client: APIClient
) -> None:
    results = cms_client.get("/api/v1/claims/").json()["results"]
    claims = {claim.pk: claim for claim in selectors.claim_list()}
    assert [r["id"] for r in results] == [desk[1].pk, desk[0].pk, desk[2].pk]
    for result in results:
        assert result == drf_rendering(claims[result["id"]], ClaimSerializer())
    courier = next(r for r in results if r["id"] == desk[1].pk)
    assert courier["outlets"] == ["The Courier"]
    assert [a["outlet"] for a in courier["appearances"]] == ["The Courier", ""]
    assert courier["assignee"] == "rita"
    assert desk[2].pk in {r["id"] for r in results} and results[-1]["appearances"] == []


def test_a_claims_page_of_claims_is_the_same_as_each_claims_own_page(
    desk: list[Claim], cms_client: APIClient
) -> None:
    listed = {r["id"]: r for r in cms_client.get("/api/v1/claims/").json()["results"]}
    for claim in desk:
        detail = cms_client.get(f"/api/v1/claims/{claim.pk}/").json()
        reference = drf_rendering(selectors.claim_detail(claim_id=claim.pk), ClaimDetailSerializer())
        assert detail == {**reference, "related": detail["related"]}
        assert {key: value for key, value in detail.items() if key != "related"} == listed[claim.pk]


def test_similar_claims_are_rendered_as_the_list_renders_them(
    desk: list[Claim], cms_client: APIClient
) -> None:
    for claim in desk:
        matching.index_claim(claim)
    listed = {r["id"]: r for r in cms_client.get("/api/v1/claims/").json()["results"]}
    found = cms_client.get("/api/v1/claims/similar/", {"text": desk[0].text, "limit": "3"}).json()["results"]
    assert found and found[0]["claim"]["id"] == desk[0].pk
    for result in found:
        assert result["claim"] == listed[result["claim"]["id"]]


def test_a_page_of_claims_costs_the_same_queries_whatever_their_appearances(
    make_claim: Any, appear: Any, cms_client: APIClient
) -> None:
    def queries() -> int:
        cms_client.get("/api/v1/claims/")  # the key's last use is recorded once, not on every request
        with CaptureQueriesContext(connection) as captured:
            assert cms_client.get("/api/v1/claims/").status_code == 200
        return len(captured)

    first = make_claim()
    appear(first, "Daily Example")
    few = queries()
    for n in range(40):
        claim = make_claim()
        for outlet in ("Daily Example", "The Courier", f"Outlet {n % 7}"):
            appear(claim, outlet)
    assert queries() == few <= 4  # the key, the page, its appearances (and a count once the page is full)
