"""Editors merge and split claims by hand, every change is an event, and every event can be undone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims import matching
from claims.models import Appearance, Article, Claim, ClaimEvent

pytestmark = pytest.mark.django_db

TRADE_2024 = (
    "Bilateral trade hit a new record of $245 billion in 2024, up 68% from 2021, "
    "according to Chinese customs data."
)
TRADE_2023 = "And last year, bilateral trade reached a record $240 billion."
# An article in which "last year" is 2024, the year TRADE_2024 is about: a conflict.
PUBLISHED_2025 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
PARADE = (
    "Putin said Chinese troops in the May 9 parade on Red Square would form the largest foreign contingent."
)


@pytest.fixture
def two_claims(ingest: Callable[..., Article]) -> tuple[Claim, Claim]:
    """The same trade claim in two outlets, and a parade claim in the second."""
    ingest(f"{TRADE_2024}\n", external_id="a", outlet="Financial Post")
    ingest(f"{TRADE_2024}\n{PARADE}\n", external_id="b", outlet="The Malaysian Reserve")
    return Claim.objects.get(text=TRADE_2024), Claim.objects.get(text=PARADE)


def merge(client: APIClient, source: Claim, target: Claim, **extra: Any) -> Any:
    return client.post(f"/api/v1/claims/{source.pk}/merge/", {"into": target.pk, **extra}, format="json")


def test_an_editor_merges_a_claim_and_it_leaves_the_queue(
    two_claims: tuple[Claim, Claim], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    trade, parade = two_claims
    client = client_for(editor)

    response = merge(client, parade, trade, version=parade.version)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["claim"]["id"] == trade.pk
    assert body["claim"]["appearance_count"] == 3
    assert body["event"]["action"] == "merged"
    listed = [c["id"] for c in client.get("/api/v1/claims/").json()["results"]]
    assert parade.pk not in listed and trade.pk in listed
    parade.refresh_from_db()
    assert parade.merged_into_id == trade.pk


def test_undoing_a_merge_gives_the_claim_back_its_appearances(
    two_claims: tuple[Claim, Claim], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    trade, parade = two_claims
    client = client_for(editor)
    event = merge(client, parade, trade).json()["event"]["id"]

    response = client.post(f"/api/v1/claims/{trade.pk}/undo/", {"event": event}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["claim"]["appearance_count"] == 2
    parade.refresh_from_db()
    assert parade.merged_into_id is None
    assert parade.appearance_count == 1
    assert matching.match_sentence(PARADE).claim == parade
    again = client.post(f"/api/v1/claims/{trade.pk}/undo/", {"event": event}, format="json")
    assert again.status_code == 409


def test_splitting_moves_appearances_to_a_new_claim_and_can_be_undone(
    two_claims: tuple[Claim, Claim], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    trade, _ = two_claims
    client = client_for(editor)
    detail = client.get(f"/api/v1/claims/{trade.pk}/").json()
    second = detail["appearances"][1]["id"]

    response = client.post(f"/api/v1/claims/{trade.pk}/split/", {"appearances": [second]}, format="json")

    assert response.status_code == 200, response.json()
    new_id = response.json()["claim"]["id"]
    assert new_id != trade.pk
    assert Appearance.objects.get(pk=second).claim_id == new_id
    trade.refresh_from_db()
    assert trade.appearance_count == 1
    event = response.json()["event"]["id"]

    undone = client.post(f"/api/v1/claims/{trade.pk}/undo/", {"event": event}, format="json")

    assert undone.status_code == 200, undone.json()
    assert Appearance.objects.get(pk=second).claim_id == trade.pk
    assert Claim.objects.get(pk=new_id).merged_into_id == trade.pk
    assert list(ClaimEvent.objects.filter(claim=trade).values_list("action", flat=True)) == [
        "created",
        "split",
        "unsplit",
    ]


def test_splitting_off_every_appearance_is_refused(
    two_claims: tuple[Claim, Claim], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    _, parade = two_claims
    only = Appearance.objects.get(claim=parade).pk

    response = client_for(editor).post(
        f"/api/v1/claims/{parade.pk}/split/", {"appearances": [only]}, format="json"
    )

    assert response.status_code == 409


def test_a_split_names_only_appearances_of_the_claim(
    two_claims: tuple[Claim, Claim], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    trade, parade = two_claims
    other = Appearance.objects.get(claim=parade).pk

    response = client_for(editor).post(
        f"/api/v1/claims/{trade.pk}/split/", {"appearances": [other]}, format="json"
    )

    assert response.status_code == 400
    assert str(other) in response.json()["detail"]


@pytest.mark.parametrize(
    ("case", "status"),
    [("itself", 409), ("into_merged", 409), ("already_merged", 409), ("unknown_target", 404), ("stale", 409)],
)
def test_merges_that_cannot_be_done_are_refused(
    case: str,
    status: int,
    two_claims: tuple[Claim, Claim],
    make_claim: Callable[..., Claim],
    editor: User,
    client_for: Callable[[User], APIClient],
) -> None:
    trade, parade = two_claims
    client = client_for(editor)
    third = make_claim("A third claim that will be merged away before the test acts.")
    merge(client, third, trade)
    attempts = {
        "itself": lambda: merge(client, trade, trade),
        "into_merged": lambda: merge(client, parade, third),
        "already_merged": lambda: merge(client, third, parade),
        "unknown_target": lambda: client.post(
            f"/api/v1/claims/{trade.pk}/merge/", {"into": 999999}, format="json"
        ),
        "stale": lambda: merge(client, parade, trade, version=parade.version + 5),
    }

    response = attempts[case]()

    assert response.status_code == status, response.json()
    assert response.json()["detail"]


def test_only_editors_merge_split_or_undo(
    two_claims: tuple[Claim, Claim],
    reviewer: User,
    client_for: Callable[[User], APIClient],
    cms_client: APIClient,
) -> None:
    trade, parade = two_claims
    for client in (client_for(reviewer), cms_client):
        assert merge(client, parade, trade).status_code == 403
        split = client.post(f"/api/v1/claims/{trade.pk}/split/", {"appearances": [1]}, format="json")
        assert split.status_code == 403
        undo = client.post(f"/api/v1/claims/{trade.pk}/undo/", {"event": 1}, format="json")
        assert undo.status_code == 403
    assert Claim.objects.get(pk=parade.pk).merged_into_id is None


def test_unknown_claims_and_events_are_404(
    two_claims: tuple[Claim, Claim], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    trade, _ = two_claims
    client = client_for(editor)

    assert client.post("/api/v1/claims/999999/merge/", {"into": trade.pk}, format="json").status_code == 404
    assert client.post("/api/v1/claims/999999/split/", {"appearances": [1]}, format="json").status_code == 404
    assert (
        client.post(f"/api/v1/claims/{trade.pk}/undo/", {"event": 999999}, format="json").status_code == 404
    )
    assert client.get("/api/v1/claims/999999/related/").status_code == 404


def test_only_merges_and_splits_can_be_undone(
    two_claims: tuple[Claim, Claim], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    trade, _ = two_claims
    created = ClaimEvent.objects.get(claim=trade, action="created").pk

    response = client_for(editor).post(f"/api/v1/claims/{trade.pk}/undo/", {"event": created}, format="json")

    assert response.status_code == 409


def test_a_figure_conflict_is_shown_side_by_side_on_both_claims(
    ingest: Callable[..., Article], reviewer: User, client_for: Callable[[User], APIClient]
) -> None:
    ingest(f"{TRADE_2024}\n", external_id="a")
    ingest(f"{TRADE_2023}\n", external_id="b", published_at=PUBLISHED_2025)
    new, old = Claim.objects.get(text=TRADE_2023), Claim.objects.get(text=TRADE_2024)
    client = client_for(reviewer)

    for claim, other in ((new, old), (old, new)):
        related = client.get(f"/api/v1/claims/{claim.pk}/").json()["related"]
        assert related[0]["kind"] == "figure_conflict"
        assert related[0]["kind_label"] == "Same quantity, different figure"
        assert related[0]["claim"]["id"] == other.pk
        assert related[0]["claim"]["figures"] is not None
    assert client.get(f"/api/v1/claims/{new.pk}/related/").json()["results"][0]["claim"]["text"] == TRADE_2024


def test_the_claim_list_stays_within_its_query_budget_with_links(
    ingest: Callable[..., Article],
    reviewer: User,
    client_for: Callable[[User], APIClient],
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(4):
        ingest(
            f"{TRADE_2024}\n{TRADE_2023}\nThe parade drew {1000 + i} soldiers from 20 countries.\n",
            external_id=str(i),
        )
    client = client_for(reviewer)

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/claims/")

    assert response.status_code == 200


def test_a_merged_claims_figure_conflicts_follow_it_and_go_back_on_undo(
    two_claims: tuple[Claim, Claim],
    ingest: Callable[..., Article],
    editor: User,
    client_for: Callable[[User], APIClient],
) -> None:
    from claims.models import ClaimLink

    trade, parade = two_claims
    ingest(f"{TRADE_2023}\n", external_id="c", outlet="Foreign Policy", published_at=PUBLISHED_2025)
    older = Claim.objects.get(text=TRADE_2023)
    conflict = ClaimLink.objects.get(kind=ClaimLink.Kind.FIGURE_CONFLICT)
    assert {conflict.from_claim_id, conflict.to_claim_id} == {older.pk, trade.pk}
    client = client_for(editor)

    event = merge(client, trade, parade).json()["event"]["id"]

    related = client.get(f"/api/v1/claims/{parade.pk}/related/").json()["results"]
    assert [(r["kind"], r["claim"]["id"]) for r in related] == [("figure_conflict", older.pk)]

    client.post(f"/api/v1/claims/{parade.pk}/undo/", {"event": event}, format="json")
    conflict.refresh_from_db()
    assert {conflict.from_claim_id, conflict.to_claim_id} == {older.pk, trade.pk}
    assert client.get(f"/api/v1/claims/{parade.pk}/related/").json()["results"] == []


def test_undoing_a_split_hands_the_split_off_claims_links_back(
    two_claims: tuple[Claim, Claim],
    make_claim: Callable[..., Claim],
    editor: User,
    client_for: Callable[[User], APIClient],
) -> None:
    from claims.models import ClaimLink

    trade, _ = two_claims
    client = client_for(editor)
    second = client.get(f"/api/v1/claims/{trade.pk}/").json()["appearances"][1]["id"]
    split = client.post(f"/api/v1/claims/{trade.pk}/split/", {"appearances": [second]}, format="json").json()
    new_id = split["claim"]["id"]
    other = make_claim("Bilateral trade reached $250 billion in 2025, according to customs data.")
    ClaimLink.objects.create(from_claim_id=new_id, to_claim=other, kind=ClaimLink.Kind.FIGURE_CONFLICT)

    client.post(f"/api/v1/claims/{trade.pk}/undo/", {"event": split["event"]["id"]}, format="json")

    related = client.get(f"/api/v1/claims/{trade.pk}/related/").json()["results"]
    assert [(r["kind"], r["claim"]["id"]) for r in related] == [("figure_conflict", other.pk)]
