"""GET /api/v1/events/: the event log as a feed for integrations that poll, read by cursor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims import workflow
from claims.actors import Actor
from claims.events import EventType
from claims.models import Article, ClaimEvent

ARTICLE = (
    "Exports rose 4% in May, the statistics office said on Tuesday.\n\n"
    "The finance minister said inflation would fall below 3% next year."
)


def feed(client: APIClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/events/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_feed_lists_every_event_in_id_order_with_its_subject(
    ingest: Callable[..., Article], cms_client: APIClient
) -> None:
    article = ingest(ARTICLE, external_id="e-1")

    page = feed(cms_client)

    ids = [event["id"] for event in page["results"]]
    assert ids == sorted(ids) == list(ClaimEvent.objects.order_by("pk").values_list("pk", flat=True))
    first, last = page["results"][0], page["results"][-1]
    assert (first["type"], first["article"], first["claim"]) == ("article_received", article.pk, None)
    assert (last["type"], last["article"]) == ("article_extracted", article.pk)
    assert last["data"]["claims"] > 0 and last["data"]["to_status"] == "done"
    assert first["actor"] is None and first["occurred_at"]
    created = [e for e in page["results"] if e["type"] == "created"]
    assert created and all(e["claim"] and e["data"]["article"] == article.pk for e in created)
    assert page["cursor"] == ids[-1] and page["next"] is None


def test_a_poller_reads_on_from_its_cursor_and_misses_nothing(
    ingest: Callable[..., Article], cms_client: APIClient, reviewer: User
) -> None:
    ingest(ARTICLE)
    seen: list[int] = []
    page = feed(cms_client, limit=2)
    while True:
        seen += [event["id"] for event in page["results"]]
        if not page["next"]:
            break
        page = cms_client.get(page["next"]).json()
    assert len(seen) == len(set(seen)) == ClaimEvent.objects.count()

    workflow.do_take_next(actor=Actor(user=reviewer))
    later = feed(cms_client, after=page["cursor"])

    assert [e["type"] for e in later["results"]] == ["taken"]
    assert later["results"][0]["actor"] == {"user": "rita", "integration": None}
    assert later["results"][0]["data"]["from_status"] == "new"
    assert feed(cms_client, after=later["cursor"]) == {"results": [], "next": None, "cursor": later["cursor"]}


def test_the_feed_filters_by_type(ingest: Callable[..., Article], cms_client: APIClient) -> None:
    ingest(ARTICLE)

    page = feed(cms_client, type="article_received,article_extracted")
    repeated = feed(cms_client, type=["article_received", "article_extracted"])

    assert {e["type"] for e in page["results"]} == {"article_received", "article_extracted"}
    assert repeated["results"] == page["results"]


def test_the_feed_names_the_key_an_article_came_with(cms_client: APIClient) -> None:
    response = cms_client.post("/api/v1/articles/", {"body": ARTICLE, "external_id": "k-1"}, format="json")
    assert response.status_code == 201

    received = feed(cms_client, type="article_received")["results"][0]

    assert received["actor"] == {"user": "integration:cms", "integration": "cms"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "²"}, "after"),
        ({"after": "-1"}, "after"),
        ({"after": "1e3"}, "after"),
        ({"after": "9" * 40}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"limit": "٣"}, "limit"),
        ({"type": "renamed"}, "renamed"),
        ({"type": "taken,\x00"}, "type"),
        ({"type": "taken\x07"}, "type"),
    ],
)
def test_bad_feed_parameters_are_a_400_that_says_which(
    cms_client: APIClient, params: dict[str, str], field: str
) -> None:
    response = cms_client.get("/api/v1/events/", params)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and field in body["detail"]


def test_the_feed_needs_a_key_or_a_login(db: None) -> None:
    response = APIClient().get("/api/v1/events/")

    assert response.status_code == 401
    assert response.json()["error"]


def test_the_feed_answers_in_a_fixed_number_of_queries(
    ingest: Callable[..., Article],
    cms_client: APIClient,
    reviewer: User,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(3):
        ingest(ARTICLE.replace("4%", f"{n + 4}%"))
    workflow.do_take_next(actor=Actor(user=reviewer))
    assert ClaimEvent.objects.count() > 10

    with django_assert_max_num_queries(3):  # the key, its last use, the page
        page = feed(cms_client, limit=1000)

    assert len(page["results"]) == ClaimEvent.objects.count()


def test_every_event_type_is_documented_in_the_schema(db: None, client_for: Any, reviewer: User) -> None:
    schema = client_for(reviewer).get("/api/schema/", HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    assert "/api/v1/events/" in text
    assert all(member.value in text for member in EventType)
