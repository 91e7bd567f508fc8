"""The CMS submits articles over REST and reads back claims with exact offsets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from claims.models import Appearance, Article, Claim, Outlet

ARTICLES = "/api/v1/articles/"
CLAIMS = "/api/v1/claims/"


def post(client: APIClient, payload: Any, capture: Any) -> Any:
    with capture(execute=True):
        return client.post(ARTICLES, payload, format="json")


@pytest.fixture
def article_payload(seed_texts: dict[str, str]) -> dict[str, Any]:
    return {
        "external_id": "cms-1",
        "url": "https://example.com/putin-xi",
        "title": "Putin and Xi meet",
        "outlet": "Financial Post",
        "published_at": "2025-05-08T10:00:00Z",
        "body": seed_texts["000_1e348aacd0dabc94.txt"],
        "format": "text",
    }


def test_a_new_article_is_created_and_extracted(
    cms_client, article_payload, django_capture_on_commit_callbacks
):
    response = post(cms_client, article_payload, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] > 0
    detail = cms_client.get(f"{ARTICLES}{body['id']}/").json()
    assert detail["extraction_status"] == "done"
    assert detail["text"]
    assert detail["outlet"] == "Financial Post"


def test_claims_of_an_article_carry_offsets_into_its_cleaned_text(
    cms_client, article_payload, django_capture_on_commit_callbacks
):
    article_id = post(cms_client, article_payload, django_capture_on_commit_callbacks).json()["id"]
    text = cms_client.get(f"{ARTICLES}{article_id}/").json()["text"]
    page = cms_client.get(CLAIMS, {"article": article_id}).json()
    assert set(page) >= {"count", "next", "previous", "results"}
    assert page["count"] > 0
    for claim in page["results"]:
        assert {"id", "text", "status", "score", "kind", "speaker", "reasons", "appearances"} <= set(claim)
        mine = [a for a in claim["appearances"] if a["article"] == article_id]
        assert mine, "a claim listed for an article appears in it"
        for appearance in mine:
            assert text[appearance["start"] : appearance["end"]] == appearance["text"]


def test_posting_the_same_article_again_changes_nothing(
    cms_client, article_payload, django_capture_on_commit_callbacks
):
    first = post(cms_client, article_payload, django_capture_on_commit_callbacks)
    claims_before = Claim.objects.count()
    appearances_before = Appearance.objects.count()
    second = post(cms_client, article_payload, django_capture_on_commit_callbacks)
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["revision"] == 1
    assert Claim.objects.count() == claims_before
    assert Appearance.objects.count() == appearances_before


def test_a_changed_body_is_a_new_revision_and_is_re_extracted(
    cms_client, article_payload, django_capture_on_commit_callbacks
):
    article_id = post(cms_client, article_payload, django_capture_on_commit_callbacks).json()["id"]
    article_payload["body"] += "\nThe Kremlin said trade would reach $300 billion by 2030, up 22% from 2024."
    response = post(cms_client, article_payload, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    article = Article.objects.get(pk=article_id)
    assert article.extracted_revision == 2
    assert not Appearance.objects.filter(article=article, current=True).exclude(article_revision=2).exists()
    assert any("$300 billion" in a.text for a in Appearance.objects.filter(article=article, current=True))


def test_title_defaults_from_the_text_and_format_to_text(cms_client, django_capture_on_commit_callbacks):
    response = post(
        cms_client,
        {"body": "Ministers met on Monday.\nInflation rose to 4.5% in May."},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 201
    assert response.json()["title"] == "Ministers met on Monday."
    assert response.json()["format"] == "text"


def test_html_articles_are_cleaned_before_extraction(cms_client, django_capture_on_commit_callbacks):
    html = (
        "<html><body><nav>Home | World | Subscribe</nav><article><h1>Trade report</h1>"
        "<p>Bilateral trade hit a record of $245 billion in 2024, up 68% from 2021, "
        "according to customs data.</p>"
        "<p>Officials said the figures would be revised in March.</p></article>"
        "<footer>Copyright 2025 Example News</footer></body></html>"
    )
    response = post(cms_client, {"body": html, "format": "html"}, django_capture_on_commit_callbacks)
    assert response.status_code == 201
    text = cms_client.get(f"{ARTICLES}{response.json()['id']}/").json()["text"]
    assert "$245 billion" in text
    assert "<p>" not in text


# --- Bad input: a clear 4xx with a JSON error body, and nothing half-stored.


def assert_json_error(response: Any, status: int) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]
    assert body["detail"]
    assert Article.objects.count() == 0


def test_invalid_json_is_a_400(cms_client):
    response = cms_client.post(ARTICLES, data="{not json", content_type="application/json")
    assert_json_error(response, 400)


def test_a_missing_body_is_a_400_naming_the_field(cms_client):
    response = cms_client.post(ARTICLES, {"title": "No body"}, format="json")
    assert_json_error(response, 400)
    assert "body" in response.json()["fields"]


def test_an_empty_article_is_a_400(cms_client):
    assert_json_error(cms_client.post(ARTICLES, {"body": "   \n  "}, format="json"), 400)


def test_unknown_fields_are_refused(cms_client):
    response = cms_client.post(ARTICLES, {"body": "Text.", "bdy": "typo"}, format="json")
    assert_json_error(response, 400)
    assert "bdy" in response.json()["fields"]


def test_an_unsupported_format_is_a_400(cms_client):
    assert_json_error(cms_client.post(ARTICLES, {"body": "Text.", "format": "pdf"}, format="json"), 400)


def test_a_non_json_content_type_is_a_415(cms_client):
    response = cms_client.post(ARTICLES, data="body=hello", content_type="application/x-www-form-urlencoded")
    assert_json_error(response, 415)


def test_binary_junk_is_refused(cms_client):
    assert_json_error(cms_client.post(ARTICLES, {"body": "abc\x00\x01\x02def" * 50}, format="json"), 400)


@override_settings(MAX_ARTICLE_BYTES=2 * 1024 * 1024, DATA_UPLOAD_MAX_MEMORY_SIZE=2 * 1024 * 1024 + 65536)
def test_a_body_over_two_megabytes_is_a_413(cms_client):
    payload = json.dumps({"body": "Inflation rose to 4.5% in May. " * 70_000})
    response = cms_client.post(ARTICLES, data=payload, content_type="application/json")
    assert_json_error(response, 413)


def test_a_json_array_instead_of_an_object_is_a_400(cms_client):
    assert_json_error(cms_client.post(ARTICLES, [{"body": "x"}], format="json"), 400)


def test_without_a_key_the_api_answers_401(db):
    response = APIClient().post(ARTICLES, {"body": "Text."}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_wrong_key_is_a_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer fck_not-a-real-key")
    assert client.get(CLAIMS).status_code == 401


def test_an_unknown_article_is_a_json_404(cms_client):
    response = cms_client.get(f"{ARTICLES}999999/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_an_unknown_claim_filter_value_is_a_400(cms_client):
    assert cms_client.get(CLAIMS, {"status": "bogus"}).status_code == 400
    assert cms_client.get(CLAIMS, {"article": "abc"}).status_code == 400


def test_the_claim_list_runs_a_fixed_number_of_queries(
    ingest, seed_texts, cms_client, django_assert_max_num_queries
):
    for name, body in seed_texts.items():
        ingest(body, external_id=name, outlet=name[:3])
    with django_assert_max_num_queries(6):
        response = cms_client.get(CLAIMS)
    assert response.status_code == 200
    assert response.json()["count"] >= 10


def test_a_default_title_skips_boilerplate_at_the_top(cms_client, django_capture_on_commit_callbacks):
    body = (
        "Support our newsroom!\n"
        "Unemployment fell to 3.9% in April, the statistics office said on Friday.\n"
        "It was the lowest rate since 1999, according to the office."
    )
    response = post(cms_client, {"body": body}, django_capture_on_commit_callbacks)
    detail = cms_client.get(f"{ARTICLES}{response.json()['id']}/").json()
    assert detail["title"].startswith("Unemployment fell to 3.9% in April")


def test_a_given_title_is_kept(cms_client, django_capture_on_commit_callbacks):
    body = "Support our newsroom!\nUnemployment fell to 3.9% in April, the statistics office said on Friday."
    response = post(cms_client, {"body": body, "title": "Jobs report"}, django_capture_on_commit_callbacks)
    assert cms_client.get(f"{ARTICLES}{response.json()['id']}/").json()["title"] == "Jobs report"


def test_one_outlet_however_the_cms_spells_it(
    cms_client, article_payload, django_capture_on_commit_callbacks
):
    for n, spelling in enumerate(["Daily Planet", "daily planet", " DAILY PLANET "]):
        payload = {**article_payload, "external_id": f"spelling-{n}", "outlet": spelling}
        assert post(cms_client, payload, django_capture_on_commit_callbacks).status_code == 201

    assert list(Outlet.objects.values_list("name", flat=True)) == ["Daily Planet"]
    assert Article.objects.filter(outlet__name="Daily Planet").count() == 3
