"""Work that finds its person: verdicts awaiting my approval, my claims, counts in the navigation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from claims import workflow
from claims.actors import Actor
from claims.models import Appearance, Claim, Verdict

from .conftest import flashes

Status = Claim.Status


def proposed(make_claim: Any, author: User, *, days_ago: int = 0, **fields: Any) -> Claim:
    claim = make_claim(status=Status.AWAITING_APPROVAL, assignee=author, **fields)
    verdict = Verdict.objects.create(
        claim=claim, value="disputed", rationale="The table says otherwise.", author=author
    )
    Verdict.objects.filter(pk=verdict.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return claim


def nav_count(page: str, name: str) -> str | None:
    match = re.search(rf'<span class="count" data-count="{name}">(\d+)</span>', page)
    return match.group(1) if match else None


def test_an_editor_sees_the_verdicts_others_proposed_longest_waiting_first(
    editor: User, reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    recent = proposed(make_claim, reviewer, days_ago=1)
    oldest = proposed(make_claim, reviewer, days_ago=3)
    own = proposed(make_claim, editor)
    make_claim(status=Status.IN_REVIEW, assignee=reviewer)

    page = client_as(editor).get("/approvals/").content.decode()

    rows = re.findall(r'<tr data-claim="(\d+)">', page)
    assert rows == [str(oldest.pk), str(recent.pk)], "not the editor's own proposal, nothing else"
    assert str(own.pk) not in rows
    assert "3\xa0days" in page and "Disputed" in page and "rita" in page
    assert nav_count(page, "approvals") == "2"


def test_a_reviewer_has_no_approvals_link_and_nothing_to_approve(
    reviewer: User, reviewer2: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    proposed(make_claim, reviewer2)
    client = client_as(reviewer)
    assert "Awaiting my approval" not in client.get("/").content.decode()
    assert 'data-claim="' not in client.get("/approvals/").content.decode()


def test_an_editor_approves_from_the_list_and_the_count_goes_down(
    editor: User, reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    claim = proposed(make_claim, reviewer)
    client = client_as(editor)
    listing = client.get("/approvals/").content.decode()
    assert f'href="/claims/{claim.pk}/"' in listing and nav_count(listing, "approvals") == "1"

    response = client.post(f"/claims/{claim.pk}/approve/", {"version": 1}, follow=True)

    assert "Verdict approved and published: Disputed." in flashes(response)
    assert nav_count(response.content.decode(), "approvals") is None
    assert "Nothing awaits your approval." in client.get("/approvals/").content.decode()


def test_my_claims_lists_what_i_hold_with_how_long_i_have_held_it(
    reviewer: User, reviewer2: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    old, fresh = make_claim(priority=1), make_claim(priority=2)
    theirs = make_claim(status=Status.IN_REVIEW, assignee=reviewer2)
    actor = Actor(user=reviewer)
    with time_machine.travel(timezone.now() - timedelta(days=2, hours=3), tick=False):
        workflow.do_take(claim_id=old.pk, version=1, actor=actor)  # the trail is append-only: taken back then
    workflow.do_take(claim_id=fresh.pk, version=1, actor=actor)

    page = client_as(reviewer).get("/mine/").content.decode()

    assert re.findall(r'<tr data-claim="(\d+)">', page) == [str(old.pk), str(fresh.pk)]
    assert str(theirs.pk) not in re.findall(r'<tr data-claim="(\d+)">', page)
    old_row = page[page.index(f'<tr data-claim="{old.pk}">') :]
    assert re.search(r'class="age">2\xa0days, 3\xa0hours<', old_row)
    assert nav_count(page, "mine") == "2"


def test_the_worklists_take_a_bounded_number_of_queries(
    editor: User,
    reviewer: User,
    make_claim: Any,
    appear: Callable[..., Appearance],
    client_as: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(20):
        appear(proposed(make_claim, reviewer, days_ago=n % 4), f"Outlet {n % 5}")
    for _ in range(20):
        workflow.do_take(claim_id=make_claim().pk, version=1, actor=Actor(user=editor))
    client = client_as(editor)

    with django_assert_max_num_queries(10):
        assert client.get("/approvals/").content.decode().count("<tr data-claim=") == 20
    with django_assert_max_num_queries(10):
        assert client.get("/mine/").content.decode().count("<tr data-claim=") == 20
