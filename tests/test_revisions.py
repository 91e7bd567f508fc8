"""Article revisions: every body is kept, unchanged sentences keep their claims and verdicts,
and a checked claim whose sentence changed goes back to the desk with the change visible."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from claims import filing, selectors
from claims.events import EventType
from claims.models import Appearance, Article, ArticleRevision, Claim, ClaimEvent, Evidence
from claims.status_guard import status_writes

STEADY = "The central bank said it would keep interest rates at 4.5% until the end of next year."
TRADE = "Trade between the two countries reached a record $240 billion last year, officials said."
TRADE_NOW = "Trade between the two countries reached a record $245 billion last year, officials said."
PLANT = "The minister said the new plant would create 3,000 jobs in the region by 2027."


def body(*sentences: str) -> str:
    return "\n\n".join(sentences)


def claim_for(sentence: str) -> Claim:
    return Appearance.objects.select_related("claim").filter(text=sentence).latest("pk").claim


def decide(claim: Claim, verdict: str = "disputed") -> None:
    Evidence.objects.create(claim=claim, url="https://stats.example.org/trade", primary=True)
    with status_writes():  # a verdict decided earlier, set up directly
        Claim.objects.filter(pk=claim.pk).update(
            status=verdict, verdict=verdict, verdict_at=timezone.now() - timedelta(hours=1)
        )


@pytest.fixture
def first(ingest: Callable[..., Article]) -> Article:
    return ingest(body(STEADY, TRADE, PLANT), external_id="rev-1", outlet="Wire")


def test_every_body_is_kept_as_a_revision(first: Article, ingest: Callable[..., Article]) -> None:
    ingest(body(STEADY, TRADE_NOW), external_id="rev-1")

    revisions = list(ArticleRevision.objects.filter(article=first).order_by("number"))
    assert [(r.number, r.body) for r in revisions] == [
        (1, body(STEADY, TRADE, PLANT)),
        (2, body(STEADY, TRADE_NOW)),
    ]
    assert all(r.extracted_at for r in revisions)


def test_an_unchanged_sentence_keeps_its_appearance_claim_and_verdict(
    first: Article, ingest: Callable[..., Article]
) -> None:
    kept = Appearance.objects.get(article=first, text=STEADY)
    decide(kept.claim, "verified")

    article = ingest(body(PLANT, STEADY), external_id="rev-1")

    moved = Appearance.objects.get(pk=kept.pk)
    assert (moved.current, moved.article_revision, moved.claim_id) == (True, 2, kept.claim_id)
    assert article.text[moved.start : moved.end] == STEADY
    claim = Claim.objects.get(pk=kept.claim_id)
    assert (claim.status, claim.verdict, claim.source_changed_at) == ("verified", "verified", None)
    assert not ClaimEvent.objects.filter(action=EventType.SOURCE_CHANGED).exists()


def test_a_checked_claim_whose_figure_changed_goes_back_to_the_desk_with_both_sentences(
    first: Article, ingest: Callable[..., Article], editor: User
) -> None:
    checked = claim_for(TRADE)
    decide(checked)

    ingest(body(STEADY, TRADE_NOW, PLANT), external_id="rev-1")

    checked.refresh_from_db()
    change = ClaimEvent.objects.get(claim=checked, action=EventType.SOURCE_CHANGED)
    assert (change.data["before"], change.data["after"], change.data["revision"]) == (TRADE, TRADE_NOW, 2)
    now_stated = claim_for(TRADE_NOW)
    assert change.data["new_claim"] == now_stated.pk != checked.pk
    assert checked.status == "disputed" and checked.verdict == "disputed"  # the verdict is kept
    assert checked.priority_parts["source_changed"] == pytest.approx(60.0, abs=0.5)
    assert Claim.objects.filter(selectors.open_claims_q(), pk=checked.pk).exists()
    assert not Appearance.objects.get(article=first, text=TRADE).current

    client = Client()
    client.force_login(editor)
    page = client.get(f"/claims/{checked.pk}/").content.decode()
    assert "The article it was checked in has changed" in page
    assert TRADE_NOW.replace("$", "") in page.replace("$", "") and "Before" in page and "After" in page


def test_a_removed_sentence_is_no_longer_current_and_a_checked_claim_hears_of_it(
    first: Article, ingest: Callable[..., Article]
) -> None:
    checked = claim_for(PLANT)
    decide(checked)

    ingest(body(STEADY, TRADE), external_id="rev-1")

    gone = Appearance.objects.get(article=first, text=PLANT)
    assert not gone.current and gone.article_revision == 1
    change = ClaimEvent.objects.get(claim=checked, action=EventType.SOURCE_CHANGED)
    assert change.data["after"] is None and "was removed" in change.data["change"]


def test_an_unchecked_claim_losing_its_sentence_raises_no_alarm(
    first: Article, ingest: Callable[..., Article]
) -> None:
    ingest(body(STEADY, TRADE), external_id="rev-1")

    assert not ClaimEvent.objects.filter(action=EventType.SOURCE_CHANGED).exists()
    assert not Claim.objects.filter(~Q(source_changed_at=None)).exists()


def test_the_revisions_endpoint_says_what_each_revision_changed(
    first: Article, ingest: Callable[..., Article], cms_client: APIClient, django_assert_max_num_queries: Any
) -> None:
    plant, trade = claim_for(PLANT), claim_for(TRADE)
    ingest(body(STEADY, TRADE_NOW), external_id="rev-1")

    with django_assert_max_num_queries(5):
        response = cms_client.get(f"/api/v1/articles/{first.pk}/revisions/")

    assert response.status_code == 200
    newest, oldest = response.json()["results"]
    assert newest["revision"] == 2 and oldest["revision"] == 1
    assert len(oldest["changes"]["added"]) == 3
    assert newest["changes"]["removed"] == [plant.pk]
    assert newest["changes"]["added"] == []
    assert newest["changes"]["changed"] == [
        {"from_claim": trade.pk, "to_claim": claim_for(TRADE_NOW).pk, "before": TRADE, "after": TRADE_NOW}
    ]
    assert "body" not in newest


def test_revisions_of_an_unknown_article_are_a_404(cms_client: APIClient) -> None:
    response = cms_client.get("/api/v1/articles/424242/revisions/")

    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_extracting_the_same_revision_again_keeps_every_appearance_row(first: Article) -> None:
    before = dict(Appearance.objects.filter(article=first).values_list("pk", "start"))

    filing.do_extract_article(article_id=first.pk, force=True)

    assert dict(Appearance.objects.filter(article=first, current=True).values_list("pk", "start")) == before
    assert not ClaimEvent.objects.filter(action=EventType.SOURCE_CHANGED).exists()


def test_extracting_a_revision_again_keeps_what_its_edit_changed(
    first: Article, ingest: Callable[..., Article], cms_client: APIClient
) -> None:
    ingest(body(STEADY, TRADE_NOW), external_id="rev-1")
    url = f"/api/v1/articles/{first.pk}/revisions/"
    before = cms_client.get(url).json()["results"]

    filing.do_extract_article(article_id=first.pk, force=True)  # a new extractor, a job

    after = cms_client.get(url).json()["results"]
    assert [r["changes"] for r in after] == [r["changes"] for r in before]
    assert before[0]["changes"]["removed"] and before[0]["changes"]["changed"]
    assert after[0]["extracted_at"] > before[0]["extracted_at"]
