"""A figure conflict needs the same measure and the same period; other periods make a series."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from claims import matching, similarity
from claims.extraction.periods import sentence_periods
from claims.models import Article, Claim, ClaimLink

TRADE_2024 = (
    "Bilateral trade hit a new record of $245 billion in 2024, up 68% from 2021, "
    "according to Chinese customs data."
)
TRADE_LAST_YEAR = "And last year, bilateral trade reached a record $240 billion."
IN_2025 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
IN_2024 = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)


def relation(a: str, b: str, *, a_date: date | None = None, b_date: date | None = None) -> str:
    return similarity.relate_figures(
        similarity.figure_keys(a),
        similarity.figure_keys(b),
        a_periods=sentence_periods(a, reference=a_date),
        b_periods=sentence_periods(b, reference=b_date),
    )


# --- Periods -------------------------------------------------------------------


def test_explicit_years_are_periods() -> None:
    assert sentence_periods(TRADE_2024) == {(2024, 0), (2021, 0)}


def test_last_year_and_this_year_are_resolved_against_the_article_date() -> None:
    assert sentence_periods(TRADE_LAST_YEAR, reference=date(2025, 3, 14)) == {(2024, 0)}
    assert sentence_periods(TRADE_LAST_YEAR, reference=date(2024, 5, 16)) == {(2023, 0)}
    assert sentence_periods("This year exports will grow 5%.", reference=date(2025, 3, 14)) == {(2025, 0)}
    assert sentence_periods("Next year exports will grow 5%.", reference=date(2025, 3, 14)) == {(2026, 0)}


def test_a_relative_period_without_an_article_date_is_unknown() -> None:
    assert sentence_periods(TRADE_LAST_YEAR) == frozenset()


def test_months_are_resolved_to_the_latest_such_month_up_to_the_article_date() -> None:
    assert sentence_periods("In December, prices rose 3%.", reference=date(2025, 3, 14)) == {(2024, 12)}
    assert sentence_periods("In February, prices rose 3%.", reference=date(2025, 3, 14)) == {(2025, 2)}
    assert sentence_periods("Prices rose 3% last month.", reference=date(2025, 1, 10)) == {(2024, 12)}
    assert sentence_periods("Prices rose 3% in December 2023.", reference=date(2025, 3, 14)) == {(2023, 12)}


def test_a_year_earlier_is_earlier_than_the_year_the_sentence_names() -> None:
    text = "Exports reached $10 billion in 2023, up from $8 billion a year earlier."
    assert sentence_periods(text, reference=date(2025, 3, 14)) == {(2023, 0), (2022, 0)}


def test_may_the_verb_is_no_month() -> None:
    assert sentence_periods("Prices may rise 5%.", reference=date(2025, 3, 14)) == frozenset()


# --- Relations -----------------------------------------------------------------


def test_the_seed_pair_in_an_article_of_2025_is_the_same_year_and_a_conflict() -> None:
    assert relation(TRADE_2024, TRADE_LAST_YEAR, b_date=date(2025, 3, 14)) == "conflict"


def test_the_seed_pair_in_an_article_of_2024_is_two_years_and_a_series() -> None:
    assert relation(TRADE_2024, TRADE_LAST_YEAR, b_date=date(2024, 5, 16)) == "series"


def test_a_sentence_without_a_period_against_one_with_a_year_is_not_a_conflict() -> None:
    assert relation(TRADE_2024, "Bilateral trade reached a record $240 billion.") == "related"


def test_different_figures_with_no_period_on_either_side_stay_a_conflict() -> None:
    assert relation("Unemployment fell to 3.9%.", "Unemployment fell to 4.1%.") == "conflict"


def test_the_same_month_with_different_figures_is_a_conflict_and_other_months_a_series() -> None:
    may = date(2025, 5, 20)
    assert relation(
        "Unemployment fell to 3.9% in March.", "Unemployment fell to 4.1% in March.", a_date=may, b_date=may
    ) == ("conflict")
    assert relation(
        "Unemployment fell to 3.9% in March.", "Unemployment fell to 4.1% in April.", a_date=may, b_date=may
    ) == ("series")


def test_different_measures_are_never_a_conflict() -> None:
    assert relation("Exports rose 5% in 2024.", "Exports reached $240 billion in 2024.") == "related"


def test_years_alone_keep_the_plain_rule() -> None:
    assert relation("The war began in 2014.", "The war began in 2022.") == "conflict"


# --- Filing ----------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


def file_seed_pair(ingest: Callable[..., Article], *, published_at: datetime) -> tuple[Claim, Claim]:
    ingest(f"{TRADE_2024}\n", external_id="a", published_at=datetime(2025, 1, 20, tzinfo=UTC))
    ingest(
        f"Xi and Putin met in Beijing on Thursday. {TRADE_LAST_YEAR}\n",
        external_id="b",
        published_at=published_at,
    )
    return Claim.objects.get(text=TRADE_LAST_YEAR), Claim.objects.get(text=TRADE_2024)


@pytestmark_db
def test_last_years_figure_in_an_article_of_2025_is_filed_as_a_conflict(
    ingest: Callable[..., Article],
) -> None:
    new, old = file_seed_pair(ingest, published_at=IN_2025)

    assert ClaimLink.objects.filter(
        from_claim=new, to_claim=old, kind=ClaimLink.Kind.FIGURE_CONFLICT
    ).exists()
    assert not ClaimLink.objects.filter(kind=ClaimLink.Kind.SERIES).exists()
    assert new.priority_parts["figure_conflict"] > 0
    assert old.priority_parts["figure_conflict"] > 0


@pytestmark_db
def test_last_years_figure_in_an_article_of_2024_is_a_series_that_adds_no_priority(
    ingest: Callable[..., Article],
) -> None:
    new, old = file_seed_pair(ingest, published_at=IN_2024)

    assert ClaimLink.objects.filter(from_claim=new, to_claim=old, kind=ClaimLink.Kind.SERIES).exists()
    assert not ClaimLink.objects.filter(kind=ClaimLink.Kind.FIGURE_CONFLICT).exists()
    assert new.priority_parts["figure_conflict"] == 0
    assert old.priority_parts["figure_conflict"] == 0


@pytestmark_db
def test_without_a_published_date_the_article_is_dated_when_it_came_in(
    ingest: Callable[..., Article],
) -> None:
    ingest(f"{TRADE_2024}\n", external_id="a")
    article = ingest(f"Xi and Putin met in Beijing on Thursday. {TRADE_LAST_YEAR}\n", external_id="b")
    last_year = article.created_at.year - 1
    expected = ClaimLink.Kind.FIGURE_CONFLICT if last_year == 2024 else ClaimLink.Kind.SERIES

    assert list(ClaimLink.objects.values_list("kind", flat=True)) == [expected]


@pytestmark_db
def test_the_stored_claim_keeps_the_period_of_its_own_article(ingest: Callable[..., Article]) -> None:
    """The older claim's "last year" is its article's, not the newer article's."""
    ingest(
        f"Xi and Putin met in Beijing on Thursday. {TRADE_LAST_YEAR}\n", external_id="b", published_at=IN_2024
    )
    ingest(f"{TRADE_2024}\n", external_id="a", published_at=IN_2025)

    assert list(ClaimLink.objects.values_list("kind", flat=True)) == [ClaimLink.Kind.SERIES]


@pytestmark_db
def test_a_series_is_shown_with_its_label_among_the_related_claims(
    ingest: Callable[..., Article],
    reviewer: User,
    client_for: Callable[[User], APIClient],
    client_as: Callable[[User], Client],
) -> None:
    new, old = file_seed_pair(ingest, published_at=IN_2024)

    related = client_for(reviewer).get(f"/api/v1/claims/{old.pk}/").json()["related"]
    page = client_as(reviewer).get(f"/claims/{new.pk}/")

    assert [(r["kind"], r["kind_label"], r["claim"]["id"]) for r in related] == [
        ("series", "Same quantity, another period", new.pk)
    ]
    assert "Same quantity, another period" in page.content.decode()


@pytestmark_db
def test_a_claim_indexed_before_periods_were_kept_is_read_by_the_years_of_its_figures(
    make_claim: Callable[..., Claim],
) -> None:
    old = make_claim(TRADE_2024)
    matching.index_claim(old)
    old.match_index.periods = None
    old.match_index.save()

    decision = matching.match_sentence(TRADE_LAST_YEAR, reference=IN_2024)

    assert [c for c, _ in decision.series] == [old]
    assert decision.conflicts == []
