"""manage.py import_factchecks: past fact-checks become claims that new articles are checked against."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from claims.models import Article, Claim, ClaimEvent

pytestmark = pytest.mark.django_db

SOLDIERS = "Seoul estimates that some 2,000 North Korean soldiers have been killed in the conflict."


def review(
    claim: str = SOLDIERS,
    rating: Any = "False",
    url: str = "https://checks.example/nk-soldiers",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim,
        "datePublished": "2025-05-09",
        "author": {"@type": "Organization", "name": "Example Checks"},
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Seoul officials"}},
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "alternateName": rating}
        if isinstance(rating, str)
        else rating,
        **extra,
    }


def run(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_factchecks", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, content: str, name: str = "reviews.json") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_a_claim_review_becomes_a_claim_with_its_verdict(tmp_path: Path) -> None:
    out, _ = run(write(tmp_path, json.dumps(review())))

    claim = Claim.objects.get()
    assert claim.text == SOLDIERS
    assert claim.origin == Claim.Origin.IMPORTED
    assert claim.verdict == "False"
    assert claim.status == Claim.Status.DISPUTED
    assert claim.review_url == "https://checks.example/nk-soldiers"
    assert claim.review_publisher == "Example Checks"
    assert claim.speaker == "Seoul officials"
    assert claim.verdict_at is not None and claim.verdict_at.date().isoformat() == "2025-05-09"
    assert ClaimEvent.objects.filter(claim=claim, action="imported").exists()
    assert "1 fact-check(s) imported" in out


def test_importing_the_same_review_again_adds_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps([review()]))
    run(path)

    out, _ = run(path)

    assert Claim.objects.count() == 1
    assert "0 fact-check(s) imported, 1 already known" in out


def test_a_changed_rating_updates_the_imported_claim(tmp_path: Path) -> None:
    run(write(tmp_path, json.dumps(review())))

    run(write(tmp_path, json.dumps(review(rating="Mostly false")), "again.json"))

    claim = Claim.objects.get()
    assert claim.verdict == "Mostly false"
    assert ClaimEvent.objects.filter(claim=claim, action="reimported").exists()


@pytest.mark.parametrize(
    ("first", "then", "status"),
    [
        ("False", "True", Claim.Status.VERIFIED),
        ("True", "Pants on Fire!", Claim.Status.DISPUTED),
        ("False", "Half True", Claim.Status.NEW),
    ],
)
def test_a_rating_that_changes_its_meaning_moves_the_claim_with_one_event(
    tmp_path: Path, first: str, then: str, status: str
) -> None:
    run(write(tmp_path, json.dumps(review(rating=first))))

    run(write(tmp_path, json.dumps(review(rating=then)), "again.json"))

    claim = Claim.objects.get()
    assert (claim.status, claim.verdict) == (status, then)
    event = ClaimEvent.objects.get(claim=claim, action="reimported")
    assert event.to_status == status


@pytest.mark.parametrize(
    ("rating", "status"),
    [
        ("True", Claim.Status.VERIFIED),
        ("Pants on Fire!", Claim.Status.DISPUTED),
        ("Half True", Claim.Status.NEW),
        ("Four Pinocchios", Claim.Status.NEW),
    ],
)
def test_any_textual_rating_is_kept_and_only_a_plain_one_sets_the_status(
    tmp_path: Path, rating: str, status: str
) -> None:
    run(write(tmp_path, json.dumps(review(rating=rating))))

    claim = Claim.objects.get()
    assert claim.verdict == rating
    assert claim.status == status


def test_json_lines_are_read_one_review_a_line(tmp_path: Path) -> None:
    lines = [
        review(url=f"https://checks.example/{i}", claim=f"Claim number {i} about 1,{i}00 voters.")
        for i in range(3)
    ]

    run(write(tmp_path, "\n".join(json.dumps(x) for x in lines), "reviews.jsonl"))

    assert Claim.objects.filter(origin=Claim.Origin.IMPORTED).count() == 3


def test_bad_items_are_reported_one_by_one_and_valid_ones_still_imported(tmp_path: Path) -> None:
    lines = [
        json.dumps(review(url="https://checks.example/ok")),
        "{not json",
        json.dumps({**review(url="https://checks.example/no-claim"), "claimReviewed": ""}),
        json.dumps({**review(url="https://checks.example/article"), "@type": "NewsArticle"}),
    ]
    path = write(tmp_path, "\n".join(lines), "mixed.jsonl")
    err = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_factchecks", str(path), stdout=StringIO(), stderr=err)

    message = str(excinfo.value)
    assert "3 item(s) could not be imported" in message
    assert "line 2: invalid JSON" in message
    assert "line 3: 'claimReviewed' is missing or empty" in message
    assert "line 4: @type must be 'ClaimReview', got 'NewsArticle'" in message
    assert Claim.objects.get().review_url == "https://checks.example/ok"


def test_a_file_that_is_not_json_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="invalid JSON"):
        run(write(tmp_path, "this is not json"))
    assert not Claim.objects.exists()


def test_a_missing_file_fails(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.json")


def test_an_article_repeating_a_checked_claim_shows_the_verdict_at_once(
    tmp_path: Path,
    ingest: Callable[..., Article],
    reviewer: User,
    client_for: Callable[[User], APIClient],
) -> None:
    run(write(tmp_path, json.dumps(review())))
    imported = Claim.objects.get()

    article = ingest(
        f"North Korea has sent troops to fight in Ukraine. {SOLDIERS}\n",
        external_id="mt",
        outlet="The Moscow Times",
    )

    listed = client_for(reviewer).get("/api/v1/claims/", {"article": article.pk}).json()["results"]
    repeated = next(c for c in listed if c["id"] == imported.pk)
    assert repeated["previously_checked"] == {
        "verdict": "False",
        "date": "2025-05-09T00:00:00+00:00",
        "url": "https://checks.example/nk-soldiers",
        "publisher": "Example Checks",
    }
    assert repeated["outlets"] == ["The Moscow Times"]
    assert listed[0]["id"] == imported.pk, "a repeat of a fact-checked claim tops the queue"
    event = ClaimEvent.objects.get(claim=imported, action="repeated")
    assert event.data["article"] == article.pk


def test_a_sentence_already_in_the_queue_and_fact_checked_joins_the_fact_check(
    tmp_path: Path, ingest: Callable[..., Article]
) -> None:
    ingest(f"{SOLDIERS}\n", external_id="first")
    run(write(tmp_path, json.dumps(review())))
    imported = Claim.objects.get(origin=Claim.Origin.IMPORTED)

    ingest(f"Seoul spoke on Monday. {SOLDIERS}\n", external_id="second")

    imported.refresh_from_db()
    assert imported.appearance_count == 1
    assert ClaimEvent.objects.filter(claim=imported, action="repeated").count() == 1
