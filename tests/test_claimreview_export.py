"""ClaimReview out: where a fact-check is published, JSON-LD that Google's fields validate, the feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims import claimreview
from claims.event_types import EventType
from claims.models import Appearance, Article, Claim, ClaimEvent, Outlet, Verdict
from claims.status_guard import status_writes

PAGE = "https://desk.example.org/checks/jobs"

# Google's ClaimReview fields (developers.google.com/search/docs/appearance/structured-data/factcheck):
# the required ones and the recommended ones we always send for our own fact-checks.
ORGANIZATION: dict[str, Any] = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {"@type": {"const": "Organization"}, "name": {"type": "string", "minLength": 1}},
}
CLAIM_REVIEW_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "@context",
        "@type",
        "claimReviewed",
        "reviewRating",
        "url",
        "author",
        "itemReviewed",
        "datePublished",
    ],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "ClaimReview"},
        "claimReviewed": {"type": "string", "minLength": 1},
        "url": {"type": "string", "pattern": "^https?://[^/]+"},
        "datePublished": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "author": {
            **ORGANIZATION,
            "required": ["@type", "name", "url"],
            "properties": {**ORGANIZATION["properties"], "url": {"type": "string", "pattern": "^https?://"}},
        },
        "reviewRating": {
            "type": "object",
            "required": ["@type", "alternateName", "ratingValue", "bestRating", "worstRating"],
            "properties": {
                "@type": {"const": "Rating"},
                "alternateName": {"type": "string", "minLength": 1},
                "ratingValue": {"type": "integer", "minimum": 1, "maximum": 5},
                "bestRating": {"const": 5},
                "worstRating": {"type": "integer", "minimum": 1},
            },
        },
        "itemReviewed": {
            "type": "object",
            "required": ["@type", "author", "datePublished", "appearance"],
            "properties": {
                "@type": {"const": "Claim"},
                "author": {
                    "type": "object",
                    "required": ["@type", "name"],
                    "properties": {"@type": {"enum": ["Person", "Organization"]}, "name": {"type": "string"}},
                },
                "datePublished": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "appearance": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["@type", "url"],
                        "properties": {"url": {"type": "string", "pattern": "^https?://"}},
                    },
                },
            },
        },
    },
}


def check_claim_review(review: dict[str, Any]) -> None:
    jsonschema.validate(review, CLAIM_REVIEW_SCHEMA, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def edna(editor: User, client_for: Any) -> APIClient:
    return client_for(editor)


@pytest.fixture
def decided(reviewer: User, editor2: User, make_claim: Any) -> Claim:
    """A claim our desk disputed, in two articles, not yet published."""
    outlet = Outlet.objects.create(name="Daily Example")
    claim: Claim = make_claim(
        text="unemployment fell to 3.5% in March",
        speaker="Jane Minister",
        status=Claim.Status.DISPUTED,
        verdict="disputed",
        verdict_at=datetime(2025, 4, 2, 9, 30, tzinfo=UTC),
        first_seen=datetime(2025, 3, 30, 7, 0, tzinfo=UTC),
    )
    for n in (1, 2):
        article = Article.objects.create(
            url=f"https://daily.example.com/economy/jobs-{n}",
            title=f"Jobless rate, part {n}",
            outlet=outlet,
            published_at=datetime(2025, 3, 29 + n, 7, 0, tzinfo=UTC),
            body="x",
            content_hash=f"x{n}",
            text="The minister said unemployment fell to 3.5% in March.",
        )
        Appearance.objects.create(
            claim=claim, article=article, article_revision=1, text=claim.text, start=17, end=52
        )
    Verdict.objects.create(
        claim=claim,
        value="disputed",
        rationale="The statistics office puts March at 4.1%.",
        author=reviewer,
        state=Verdict.State.APPROVED,
        decided_by=editor2,
        decided_at=datetime(2025, 4, 2, 9, 30, tzinfo=UTC),
    )
    return claim


def publish(client: APIClient, claim: Claim, url: Any = PAGE) -> Any:
    return client.post(f"/api/v1/claims/{claim.pk}/publish/", {"url": url}, format="json")


# --- Publishing


def test_an_editor_publishes_a_fact_check_once_and_it_is_in_the_event_log(
    edna: APIClient, decided: Claim
) -> None:
    response = publish(edna, decided)

    assert response.status_code == 200, response.json()
    assert response.json()["published_url"] == PAGE
    assert Claim.objects.get(pk=decided.pk).version == decided.version, "publication is not a review step"
    assert publish(edna, decided).status_code == 200
    events = ClaimEvent.objects.filter(claim=decided, action=EventType.CLAIM_PUBLISHED)
    assert [e.data for e in events] == [{"url": PAGE}], "the same url again records nothing"
    story = edna.get(f"/api/v1/claims/{decided.pk}/events/").json()["results"]
    assert story[-1]["action"] == "published"


def test_a_cms_key_publishes_the_page_it_put_the_fact_check_on(cms_client: APIClient, decided: Claim) -> None:
    response = publish(cms_client, decided)
    assert response.status_code == 200, response.json()
    assert ClaimEvent.objects.get(claim=decided, action="published").integration is not None


def test_a_reviewer_may_not_publish(reviewer: User, client_for: Any, decided: Claim) -> None:
    response = publish(client_for(reviewer), decided)
    assert response.status_code == 403
    assert Claim.objects.get(pk=decided.pk).published_url == ""


def test_publishing_a_claim_without_a_published_verdict_is_409(edna: APIClient, make_claim: Any) -> None:
    claim = make_claim(status=Claim.Status.AWAITING_APPROVAL)
    response = publish(edna, claim)
    assert response.status_code == 409
    assert "no published verdict" in response.json()["detail"]


@pytest.mark.parametrize("url", ["", "ftp://desk.example.org/x", "desk.example.org/checks", 42, None])
def test_publishing_needs_an_http_url(edna: APIClient, decided: Claim, url: Any) -> None:
    response = publish(edna, decided, url)
    assert response.status_code == 400
    assert "url" in response.json()["fields"]


def test_publishing_an_unknown_claim_is_404_before_the_body_is_read(edna: APIClient) -> None:
    assert edna.post("/api/v1/claims/999999/publish/", {}, format="json").status_code == 404


# --- One ClaimReview


def test_claimreview_is_409_until_the_fact_check_is_published(edna: APIClient, decided: Claim) -> None:
    response = edna.get(f"/api/v1/claims/{decided.pk}/claimreview/")
    assert response.status_code == 409
    assert "no published_url" in response.json()["detail"]


def test_a_published_claimreview_validates_against_googles_fields(
    edna: APIClient, decided: Claim, settings: Any
) -> None:
    settings.SITE_URL = "https://factcheck.example.org"
    settings.FACTCHECK_PUBLISHER = "Example Fact-Check Desk"
    publish(edna, decided)

    review = edna.get(f"/api/v1/claims/{decided.pk}/claimreview/").json()

    check_claim_review(review)
    assert review["url"] == PAGE
    assert review["author"] == {
        "@type": "Organization",
        "name": "Example Fact-Check Desk",
        "url": "https://factcheck.example.org",
    }
    assert [a["url"] for a in review["itemReviewed"]["appearance"]] == [
        "https://daily.example.com/economy/jobs-1",
        "https://daily.example.com/economy/jobs-2",
    ]
    assert review["reviewRating"]["ratingValue"] == claimreview.WORST_RATING


def test_a_verified_claim_rates_at_the_top_of_the_scale(edna: APIClient, decided: Claim) -> None:
    with status_writes():
        Claim.objects.filter(pk=decided.pk).update(status=Claim.Status.VERIFIED, verdict="verified")
    Verdict.objects.filter(claim=decided).update(value="verified")
    publish(edna, decided)
    review = edna.get(f"/api/v1/claims/{decided.pk}/claimreview/").json()
    check_claim_review(review)
    assert (review["reviewRating"]["alternateName"], review["reviewRating"]["ratingValue"]) == ("Verified", 5)


def test_an_imported_fact_check_keeps_its_own_review_url(edna: APIClient) -> None:
    item = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://checkers.example.net/reviews/123",
        "claimReviewed": "The city planted a million trees last year.",
        "datePublished": "2025-02-01",
        "author": {"@type": "Organization", "name": "Checkers"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "The mayor"}},
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
    }
    claim = claimreview.do_import_claim_review(item=item).claim

    review = edna.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()

    assert review["url"] == "https://checkers.example.net/reviews/123"
    assert review["author"]["name"] == "Checkers"
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "False",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert publish(edna, claim).status_code == 409, "an imported fact-check is published by its publisher"


# --- The feed


def test_the_feed_lists_claimreviews_changed_since(
    edna: APIClient, decided: Claim, reviewer: User, make_claim: Any
) -> None:
    with time_machine.travel(datetime(2025, 4, 3, 8, 0, tzinfo=UTC), tick=False):
        publish(edna, decided)
    later: Claim = make_claim(
        status=Claim.Status.VERIFIED, verdict="verified", verdict_at=datetime(2025, 5, 1, tzinfo=UTC)
    )
    Verdict.objects.create(
        claim=later, value="verified", rationale="Matches the survey.", author=reviewer, state="approved"
    )
    Claim.objects.filter(pk=later.pk).update(published_url="https://desk.example.org/checks/later")
    make_claim(status=Claim.Status.VERIFIED, verdict="verified", verdict_at=datetime(2025, 5, 2, tzinfo=UTC))

    every = edna.get("/api/v1/claimreview/").json()
    assert [r["url"] for r in every["results"]] == [PAGE, "https://desk.example.org/checks/later"]
    assert every["count"] == 2, "an unpublished fact-check is not in the feed"
    check_claim_review(every["results"][0])

    since = edna.get("/api/v1/claimreview/", {"since": "2025-04-03T07:00:00Z"}).json()
    assert [r["url"] for r in since["results"]] == [PAGE, "https://desk.example.org/checks/later"]
    since = edna.get("/api/v1/claimreview/", {"since": "2025-04-10"}).json()
    assert [r["url"] for r in since["results"]] == ["https://desk.example.org/checks/later"]
    assert edna.get("/api/v1/claimreview/", {"since": "2026-01-01"}).json()["count"] == 0


def test_the_feed_refuses_an_unreadable_since(edna: APIClient) -> None:
    response = edna.get("/api/v1/claimreview/", {"since": "last week"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("since ")
