"""Filtering by outlet finds the same claims whether the outlet is small or large.

A small outlet's claims are gathered by id first, a large one's are tested claim
by claim in the list's order (``selectors.outlet_filter``); the threshold between
the two is moved here so that both reads answer the same questions.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import selectors
from claims.models import Appearance, Article, Claim, Outlet


@pytest.fixture
def outlets(make_claim: Any, appear: Any) -> dict[str, Any]:
    only_daily = make_claim("Unemployment fell to 3.5% in March, the minister said.")
    only_courier = make_claim("Bread prices rose 12% in a year, the baker's guild said.")
    both = make_claim("The city built 4,000 homes last year, the mayor said.")
    removed = make_claim("Exports doubled in 2024, the trade office said.")
    merged = make_claim("Exports doubled last year, the trade office said.", merged_into=both)
    appear(only_daily, "Daily Example")
    appear(only_courier, "The Courier")
    appear(both, "Daily Example")
    appear(both, "The Courier")
    Appearance.objects.filter(pk=appear(removed, "Daily Example").pk).update(current=False)
    appear(merged, "Daily Example")
    unnamed = Article.objects.create(title="No outlet", body="x", content_hash="none", text="x")
    Appearance.objects.create(claim=removed, article=unnamed, article_revision=1, text="x", start=0, end=1)
    daily = Outlet.objects.get(name="Daily Example")
    numbered = Outlet.objects.create(name=str(daily.pk + 1000))
    return {
        "daily": daily,
        "numbered": numbered,
        "only_daily": only_daily,
        "only_courier": only_courier,
        "both": both,
    }


def found(outlet: str) -> tuple[set[int], str]:
    with CaptureQueriesContext(connection) as captured:
        ids = set(
            selectors.claim_list(filters={"outlet": outlet, "status": "all"}).values_list("pk", flat=True)
        )
    return ids, "\n".join(q["sql"] for q in captured.captured_queries)


@pytest.fixture(params=["gathered first", "tested per claim"])
def read(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    limit = 10_000 if request.param == "gathered first" else -1
    monkeypatch.setattr(selectors, "small_outlet_limit", lambda articles: limit)
    return str(request.param)


def test_an_outlet_filter_keeps_the_current_unmerged_claims_of_that_outlet_in_any_case(
    outlets: dict[str, Any], read: str
) -> None:
    expected = {outlets["only_daily"].pk, outlets["both"].pk}

    for spelling in ("Daily Example", "daily example", "DAILY EXAMPLE", str(outlets["daily"].pk)):
        ids, sql = found(spelling)
        assert ids == expected, spelling
        gathered = "OFFSET 0" in sql
        assert gathered == (read == "gathered first" and connection.vendor == "postgresql"), sql
    assert found("The Courier")[0] == {outlets["only_courier"].pk, outlets["both"].pk}


def test_an_outlet_is_small_below_a_share_of_the_articles_and_a_fixed_count() -> None:
    assert selectors.small_outlet_limit(0) == 0
    assert selectors.small_outlet_limit(600) == 6
    assert selectors.small_outlet_limit(200_000) == 2_000
    assert selectors.small_outlet_limit(10_000_000) == 2_000


def test_an_unknown_outlet_matches_no_claim_and_a_number_also_matches_an_outlet_of_that_name(
    outlets: dict[str, Any], make_claim: Any, appear: Any, read: str
) -> None:
    assert found("Nobody's Gazette")[0] == set()
    assert found("999999")[0] == set()

    numbered = make_claim("Rents rose 9% in the capital, the housing agency said.")
    appear(numbered, outlets["numbered"].name)

    assert found(outlets["numbered"].name)[0] == {numbered.pk}
    assert Claim.objects.count() == 6


def test_the_api_list_filtered_by_outlet_answers_the_same_claims_either_way(
    outlets: dict[str, Any], client_for: Any, editor: Any, read: str
) -> None:
    response = client_for(editor).get("/api/v1/claims/", {"outlet": "daily example"})

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {outlets["only_daily"].pk, outlets["both"].pk}
