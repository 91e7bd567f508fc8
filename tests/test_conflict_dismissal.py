"""A reviewer dismisses a figure conflict with a reason: recorded, and out of the priority and the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from claims import filing
from claims.models import Article, Claim, ClaimEvent, ClaimLink

from .conftest import flashes
from .test_conflicts import IN_2025, TRADE_LAST_YEAR, file_seed_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflict(ingest: Callable[..., Article]) -> tuple[Claim, Claim, ClaimLink]:
    """The seed pair in an article of 2025: "last year" is 2024, two figures for one year."""
    new, old = file_seed_pair(ingest, published_at=IN_2025)
    link = ClaimLink.objects.get(kind=ClaimLink.Kind.FIGURE_CONFLICT)
    assert new.priority_parts["figure_conflict"] > 0
    return new, old, link


def dismiss(client: APIClient, claim: Claim, link: ClaimLink, **body: str) -> dict:
    response = client.post(f"/api/v1/claims/{claim.pk}/conflicts/{link.pk}/dismiss/", body, format="json")
    return {"status": response.status_code, **response.json()}


def test_a_reviewer_dismisses_a_conflict_as_different_periods_through_the_api(
    conflict: tuple[Claim, Claim, ClaimLink], reviewer: User, client_for: Callable[[User], APIClient]
) -> None:
    new, old, link = conflict

    answer = dismiss(client_for(reviewer), old, link, reason="different_periods")

    assert answer["status"] == 200
    assert answer["event"]["action"] == "conflict_dismissed"
    assert answer["event"]["data"]["other"] == new.pk
    (related,) = answer["claim"]["related"]
    assert (related["link"], related["dismissal"], related["resolved"]) == (
        link.pk,
        "different_periods",
        True,
    )
    assert answer["claim"]["priority_parts"]["figure_conflict"] == 0
    new.refresh_from_db()
    assert new.priority_parts["figure_conflict"] == 0
    for claim in (old, new):
        event = ClaimEvent.objects.get(claim=claim, action="conflict_dismissed")
        assert (event.actor, event.reason) == (reviewer, "Different periods")


def test_the_dismissal_is_in_both_claims_audit_trails(
    conflict: tuple[Claim, Claim, ClaimLink], reviewer: User, client_for: Callable[[User], APIClient]
) -> None:
    new, old, link = conflict
    client = client_for(reviewer)
    dismiss(client, new, link, reason="different_measures", note="one counts goods, the other services")

    for claim, other in ((new, old), (old, new)):
        events = client.get(f"/api/v1/claims/{claim.pk}/events/").json()["results"]
        (event,) = [e for e in events if e["action"] == "conflict_dismissed"]
        assert event["actor"] == "rita"
        assert event["reason"] == "Different measures: one counts goods, the other services"
        assert event["data"]["other"] == other.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "other"}, "note"),
        ({"reason": "other", "note": "   "}, "note"),
        ({"reason": "wrong year"}, "reason"),
        ({}, "reason"),
        ({"reason": "different_periods", "note": "x" * 2001}, "note"),
    ],
)
def test_a_dismissal_needs_a_known_reason_and_words_with_other(
    conflict: tuple[Claim, Claim, ClaimLink],
    reviewer: User,
    client_for: Callable[[User], APIClient],
    body: dict[str, str],
    field: str,
) -> None:
    new, _, link = conflict

    answer = dismiss(client_for(reviewer), new, link, **body)

    assert answer["status"] == 400
    assert answer["error"] == "invalid"
    assert field in answer["fields"]
    link.refresh_from_db()
    assert not link.resolved


def test_other_with_the_reviewers_words_is_accepted_and_told_in_their_words(
    conflict: tuple[Claim, Claim, ClaimLink], reviewer: User, client_for: Callable[[User], APIClient]
) -> None:
    new, _, link = conflict

    answer = dismiss(client_for(reviewer), new, link, reason="other", note="  the 2024 figure was revised ")

    assert answer["status"] == 200
    link.refresh_from_db()
    assert (link.dismissal, link.note) == ("other", "the 2024 figure was revised")


def test_a_conflict_is_dismissed_once(
    conflict: tuple[Claim, Claim, ClaimLink], reviewer: User, client_for: Callable[[User], APIClient]
) -> None:
    new, old, link = conflict
    client = client_for(reviewer)
    dismiss(client, new, link, reason="different_periods")

    again = dismiss(client, old, link, reason="different_subjects")

    assert again["status"] == 409
    assert again["detail"] == "This conflict was already dismissed: different periods."
    assert ClaimEvent.objects.filter(action="conflict_dismissed").count() == 2


def test_only_the_claims_own_conflicts_and_only_conflicts_can_be_dismissed(
    conflict: tuple[Claim, Claim, ClaimLink],
    reviewer: User,
    client_for: Callable[[User], APIClient],
    make_claim: Callable[..., Claim],
) -> None:
    new, _, link = conflict
    stranger = make_claim()
    series = ClaimLink.objects.create(from_claim=new, to_claim=stranger, kind=ClaimLink.Kind.SERIES)
    client = client_for(reviewer)

    assert dismiss(client, stranger, link, reason="different_periods")["status"] == 404
    assert dismiss(client, new, series, reason="different_periods")["status"] == 409
    response = client.post(f"/api/v1/claims/999999/conflicts/{link.pk}/dismiss/", {}, format="json")
    assert response.status_code == 404


def test_a_cms_key_cannot_dismiss_a_conflict(
    conflict: tuple[Claim, Claim, ClaimLink], cms_client: APIClient
) -> None:
    new, _, link = conflict

    answer = dismiss(cms_client, new, link, reason="different_periods")

    assert answer["status"] == 403
    assert answer["required_scope"] == "claims:review"


def test_a_reextraction_keeps_the_dismissal(
    conflict: tuple[Claim, Claim, ClaimLink], reviewer: User, client_for: Callable[[User], APIClient]
) -> None:
    new, _, link = conflict
    dismiss(client_for(reviewer), new, link, reason="different_periods")

    for article in Article.objects.all():
        filing.do_extract_article(article_id=article.pk, force=True)

    assert list(ClaimLink.objects.values_list("kind", "dismissal")) == [
        ("figure_conflict", "different_periods")
    ]
    new.refresh_from_db()
    assert new.priority_parts["figure_conflict"] == 0


# --- The dashboard ---------------------------------------------------------------


def test_a_reviewer_dismisses_a_conflict_on_the_claim_page(
    conflict: tuple[Claim, Claim, ClaimLink], reviewer: User, client_as: Callable[[User], Client]
) -> None:
    new, old, link = conflict
    browser = client_as(reviewer)
    before = browser.get(f"/claims/{new.pk}/").content.decode()
    assert f'data-link="{link.pk}" data-conflict="standing"' in before
    assert "Dismiss the conflict" in before

    response = browser.post(
        f"/claims/{new.pk}/dismiss_conflict/", {"link": link.pk, "reason": "different_periods"}, follow=True
    )

    page = response.content.decode()
    assert flashes(response) == [
        f"Figure conflict with claim {old.pk} dismissed (different periods). "
        "It no longer raises either claim in the queue."
    ]
    assert f'data-link="{link.pk}" data-conflict="dismissed"' in page
    assert "Conflict dismissed: different periods." in page
    assert "Dismiss the conflict" not in page
    assert 'data-action="conflict_dismissed"' in page
    assert f"Dismissed the figure conflict with claim {old.pk}: different periods" in page
    other_page = browser.get(f"/claims/{old.pk}/").content.decode()
    assert f"Dismissed the figure conflict with claim {new.pk}: different periods" in other_page


def test_the_queue_no_longer_flags_a_dismissed_conflict(
    conflict: tuple[Claim, Claim, ClaimLink], reviewer: User, client_as: Callable[[User], Client]
) -> None:
    new, _, link = conflict
    browser = client_as(reviewer)
    assert browser.get("/").content.decode().count("badge conflict") == 2

    browser.post(f"/claims/{new.pk}/dismiss_conflict/", {"link": link.pk, "reason": "different_subjects"})

    assert browser.get("/").content.decode().count("badge conflict") == 0


def test_other_without_words_is_refused_on_the_page_and_the_conflict_stands(
    conflict: tuple[Claim, Claim, ClaimLink], reviewer: User, client_as: Callable[[User], Client]
) -> None:
    new, _, link = conflict

    response = client_as(reviewer).post(
        f"/claims/{new.pk}/dismiss_conflict/", {"link": link.pk, "reason": "other", "note": ""}, follow=True
    )

    assert flashes(response) == [
        "Please correct the form: Note: Say in a few words why the figures do not conflict."
    ]
    assert f'data-link="{link.pk}" data-conflict="standing"' in response.content.decode()
    assert not ClaimEvent.objects.filter(action="conflict_dismissed").exists()


def test_a_page_that_missed_a_dismissal_says_who_was_first(
    conflict: tuple[Claim, Claim, ClaimLink],
    reviewer: User,
    reviewer2: User,
    client_as: Callable[[User], Client],
) -> None:
    new, old, link = conflict
    client_as(reviewer2).post(
        f"/claims/{old.pk}/dismiss_conflict/", {"link": link.pk, "reason": "different_periods"}
    )

    response = client_as(reviewer).post(
        f"/claims/{new.pk}/dismiss_conflict/", {"link": link.pk, "reason": "different_subjects"}, follow=True
    )

    assert flashes(response) == ["This conflict was already dismissed: different periods."]
    assert "Conflict dismissed: different periods." in response.content.decode()


def test_a_claim_without_links_says_so(
    ingest: Callable[..., Article], reviewer: User, client_as: Callable[[User], Client]
) -> None:
    article = ingest(f"{TRADE_LAST_YEAR}\n", published_at=datetime(2025, 3, 1, tzinfo=UTC))
    claim = Claim.objects.get(appearances__article=article)

    page = client_as(reviewer).get(f"/claims/{claim.pk}/").content.decode()

    assert "Dismiss the conflict" not in page
