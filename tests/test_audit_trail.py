"""The audit trail is append-only: no event is changed or deleted, and nothing it speaks of disappears."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, transaction
from django.db.models import ProtectedError

from claims import workflow
from claims.actors import Actor
from claims.models import Article, Claim, ClaimEvent


@pytest.fixture
def taken(reviewer: User, make_claim: Callable[..., Claim]) -> Claim:
    claim = make_claim()
    workflow.do_take_next(actor=Actor(user=reviewer))
    return Claim.objects.get(pk=claim.pk)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "change",
    [
        lambda events: events.update(reason="rewritten"),
        lambda events: events.update(actor=None),
        lambda events: events.delete(),
    ],
    ids=["update a field", "erase the actor", "delete"],
)
def test_the_database_refuses_to_change_or_delete_an_event(
    taken: Claim, change: Callable[[Any], Any]
) -> None:
    events = ClaimEvent.objects.filter(claim=taken)
    before = list(events.values_list("id", "reason", "actor_id"))

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change(events)

    assert list(events.values_list("id", "reason", "actor_id")) == before


def test_a_claim_with_events_cannot_be_deleted(taken: Claim) -> None:
    with pytest.raises(ProtectedError):
        Claim.objects.filter(pk=taken.pk).delete()
    assert ClaimEvent.objects.filter(claim=taken).exists()


def test_a_person_who_acted_cannot_be_deleted_only_deactivated(taken: Claim, reviewer: User) -> None:
    with pytest.raises(ProtectedError):
        reviewer.delete()
    reviewer.is_active = False
    reviewer.save()
    assert ClaimEvent.objects.filter(claim=taken, actor=reviewer).exists()


def test_an_article_with_events_cannot_be_deleted(ingest: Callable[..., Article]) -> None:
    article = ingest("Unemployment fell to 3.5% in March, the statistics office said on Monday.")

    assert ClaimEvent.objects.filter(article=article).exists()
    with pytest.raises(ProtectedError):
        article.delete()


def test_the_admin_site_offers_no_delete_or_change_for_claims(
    admin_user: User, taken: Claim, client: Any
) -> None:
    client.force_login(admin_user)

    page = client.get(f"/admin/claims/claim/{taken.pk}/change/")
    posted = client.post(
        f"/admin/claims/claim/{taken.pk}/change/", {"text": "rewritten", "status": "verified"}
    )
    deleted = client.post(f"/admin/claims/claim/{taken.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert b'name="text"' not in page.content
    assert posted.status_code == 403
    assert deleted.status_code == 403
    fresh = Claim.objects.get(pk=taken.pk)
    assert (fresh.text, fresh.status) == (taken.text, taken.status)
