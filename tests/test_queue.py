"""The queue's filters, sorts, htmx fragments and row actions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from claims import review, workflow
from claims.actors import Actor
from claims.models import Claim, ClaimLink, Evidence

Status = Claim.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


def listed(client: Client, query: str = "", **headers: str) -> list[int]:
    page = client.get(f"/?{query}", **headers).content.decode()  # type: ignore[arg-type]
    return [int(pk) for pk in re.findall(r'<tr data-claim="(\d+)">', page)]


@pytest.fixture
def desk(make_claim: Any, reviewer: User) -> dict[str, Claim]:
    claims = {
        "low": make_claim(score=0.2, priority=10, first_seen=datetime(2026, 3, 1, tzinfo=UTC)),
        "high": make_claim(score=0.95, priority=50, first_seen=datetime(2026, 3, 10, tzinfo=UTC)),
        "checked": make_claim(
            score=0.6,
            priority=30,
            verdict="False",
            origin=Claim.Origin.IMPORTED,
            first_seen=datetime(2026, 3, 5, tzinfo=UTC),
        ),
        "held": make_claim(score=0.7, priority=20, status=Status.IN_REVIEW, assignee=reviewer),
    }
    ClaimLink.objects.create(
        from_claim=claims["low"],
        to_claim=make_claim(status=Status.DISMISSED),
        kind=ClaimLink.Kind.FIGURE_CONFLICT,
    )
    return claims


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("score_min=0.5&score_max=0.8", ["checked", "held"]),
        ("checked=1", ["checked"]),
        ("conflict=1", ["low"]),
        ("assignee=rita", ["held"]),
        ("assignee=none", ["high", "checked", "low"]),
        ("since=2026-03-04&until=2026-03-06", ["checked"]),
        ("score_min=bogus&since=yesterday", ["high", "checked", "held", "low"]),
    ],
)
def test_the_queue_filters_by_score_fact_checks_conflicts_assignee_and_date(
    editor: User, desk: dict[str, Claim], client_as: Callable[[User], Client], query: str, expected: list[str]
) -> None:
    assert listed(client_as(editor), query) == [desk[name].pk for name in expected]


def test_the_queue_sorts_by_priority_recency_or_age_in_review(
    editor: User, reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    now = timezone.now()
    first = make_claim(priority=5, last_seen=now - timedelta(days=3))
    second = make_claim(priority=50, last_seen=now - timedelta(days=1))
    third = make_claim(priority=20, last_seen=now)
    for claim, days in ((first, 1), (third, 4)):
        with time_machine.travel(now - timedelta(days=days), tick=False):  # the trail is append-only
            workflow.do_take(claim_id=claim.pk, version=1, actor=Actor(user=reviewer))
    client = client_as(editor)

    assert listed(client) == [second.pk, third.pk, first.pk]
    assert listed(client, "sort=recent") == [third.pk, second.pk, first.pk]
    assert listed(client, "sort=age") == [third.pk, first.pk, second.pk]


def test_time_in_review_starts_when_a_claim_is_handed_over_and_ends_when_it_leaves_the_desk(
    editor: User, reviewer: User, make_claim: Any, settings: Any
) -> None:
    settings.REQUIRE_SECOND_REVIEW = True
    claim = make_claim()
    Evidence.objects.create(
        claim=claim, url="https://stats.example.org/t.csv", primary=True, stance="supports"
    )
    start = timezone.now() - timedelta(days=10)

    def at(day: int, step: Callable[[], Any]) -> datetime | None:
        with time_machine.travel(start + timedelta(days=day), tick=False):
            step()
        return Claim.objects.get(pk=claim.pk).in_review_since

    reviewing, editing = Actor(user=reviewer), Actor(user=editor)
    took = at(0, lambda: workflow.do_take(claim_id=claim.pk, version=None, actor=reviewing))
    proposed = at(1, lambda: propose(claim, reviewing))
    sent_back = at(
        2, lambda: review.do_reject_verdict(claim_id=claim.pk, version=None, comment="Cite.", actor=editing)
    )
    proposed_again = at(3, lambda: propose(claim, reviewing))
    approved = at(4, lambda: review.do_approve_verdict(claim_id=claim.pk, version=None, actor=editing))
    reopened = at(
        5,
        lambda: workflow.do_reopen(
            claim_id=claim.pk, version=None, reason="New data.", actor=editing, to="in_review"
        ),
    )
    released = at(6, lambda: workflow.do_release(claim_id=claim.pk, version=None, actor=editing))

    assert took == proposed == start  # awaiting approval is still in the reviewer's hands
    assert sent_back == proposed_again == start + timedelta(days=2)
    assert approved is None and released is None
    assert reopened == start + timedelta(days=5)


def propose(claim: Claim, actor: Actor) -> None:
    review.do_propose_verdict(
        claim_id=claim.pk, version=None, value="verified", rationale="The table.", actor=actor
    )


def test_the_search_finds_claims_by_a_word_or_a_phrase_not_by_part_of_a_word(
    editor: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    exports = make_claim("Exports rose 12% in March, the trade office said.")
    tariffs = make_claim("The new tariffs will double the price of imported steel.")
    make_claim("Unemployment fell to 3.5% in March.")
    client = client_as(editor)

    assert listed(client, "q=exports") == [exports.pk]
    assert listed(client, "q=tariff") == [tariffs.pk]  # the English stem: tariff, tariffs
    assert listed(client, "q=" + quote('"trade office"')) == [exports.pk]
    assert listed(client, "q=" + quote('"office trade"')) == []
    assert listed(client, "q=port") == []  # inside "exports" and "imported", a word of neither
    assert listed(client, "q=xports") == []


def test_htmx_gets_the_results_alone_and_a_browser_the_whole_page(
    editor: User, desk: dict[str, Claim], client_as: Callable[[User], Client]
) -> None:
    client = client_as(editor)
    fragment = client.get("/?checked=1", **HTMX).content.decode()  # type: ignore[arg-type]
    whole = client.get("/?checked=1").content.decode()

    assert "<html" not in fragment and '<tr data-claim="' in fragment
    assert "<html" in whole and '<div id="queue-results">' in whole
    assert 'hx-get="/" hx-target="#queue-results" hx-push-url="true"' in whole
    assert '<script src="/static/claims/htmx.min.js"' in whole


def test_the_vendored_htmx_is_version_2() -> None:
    from django.conf import settings

    source = (settings.BASE_DIR / "claims" / "static" / "claims" / "htmx.min.js").read_text()
    assert re.search(r'version:"2\.\d+\.\d+"', source)


def test_a_reviewer_takes_a_claim_from_its_row_and_gets_the_row_back(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    make_claim(priority=90)
    chosen = make_claim(priority=10)
    client = client_as(reviewer)
    assert f'hx-post="/claims/{chosen.pk}/take/"' in client.get("/").content.decode()

    row = client.post(f"/claims/{chosen.pk}/take/", {"version": 1}, **HTMX).content.decode()  # type: ignore[arg-type]

    assert row.strip().startswith(f'<tr data-claim="{chosen.pk}">')
    assert "<strong>you</strong>" in row and "In review" in row and "data-take" not in row
    assert Claim.objects.get(pk=chosen.pk).assignee == reviewer


def test_a_row_action_that_lost_a_race_says_so_in_the_row(
    reviewer: User, reviewer2: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    claim = make_claim()
    workflow.do_take(claim_id=claim.pk, version=1, actor=Actor(user=reviewer2))

    row = client_as(reviewer).post(f"/claims/{claim.pk}/take/", {"version": 1}, **HTMX).content.decode()  # type: ignore[arg-type]

    assert 'role="alert"' in row and "Cannot take claim" in row
    assert Claim.objects.get(pk=claim.pk).assignee == reviewer2


def test_the_queue_lists_the_keyboard_shortcuts(reviewer: User, client_as: Callable[[User], Client]) -> None:
    page = client_as(reviewer).get("/").content.decode()
    help_text = page[page.index('<dialog class="shortcuts"') : page.index("</dialog>")]
    for key, meaning in (("j", "next claim"), ("k", "previous claim"), ("t", "take"), ("o", "open")):
        assert f"<kbd>{key}</kbd>" in help_text and meaning in help_text
