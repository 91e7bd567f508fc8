"""One claim across outlets: the same verbatim quotation from the same speaker is the same claim."""

from __future__ import annotations

import threading
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims import claimreview, filing, matching, quotes
from claims.extraction.quotations import quotations_of
from claims.models import Appearance, Article, Claim, ClaimEvent, ClaimLink, ClaimQuotation, Outlet

pytestmark = pytest.mark.django_db

QUOTE = "Trade between our countries grew by a quarter last year and reached a record 240 billion dollars"
PUTIN_SAID = (
    "Russian President Vladimir Putin met Chinese leader Xi Jinping in Moscow on Monday. "
    f"Putin said: “{QUOTE}.” The two leaders signed 14 agreements."
)
TOLD_REPORTERS = f"“{QUOTE},” the Russian president told reporters on Tuesday. The talks lasted five hours."


def claim_quoting(article: Article) -> Claim:
    return Claim.objects.get(appearances__article=article, appearances__text__icontains="Trade between")


def test_the_same_quotation_in_another_outlet_is_an_appearance_of_the_same_claim(
    ingest: Callable[..., Article],
) -> None:
    first = ingest(PUTIN_SAID, external_id="a", outlet="Wire One")
    second = ingest(TOLD_REPORTERS, external_id="b", outlet="Daily Two")

    claim = claim_quoting(first)
    assert claim_quoting(second) == claim
    claim.refresh_from_db()
    assert claim.outlet_count == 2
    assert claim.speaker == "Vladimir Putin"
    repeat = Appearance.objects.get(claim=claim, article=second)
    assert repeat.match_reason.startswith(f"Same quotation as claim {claim.pk} (Wire One): “Trade between")
    assert Appearance.objects.get(claim=claim, article=first).match_reason == ""


def test_the_same_sentence_from_the_wire_joins_its_claim_without_a_reason(
    ingest: Callable[..., Article],
) -> None:
    first = ingest(PUTIN_SAID, external_id="a", outlet="Wire One")
    second = ingest(PUTIN_SAID, external_id="b", outlet="Daily Two")

    claim = claim_quoting(first)
    assert claim_quoting(second) == claim
    assert list(Appearance.objects.filter(claim=claim).values_list("match_reason", flat=True)) == ["", ""]


def test_the_reason_is_shown_to_the_reviewer_on_the_claim_page_and_in_the_api(
    ingest: Callable[..., Article],
    reviewer: User,
    client_as: Callable[[User], Client],
    client_for: Callable[[User], APIClient],
) -> None:
    ingest(PUTIN_SAID, external_id="a", outlet="Wire One")
    second = ingest(TOLD_REPORTERS, external_id="b", outlet="Daily Two")
    claim = claim_quoting(second)

    page = client_as(reviewer).get(f"/claims/{claim.pk}/").content.decode()
    listed = client_for(reviewer).get(f"/api/v1/claims/?article={second.pk}").json()["results"]

    assert f"Filed under this claim: Same quotation as claim {claim.pk} (Wire One)" in page
    (api_claim,) = [c for c in listed if c["id"] == claim.pk]
    reasons = {a["outlet"]: a["match_reason"] for a in api_claim["appearances"]}
    assert reasons["Wire One"] == ""
    assert reasons["Daily Two"].startswith(f"Same quotation as claim {claim.pk}")


def test_the_same_words_from_another_speaker_are_another_claim(ingest: Callable[..., Article]) -> None:
    first = ingest(PUTIN_SAID, external_id="a", outlet="Wire One")
    second = ingest(f"Xi Jinping said: “{QUOTE}.” He spoke in Beijing.", external_id="b", outlet="Daily Two")

    assert claim_quoting(first) != claim_quoting(second)
    assert claim_quoting(second).speaker == "Xi Jinping"


def test_quotation_styles_and_punctuation_at_the_edges_do_not_matter(ingest: Callable[..., Article]) -> None:
    first = ingest(PUTIN_SAID, external_id="a")
    second = ingest(
        f'Vladimir Putin told the forum that "{QUOTE.lower()} ..." and left.', external_id="b", outlet="Other"
    )

    assert claim_quoting(second) == claim_quoting(first)


def test_a_short_quotation_alone_does_not_make_two_sentences_one_claim(
    ingest: Callable[..., Article],
) -> None:
    first = ingest("The minister called the 12% rise in exports “a great success for us”.", external_id="a")
    second = ingest(
        "Opposition leaders disputed the 30% rise in imports, “a great success for us” as the minister said.",
        external_id="b",
        outlet="Other",
    )

    assert set(Claim.objects.filter(appearances__article=first)).isdisjoint(
        Claim.objects.filter(appearances__article=second)
    )


def test_known_quotations_are_read_in_one_query_per_article(ingest: Callable[..., Article]) -> None:
    ingest(PUTIN_SAID, external_id="a")
    body = " ".join(
        f"{name} said: “Our exports of {goods} grew by {n} percent last year and will grow again this year.”"
        for n, (name, goods) in enumerate(
            [
                ("Anna Berg", "grain"),
                ("Carl Dahl", "steel"),
                ("Eva Falk", "timber"),
                ("Gus Holm", "paper"),
                ("Ida Jung", "fish"),
            ],
            start=2,
        )
    )

    with CaptureQueriesContext(connection) as queries:
        ingest(body, external_id="b", outlet="Other")

    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "claimquotation" in q["sql"]]
    assert len(reads) == 1
    assert ClaimQuotation.objects.count() == 6


def test_an_article_quoting_a_fact_checked_quotation_is_a_repeat_of_the_fact_check(
    ingest: Callable[..., Article],
) -> None:
    result = claimreview.do_import_claim_review(
        item={
            "@type": "ClaimReview",
            "url": "https://factcheck.example/trade",
            "claimReviewed": f"“{QUOTE}.”",
            "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Vladimir Putin"}},
            "reviewRating": {"@type": "Rating", "alternateName": "False"},
            "author": {"@type": "Organization", "name": "Fact Desk"},
            "datePublished": "2025-02-01",
        }
    )

    ingest(TOLD_REPORTERS, external_id="b", outlet="Daily Two")

    assert ClaimEvent.objects.filter(claim=result.claim, action="repeated").count() == 1


def test_claims_filed_before_quotations_were_kept_are_indexed_by_the_command(
    make_claim: Callable[..., Claim], ingest: Callable[..., Article]
) -> None:
    older = make_claim(f"Putin said: “{QUOTE}.”", speaker="Vladimir Putin")
    matching.index_claim(older)
    out = StringIO()

    call_command("index_claims", stdout=out)
    call_command("index_claims", stdout=out)
    second = ingest(TOLD_REPORTERS, external_id="b", outlet="Daily Two")

    assert "Kept the quotations of 1 claim(s)." in out.getvalue()
    assert ClaimQuotation.objects.filter(claim=older).count() == 1
    assert claim_quoting(second) == older


def test_a_merged_claims_quotation_no_longer_files_sentences_under_it(
    ingest: Callable[..., Article], make_claim: Callable[..., Claim]
) -> None:
    first = ingest(PUTIN_SAID, external_id="a")
    claim = claim_quoting(first)
    target = make_claim("Trade grew by a quarter.")
    Claim.objects.filter(pk=claim.pk).update(merged_into=target)

    second = ingest(TOLD_REPORTERS, external_id="b", outlet="Other")

    assert claim_quoting(second) not in (claim, target)


# --- Paraphrases: the matcher suggests them; figures decide ------------------------------------

SMITH = (
    "Exports rose 12% to $240 billion in 2023, the highest level in a decade, Trade Minister Jane Smith said."
)
SMITH_REWORDED = (
    "Trade Minister Jane Smith said exports climbed 12% to $240 billion in 2023, their highest in ten years."
)
SMITH_OTHER_FIGURE = (
    "Trade Minister Jane Smith said exports climbed 15% to $250 billion in 2023, their highest in ten years."
)


def test_a_paraphrase_with_the_same_figures_and_speaker_is_suggested_or_merged(
    ingest: Callable[..., Article],
) -> None:
    first = ingest(SMITH, external_id="a")
    second = ingest(SMITH_REWORDED, external_id="b", outlet="Other")
    original = Claim.objects.get(appearances__article=first)
    paraphrase = Claim.objects.get(appearances__article=second)

    assert original.speaker == paraphrase.speaker == "Jane Smith"
    assert (
        paraphrase == original
        or ClaimLink.objects.filter(
            from_claim=paraphrase, to_claim=original, kind=ClaimLink.Kind.SUGGESTED_MATCH
        ).exists()
    )


def test_a_paraphrase_with_other_figures_is_never_merged(ingest: Callable[..., Article]) -> None:
    first = ingest(SMITH, external_id="a")
    second = ingest(SMITH_OTHER_FIGURE, external_id="b", outlet="Other")
    original = Claim.objects.get(appearances__article=first)
    other = Claim.objects.get(appearances__article=second)

    assert other != original
    assert not ClaimLink.objects.filter(kind=ClaimLink.Kind.SUGGESTED_MATCH).exists()


def test_the_lookup_of_an_article_without_quotations_reads_nothing(ingest: Callable[..., Any]) -> None:
    article = ingest(SMITH, external_id="a")

    with CaptureQueriesContext(connection) as queries:
        found = quotes.ArticleQuotations.read(article=article, text=article.text, sentences=[])

    assert found.of_sentence == {}
    assert len(queries) == 0


# --- Two workers filing the same quotation at once ------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_article_with_the_quotation_waits_for_the_first_and_joins_its_claim() -> None:
    wire = Article.objects.create(
        body=PUTIN_SAID, content_hash="a", outlet=Outlet.objects.create(name="Wire")
    )
    daily = Article.objects.create(
        body=TOLD_REPORTERS, content_hash="b", outlet=Outlet.objects.create(name="Daily")
    )
    finished = threading.Event()

    def file_the_daily() -> None:
        try:
            filing.do_extract_article(article_id=daily.pk)
        finally:
            finished.set()
            connection.close()

    with transaction.atomic():
        # The first worker holds the quotation's lock, as filing the wire article does.
        (quotation,) = quotations_of(PUTIN_SAID)
        quotes._lock([quotation.key])
        second = threading.Thread(target=file_the_daily)
        second.start()
        assert not finished.wait(timeout=3), "the second article did not wait for the quotation's lock"
        filing.do_extract_article(article_id=wire.pk)
    second.join(timeout=30)

    claim = claim_quoting(wire)
    assert claim_quoting(daily) == claim
    assert Claim.objects.filter(quotations__isnull=False).distinct().count() == 1
