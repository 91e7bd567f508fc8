"""What a CMS looks up: its own article by external_id, claims changed since, strict query parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Appearance, Article, Claim, Outlet
from integrations.models import Integration
from integrations.services import create_integration

ARTICLES = "/api/v1/articles/"
CLAIMS = "/api/v1/claims/"


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def article_of(integration: Integration | None, external_id: str, title: str) -> Article:
    return Article.objects.create(
        integration=integration, external_id=external_id, title=title, body=title, content_hash=title
    )


@pytest.fixture
def two_cms(db: None) -> tuple[tuple[Integration, str], tuple[Integration, str]]:
    return create_integration(name="daily"), create_integration(name="weekly")


# --- external_id


def test_a_key_finds_only_its_own_article_by_external_id(two_cms: Any) -> None:
    (daily, daily_key), (weekly, weekly_key) = two_cms
    ours = article_of(daily, "story-1", "Daily's story")
    theirs = article_of(weekly, "story-1", "Weekly's story")
    article_of(daily, "story-2", "Another daily story")

    found = key_client(daily_key).get(ARTICLES, {"external_id": "story-1"}).json()
    assert [a["id"] for a in found["results"]] == [ours.pk]
    found = key_client(weekly_key).get(ARTICLES, {"external_id": "story-1"}).json()
    assert [a["id"] for a in found["results"]] == [theirs.pk]
    assert key_client(weekly_key).get(ARTICLES, {"external_id": "story-2"}).json()["count"] == 0


def test_people_find_every_integrations_article_by_external_id(
    two_cms: Any, editor: User, client_for: Any
) -> None:
    (daily, _), (weekly, _) = two_cms
    ids = {article_of(daily, "story-1", "a").pk, article_of(weekly, "story-1", "b").pk}
    found = client_for(editor).get(ARTICLES, {"external_id": "story-1"}).json()
    assert {a["id"] for a in found["results"]} == ids


# --- updated_since


def test_claims_updated_since_lists_only_claims_changed_since(
    make_claim: Any, editor: User, client_for: Any
) -> None:
    old, new = make_claim(), make_claim()
    Claim.objects.filter(pk=old.pk).update(updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    Claim.objects.filter(pk=new.pk).update(updated_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    client = client_for(editor)

    for since in ("2026-02-01", "2026-03-01T12:00:00Z", "2026-03-01T13:00:00+01:00"):
        listed = client.get(CLAIMS, {"updated_since": since}).json()["results"]
        assert [c["id"] for c in listed] == [new.pk], since
    # An offset sent unencoded arrives with a space for its "+".
    listed = client.get(f"{CLAIMS}?updated_since=2026-03-01T13:00:00+01:00").json()["results"]
    assert [c["id"] for c in listed] == [new.pk]
    assert client.get(CLAIMS, {"updated_since": "2025-12-31"}).json()["count"] == 2


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-02-30T00:00:00Z", "²⁰²⁶-01-01"])
def test_an_unreadable_updated_since_is_400_naming_the_parameter(
    bad: str, editor: User, client_for: Any
) -> None:
    response = client_for(editor).get(CLAIMS, {"updated_since": bad})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("updated_since ")


# --- ordering


def test_an_unknown_ordering_is_400_listing_the_accepted_values(editor: User, client_for: Any) -> None:
    client = client_for(editor)
    assert client.get(CLAIMS, {"ordering": "-score,id"}).status_code == 200
    for path, bad in ((CLAIMS, "text"), (CLAIMS, "-score,password"), (ARTICLES, "body")):
        response = client.get(path, {"ordering": bad})
        assert response.status_code == 400, (path, bad)
        assert "ordering" in response.json()["detail"]
        assert "-created_at" in response.json()["detail"] or "-priority" in response.json()["detail"]


def test_the_schema_lists_the_accepted_orderings(editor: User, client_for: Any) -> None:
    schema = client_for(editor).get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/claims/"]["get"]["parameters"]
    (ordering,) = [p for p in parameters if p["name"] == "ordering"]
    assert {"priority", "-priority", "last_seen", "-outlet_count"} <= set(ordering["schema"]["items"]["enum"])


# --- Bad input is a 400, never a 500

BAD_VALUES = ["²", "٣", "1\x00", "\x00"]
CLAIM_PARAMS = ["article", "outlet", "status", "kind", "speaker", "q", "updated_since", "ordering"]
ARTICLE_PARAMS = ["external_id", "ordering"]


@pytest.fixture
def listed(make_claim: Any) -> Claim:
    """One claim in one article, so the lists have something to filter."""
    outlet = Outlet.objects.create(name="Daily Example")
    text = "Unemployment fell to 3.5% in March."
    article = Article.objects.create(outlet=outlet, body=text, text=text, content_hash="h")
    claim: Claim = make_claim(text)
    Appearance.objects.create(
        claim=claim, article=article, article_revision=1, text=text, start=0, end=len(text)
    )
    return claim


@pytest.mark.parametrize("bad", BAD_VALUES)
@pytest.mark.parametrize("param", CLAIM_PARAMS)
def test_bad_claim_list_parameters_are_400(
    param: str, bad: str, listed: Claim, editor: User, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(editor)
    with django_assert_max_num_queries(4):
        response = client.get(CLAIMS, {param: bad})
    if param in ("speaker", "q") and "\x00" not in bad:
        # Free text: any printable value is a search, which finds nothing here.
        assert response.status_code == 200
        assert response.json()["count"] == 0
        return
    if param == "outlet" and "\x00" not in bad:
        assert response.status_code == 200, "an outlet name that is not an id is looked up by name"
        return
    assert response.status_code == 400, response.json()
    assert response.json()["error"] == "invalid"


@pytest.mark.parametrize("bad", BAD_VALUES)
@pytest.mark.parametrize("param", [*ARTICLE_PARAMS, "page", "page_size"])
def test_bad_article_list_parameters_are_not_500(
    param: str, bad: str, listed: Claim, editor: User, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        response = client_for(editor).get(ARTICLES, {param: bad})
    if param == "external_id" and "\x00" not in bad:
        assert response.status_code == 200
        assert response.json()["count"] == 0
        return
    if param == "page" and "\x00" not in bad:
        # DRF's own pagination: a page that is not there (past the end, or not a number) is 404.
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        return
    assert response.status_code == 400, response.json()
    if param == "page_size":
        assert list(response.json()["fields"]) == ["page_size"]


def test_the_claims_list_stays_at_a_fixed_number_of_queries(
    listed: Claim, make_claim: Any, editor: User, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(10):
        make_claim()
    client = client_for(editor)
    with django_assert_max_num_queries(4):
        response = client.get(CLAIMS, {"updated_since": "2020-01-01", "ordering": "-score"})
    assert response.json()["count"] == 11


def test_a_similar_limit_in_other_digits_is_400(editor: User, client_for: Any) -> None:
    response = client_for(editor).get("/api/v1/claims/similar/", {"text": "unemployment", "limit": "٣"})
    assert response.status_code == 400
