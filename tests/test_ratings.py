"""The desk's rating scale: verdicts rated from it, the status it leads to, and what ClaimReview says."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import ProtectedError
from rest_framework.test import APIClient

from claims.models import Claim, Evidence, Rating, Verdict

Status = Claim.Status


@pytest.fixture
def rita(reviewer: User, client_for: Any) -> APIClient:
    return client_for(reviewer)


@pytest.fixture
def edna(editor: User, client_for: Any) -> APIClient:
    return client_for(editor)


@pytest.fixture
def held(reviewer: User, make_claim: Any) -> Claim:
    """A claim Rita is reviewing, with a primary source."""
    claim: Claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    Evidence.objects.create(claim=claim, url="https://stats.example.org/labour.csv", primary=True)
    return claim


def verdict(client: APIClient, claim: Claim, **payload: Any) -> Any:
    payload.setdefault("version", Claim.objects.get(pk=claim.pk).version)
    payload.setdefault("rationale", "The labour force survey says 4.1%, not 3.5%.")
    return client.post(f"/api/v1/claims/{claim.pk}/verdict/", payload, format="json")


def test_the_scale_lists_the_default_ratings_in_order_with_their_outcome_and_value(
    cms_client: APIClient,
) -> None:
    response = cms_client.get("/api/v1/ratings/")

    assert response.status_code == 200
    assert [(r["name"], r["leads_to"], r["value"]) for r in response.json()] == [
        ("true", "verified", 5),
        ("mostly-true", "verified", 4),
        ("half-true", "disputed", 3),
        ("misleading", "disputed", 2),
        ("false", "disputed", 1),
        ("unproven", "disputed", None),
    ]
    assert response.json()[3]["label"] == "Misleading"


def test_a_rating_alone_decides_the_status(rita: APIClient, held: Claim, settings: Any) -> None:
    settings.REQUIRE_SECOND_REVIEW = False

    response = verdict(rita, held, rating="mostly-true")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["verdict"], response.json()["rating"]) == (
        "verified",
        "verified",
        "mostly-true",
    )


def test_a_proposed_rating_is_published_with_the_approval(
    rita: APIClient, edna: APIClient, held: Claim
) -> None:
    assert verdict(rita, held, rating="misleading").status_code == 200
    assert Claim.objects.get(pk=held.pk).rating == ""  # nothing is published before the approval

    version = Claim.objects.get(pk=held.pk).version
    approved = edna.post(f"/api/v1/claims/{held.pk}/approve/", {"version": version}, format="json")

    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["rating"]) == ("disputed", "misleading")
    verdicts = edna.get(f"/api/v1/claims/{held.pk}/verdicts/").json()["results"]
    assert verdicts[0]["rating"] == "misleading"


def test_a_verdict_without_a_rating_still_works(rita: APIClient, held: Claim, settings: Any) -> None:
    settings.REQUIRE_SECOND_REVIEW = False

    response = verdict(rita, held, verdict="disputed")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["rating"]) == ("disputed", "")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"rating": "pants-on-fire"}, "is not on the desk's scale"),
        ({"rating": "true", "verdict": "disputed"}, "True leads to verified, not disputed"),
        ({}, "Give a rating from the scale"),
    ],
)
def test_a_rating_off_the_scale_or_against_the_verdict_is_400_naming_rating(
    rita: APIClient, held: Claim, payload: dict[str, str], message: str
) -> None:
    response = verdict(rita, held, **payload)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["rating"]
    assert message in response.json()["detail"]
    assert not Verdict.objects.filter(claim=held).exists()


def test_a_rating_taken_off_the_scale_is_refused_for_new_verdicts(rita: APIClient, held: Claim) -> None:
    Rating.objects.filter(name="half-true").update(active=False)

    response = verdict(rita, held, rating="half-true")

    assert response.status_code == 400
    assert "half-true" not in [r["name"] for r in rita.get("/api/v1/ratings/").json()]


def test_a_rating_in_use_cannot_be_deleted(rita: APIClient, held: Claim) -> None:
    verdict(rita, held, rating="false")

    with pytest.raises(ProtectedError):
        Rating.objects.get(name="false").delete()


@pytest.mark.parametrize(
    ("rating", "alternate_name", "value"),
    [("misleading", "Misleading", 2), ("mostly-true", "Mostly true", 4), ("unproven", "Unproven", None)],
)
def test_claimreview_says_the_rating_and_its_value_on_the_scale(
    rita: APIClient, held: Claim, settings: Any, rating: str, alternate_name: str, value: int | None
) -> None:
    settings.REQUIRE_SECOND_REVIEW = False
    verdict(rita, held, rating=rating)
    Claim.objects.filter(pk=held.pk).update(published_url="https://factcheck.example.org/checks/jobs")

    review = rita.get(f"/api/v1/claims/{held.pk}/claimreview/").json()["reviewRating"]

    assert review["alternateName"] == alternate_name
    assert review.get("ratingValue") == value
    if value is not None:
        assert (review["worstRating"], review["bestRating"]) == (1, 5)
    else:
        assert "bestRating" not in review


def test_claimreview_of_a_verdict_without_a_rating_keeps_the_ends_of_the_scale(
    rita: APIClient, held: Claim, settings: Any
) -> None:
    settings.REQUIRE_SECOND_REVIEW = False
    verdict(rita, held, verdict="verified")
    Claim.objects.filter(pk=held.pk).update(published_url="https://factcheck.example.org/checks/jobs")

    review = rita.get(f"/api/v1/claims/{held.pk}/claimreview/").json()["reviewRating"]

    assert review["ratingValue"] == 5
