"""Rules the database itself enforces, whatever code writes the rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, transaction

from claims.models import Appearance, Article, Claim, ClaimLink, Evidence
from claims.status_guard import status_writes

pytestmark = pytest.mark.django_db


def refused(write: Callable[[], object]) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def article() -> Article:
    return Article.objects.create(
        body="Inflation rose to 4.5% in May.", content_hash="h", external_id="cms-1"
    )


def test_a_score_outside_zero_to_one_is_refused(make_claim: Callable[..., Claim]) -> None:
    assert refused(lambda: make_claim(score=1.5))


def test_an_unknown_status_is_refused(make_claim: Callable[..., Claim]) -> None:
    claim = make_claim()
    with status_writes():  # past the workflow's own guard, to the database's
        assert refused(lambda: Claim.objects.filter(pk=claim.pk).update(status="approved-ish"))


def test_an_external_id_is_unique_for_files_and_per_integration(article: Article) -> None:
    assert refused(lambda: Article.objects.create(body="Other.", content_hash="h2", external_id="cms-1"))


def test_an_appearance_must_end_after_it_starts(article: Article, make_claim: Callable[..., Claim]) -> None:
    claim = make_claim()
    assert refused(
        lambda: Appearance.objects.create(
            claim=claim, article=article, article_revision=1, text="", start=5, end=5
        )
    )


def test_a_claim_cannot_be_linked_to_itself(make_claim: Callable[..., Claim]) -> None:
    claim = make_claim()
    assert refused(lambda: ClaimLink.objects.create(from_claim=claim, to_claim=claim, kind="contradiction"))


def test_evidence_urls_must_be_http(make_claim: Callable[..., Claim]) -> None:
    claim = make_claim()
    assert refused(lambda: Evidence.objects.create(claim=claim, url="javascript:alert(1)"))


def test_audit_events_cannot_be_rewritten(make_claim: Callable[..., Claim]) -> None:
    from claims.events import EventType, record_event

    event = record_event(EventType.CREATED, claim=make_claim())
    event.reason = "rewritten history"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
