"""The queue page's cost does not grow with the desk: a fixed number of queries, a capped count."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from claims import workflow
from claims.actors import Actor
from claims.dashboard import queue
from claims.models import Appearance, Claim, ClaimLink

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def busy_desk(
    make_claim: Any, appear: Callable[..., Appearance], reviewer: User, reviewer2: User
) -> list[Claim]:
    """Sixty claims: half taken by one of two reviewers, each in several outlets, some in conflict."""
    claims: list[Claim] = []
    for n in range(60):
        claim = make_claim(
            priority=float(n), priority_parts={"checkworthiness": 30.0, "outlets": float(n % 7)}
        )
        appear(claim, f"Outlet {n % 12}")
        appear(claim, f"Outlet {(n + 5) % 12}")
        if n % 2:
            who = reviewer if n % 4 == 1 else reviewer2
            workflow.do_take(claim_id=claim.pk, version=None, actor=Actor(user=who))
        if n % 5 == 0 and claims:
            ClaimLink.objects.create(
                from_claim=claim, to_claim=claims[-1], kind=ClaimLink.Kind.FIGURE_CONFLICT
            )
        claims.append(claim)
    return claims


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-claim="(\d+)">', page)


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("", {}),
        ("sort=age", {}),
        ("sort=recent&status=all", {}),
        ("page=2", {}),
        ("conflict=1", {}),
        ("assignee=rita&score_min=0.5", {}),
        ("", HTMX),
    ],
)
def test_every_view_of_the_queue_takes_at_most_twelve_queries(
    busy_desk: list[Claim],
    editor: User,
    client_as: Callable[[User], Client],
    django_assert_max_num_queries: Any,
    query: str,
    headers: dict[str, str],
) -> None:
    client = client_as(editor)
    with django_assert_max_num_queries(12):
        response = client.get(f"/?{query}", **headers)  # type: ignore[arg-type]
    page = response.content.decode()
    assert response.status_code == 200
    assert 1 <= len(rows(page)) <= 25  # a page of rows, each with its outlets, assignee and conflict


def test_each_row_shows_its_own_figure_conflict_and_age_in_review(
    busy_desk: list[Claim], editor: User, client_as: Callable[[User], Client]
) -> None:
    page = client_as(editor).get("/?status=all&sort=age").content.decode()
    in_conflict = {str(link.from_claim_id) for link in ClaimLink.objects.all()} | {
        str(link.to_claim_id) for link in ClaimLink.objects.all()
    }
    for pk, row in re.findall(r'<tr data-claim="(\d+)">(.*?)</tr>', page, re.S):
        assert ("figure conflict</span>" in row) == (pk in in_conflict), pk
    first = re.search(r'<tr data-claim="\d+">(.*?)</tr>', page, re.S)
    assert first and "for 0\xa0minutes" in first.group(1)  # the longest in review comes first


def test_a_long_queue_is_counted_only_up_to_the_cap(
    busy_desk: list[Claim], editor: User, client_as: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "COUNT_CAP", 40)
    client = client_as(editor)

    page = client.get("/?status=all").content.decode()

    assert "more than 40 claims: filter to narrow them down" in page
    assert "last »" not in page and "next ›" in page
    narrowed = client.get("/?status=in_review").content.decode()
    assert "Page 1 of 2 · 30 claims" in narrowed and "last »" in narrowed
