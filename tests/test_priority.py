"""The queue's priority: a repeat of an already checked claim comes first, then fades."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import close_old_connections
from rest_framework.test import APIClient

from claims import filing, selectors, stats
from claims.models import Appearance, Article, Claim, ClaimEvent, ClaimLink
from claims.priority import REPEAT_HALF_LIFE, compute_priority

SOLDIERS = "Seoul estimates that some 2,000 North Korean soldiers have been killed in the conflict."
DAY_ONE = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


def article_repeating(sentence: str) -> str:
    return (
        f"Officials met in Seoul on Monday to discuss the war.\n{sentence}\nThe talks will resume next week."
    )


@pytest.fixture
def disputed_last_year(make_claim: Callable[..., Claim]) -> Claim:
    return make_claim(
        SOLDIERS,
        status=Claim.Status.DISPUTED,
        verdict="disputed",
        verdict_at=datetime(2024, 11, 5, tzinfo=UTC),
        origin=Claim.Origin.IMPORTED,
        review_url="https://checks.example/nk-soldiers",
    )


def test_a_checked_claim_gets_no_repeat_points_until_an_article_repeats_it(disputed_last_year: Claim) -> None:
    _, parts = compute_priority(disputed_last_year)
    assert parts["factchecked_repeat"] == 0


def test_a_repeated_fact_check_tops_the_queue_and_is_back_among_open_claims(
    disputed_last_year: Claim, make_claim: Callable[..., Claim], ingest: Callable[..., Article]
) -> None:
    from claims import matching

    matching.index_claim(disputed_last_year)
    busy = make_claim("Exports rose 4% in May, the customs office said.", score=1.0)
    stats.do_refresh_claim_stats(claim_ids=[busy.pk])

    ingest(article_repeating(SOLDIERS), outlet="Morning Post")

    disputed_last_year.refresh_from_db()
    busy.refresh_from_db()
    assert disputed_last_year.repeated_at is not None
    assert disputed_last_year.priority_parts["factchecked_repeat"] > 90
    assert disputed_last_year.priority > busy.priority
    open_ids = list(
        selectors.claim_list(filters={"status": "open"}).order_by("-priority").values_list("pk", flat=True)
    )
    assert open_ids[0] == disputed_last_year.pk
    assert ClaimEvent.objects.filter(claim=disputed_last_year, action="repeated").count() == 1


def test_the_repeat_points_halve_every_few_days_and_the_claim_leaves_the_open_queue_after_a_week(
    disputed_last_year: Claim, ingest: Callable[..., Article]
) -> None:
    from claims import matching

    matching.index_claim(disputed_last_year)
    with time_machine.travel(DAY_ONE, tick=False):
        ingest(article_repeating(SOLDIERS))
    with time_machine.travel(DAY_ONE + REPEAT_HALF_LIFE, tick=False):
        stats.do_refresh_claim_stats(claim_ids=[disputed_last_year.pk])
        disputed_last_year.refresh_from_db()
        assert disputed_last_year.priority_parts["factchecked_repeat"] == pytest.approx(50, abs=0.1)
        assert selectors.claim_list(filters={"status": "open"}).filter(pk=disputed_last_year.pk).exists()
    with time_machine.travel(DAY_ONE + timedelta(days=8), tick=False):
        assert not selectors.claim_list(filters={"status": "open"}).filter(pk=disputed_last_year.pk).exists()


def test_a_claim_repeated_before_the_desk_decided_it_gets_no_repeat_points(
    make_claim: Callable[..., Claim],
) -> None:
    claim = make_claim(
        verdict="verified",
        verdict_at=DAY_ONE + timedelta(days=1),
        repeated_at=DAY_ONE,
        status=Claim.Status.VERIFIED,
    )
    _, parts = compute_priority(claim)
    assert parts["factchecked_repeat"] == 0


def test_the_api_lists_open_claims_on_request(
    cms_client: APIClient, make_claim: Callable[..., Claim]
) -> None:
    waiting = make_claim()
    make_claim(status=Claim.Status.DISMISSED)
    ids = [c["id"] for c in cms_client.get("/api/v1/claims/", {"status": "open"}).json()["results"]]
    assert ids == [waiting.pk]


def test_a_non_english_article_is_done_with_a_note_not_an_error(ingest: Callable[..., Article]) -> None:
    article = ingest(
        "Le gouvernement a annoncé mardi que le chômage était tombé à 7,1 % au troisième trimestre, "
        "son plus bas niveau depuis 2008, selon les chiffres publiés par l'Insee."
    )
    assert article.extraction_status == "done"
    assert article.extraction_error == ""
    assert "not supported" in article.extraction_note
    assert not article.appearances.exists()


def test_boilerplate_an_outlet_repeats_in_every_article_is_learnt_from_its_earlier_articles(
    ingest: Callable[..., Article],
) -> None:
    promo = "Get the Tuesday Briefing delivered to your inbox with our friends at the Ledger desk today"
    for n in range(3):
        ingest(
            f"The city council approved a budget of ${n + 2} million on Monday, officials said.\n{promo}\n",
            outlet="Daily Ledger",
            external_id=f"ledger-{n}",
        )
    article = ingest(
        f"Ridership on the new tram line rose 12% in its first month, the transit agency said.\n{promo}\n",
        outlet="Daily Ledger",
        external_id="ledger-new",
    )
    assert promo not in article.text
    assert any(promo in block["text"] for block in article.removed)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_extracting_the_same_new_wire_sentence_file_one_claim() -> None:
    sentence = (
        "Bilateral trade hit a record $245 billion in 2024, up 68% from 2021, according to customs data."
    )
    articles = [
        Article.objects.create(
            body=article_repeating(sentence), content_hash=f"h{n}", external_id=f"wire-{n}", title=f"Wire {n}"
        )
        for n in range(2)
    ]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def extract(article_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            filing.do_extract_article(article_id=article_id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=extract, args=(a.pk,)) for a in articles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    matching_claims = Claim.objects.filter(text=sentence)
    assert matching_claims.count() == 1
    assert matching_claims.get().appearances.count() == 2


def test_the_periodic_refresh_lets_recency_fade(make_claim: Callable[..., Claim]) -> None:
    from claims.tasks import refresh_priorities

    with time_machine.travel(DAY_ONE, tick=False):
        claim = make_claim(last_seen=DAY_ONE)
        stats.do_refresh_claim_stats(claim_ids=[claim.pk])
        claim.refresh_from_db()
        fresh = claim.priority_parts["recency"]
    with time_machine.travel(DAY_ONE + timedelta(days=4), tick=False):
        assert refresh_priorities.delay().get() == 1
    claim.refresh_from_db()
    assert claim.priority_parts["recency"] == pytest.approx(fresh / 4, abs=0.1)


def test_a_claims_counts_come_from_its_own_rows_however_many_links_and_appearances_it_has(
    make_claim: Callable[..., Claim], appear: Callable[..., Any]
) -> None:
    busy, other = make_claim(), make_claim()
    for n in range(12):
        appear(busy, f"Outlet {n % 4}")
    gone = Appearance.objects.filter(claim=busy).order_by("pk").values_list("pk", flat=True)[:1]
    Appearance.objects.filter(pk__in=list(gone)).update(current=False)  # a sentence edited away
    conflict = ClaimLink.Kind.FIGURE_CONFLICT
    for n in range(6):
        peer = make_claim()
        ClaimLink.objects.create(from_claim=busy, to_claim=peer, kind=conflict, resolved=n == 0)
        ClaimLink.objects.create(from_claim=peer, to_claim=busy, kind=conflict)
    ClaimLink.objects.create(from_claim=busy, to_claim=other, kind=ClaimLink.Kind.SERIES)

    rows = {row["pk"]: row for row in stats._counts([busy.pk, other.pk])}

    assert {k: rows[busy.pk][k] for k in ("n_appearances", "n_outlets", "n_conflicts", "n_conflicts_in")} == {
        "n_appearances": 11,
        "n_outlets": 4,
        "n_conflicts": 5,
        "n_conflicts_in": 6,
    }
    assert (rows[other.pk]["n_appearances"], rows[other.pk]["n_conflicts_in"]) == (0, 0)
    # each count reads its own rows: no join of appearances with links (their product grew with
    # every repeat of a popular claim and slowed filing 2.5 times over 10,000 articles)
    sql = str(stats._counts([busy.pk]).query)
    assert sql.count("JOIN") <= 1 and sql.count("SELECT") == 5
