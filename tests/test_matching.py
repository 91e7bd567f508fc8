"""One claim, many appearances: how new sentences are filed against known claims."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import override_settings

from claims import claimreview, curation, embeddings, filing, matching, similarity
from claims.actors import Actor
from claims.models import Appearance, Article, Claim, ClaimEvent, ClaimIndex, ClaimLink, ClaimTerm, TermStat

pytestmark = pytest.mark.django_db

PUTIN = "We are developing our ties in the interests of both our peoples and not aimed against anyone."
PUTIN_PARAPHRASE = (
    "We are developing our ties in the interests of both our peoples and not directed against anyone."
)
UNEMPLOYMENT = "Unemployment fell to 3.9% in March, the statistics office said."
TRADE_2024 = (
    "Bilateral trade hit a new record of $245 billion in 2024, up 68% from 2021, "
    "according to Chinese customs data."
)
TRADE_2023 = "And last year, bilateral trade reached a record $240 billion."
# An article in which "last year" is 2024, the year TRADE_2024 is about.
PUBLISHED_2025 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def known(make_claim: Callable[..., Claim]) -> Callable[..., Claim]:
    """A claim that the matcher knows (created and indexed)."""

    def make(text: str, **fields: Any) -> Claim:
        claim = make_claim(text, **fields)
        matching.index_claim(claim)
        return claim

    return make


def test_a_paraphrase_becomes_a_second_appearance_of_the_same_claim(known: Callable[..., Claim]) -> None:
    claim = known(PUTIN)

    decision = matching.match_sentence(PUTIN_PARAPHRASE)

    assert decision.claim == claim
    assert decision.score >= 0.82


def test_the_same_words_with_another_figure_are_a_conflict_never_a_merge(known: Callable[..., Claim]) -> None:
    claim = known(UNEMPLOYMENT)

    decision = matching.match_sentence("Unemployment fell to 4.1% in March, the statistics office said.")

    assert decision.claim is None
    assert [c for c, _ in decision.conflicts] == [claim]


def test_last_years_trade_figure_for_the_same_year_is_a_conflict(known: Callable[..., Claim]) -> None:
    claim = known(TRADE_2024)

    decision = matching.match_sentence(TRADE_2023, reference=PUBLISHED_2025)

    assert decision.claim is None
    assert [c for c, _ in decision.conflicts] == [claim]


def test_the_same_figure_reworded_is_merged(known: Callable[..., Claim]) -> None:
    claim = known(UNEMPLOYMENT)

    decision = matching.match_sentence("Unemployment fell to 3.9% in March, statistics office data showed.")

    assert decision.claim == claim


def test_figures_the_extractor_found_count_as_figures_too(known: Callable[..., Claim]) -> None:
    known(PUTIN)
    extra = [
        {"kind": "count", "value": 2.0, "unit": "peoples", "text": "both", "high": None, "qualifier": ""}
    ]

    decision = matching.match_sentence(PUTIN_PARAPHRASE, extra)

    assert decision.claim is None
    assert decision.suggestions


def test_a_short_text_is_only_suggested_even_when_it_matches_well(known: Callable[..., Claim]) -> None:
    claim = known("The council approved $3.2 million for new bike lanes on Tuesday.")

    decision = matching.match_sentence("Council approved $3.2 million for bike lanes.")

    assert decision.claim is None
    assert [c for c, _ in decision.suggestions] == [claim]


def test_a_loose_paraphrase_is_suggested_to_a_reviewer(known: Callable[..., Claim]) -> None:
    claim = known(PUTIN)

    decision = matching.match_sentence(
        "Our ties are developing in the interest of both peoples and are not directed against anyone, "
        "Putin said."
    )

    assert decision.claim is None
    assert [c for c, _ in decision.suggestions] == [claim]


def test_an_unrelated_sentence_matches_nothing(known: Callable[..., Claim]) -> None:
    known(PUTIN)
    known(UNEMPLOYMENT)

    decision = matching.match_sentence("The weather in Paris was sunny on Monday with 25 degrees.")

    assert decision == matching.MatchDecision()


def test_the_thresholds_come_from_settings(known: Callable[..., Claim]) -> None:
    known(PUTIN)

    with override_settings(MATCH_AUTO_THRESHOLD=0.99, MATCH_SUGGEST_THRESHOLD=0.5):
        decision = matching.match_sentence(PUTIN_PARAPHRASE)

    assert decision.claim is None
    assert len(decision.suggestions) == 1


def test_merged_claims_are_not_matched_any_more(known: Callable[..., Claim], editor: Any) -> None:
    first, second = known(PUTIN), known(UNEMPLOYMENT)
    curation.do_merge_claims(source_id=first.pk, target_id=second.pk, actor=Actor(user=editor))

    decision = matching.match_sentence(PUTIN_PARAPHRASE)

    assert decision.claim is None
    assert not ClaimTerm.objects.filter(claim=first).exists()


def test_matching_is_deterministic(known: Callable[..., Claim]) -> None:
    known(PUTIN)
    known(PUTIN.replace("peoples", "nations"))

    results = {tuple(matching.similar_claims(PUTIN_PARAPHRASE, limit=5)) for _ in range(3)}

    assert len(results) == 1


def test_document_frequencies_follow_the_index(known: Callable[..., Claim], editor: Any) -> None:
    first = known(PUTIN)
    known(PUTIN_PARAPHRASE)
    anyone = matching.term_id("anyone")

    assert TermStat.objects.get(term=anyone).df == 2
    assert TermStat.objects.get(term=matching.DOC_COUNT_TERM).df == 2
    matching.unindex_claim(first)
    assert TermStat.objects.get(term=anyone).df == 1
    assert TermStat.objects.get(term=matching.DOC_COUNT_TERM).df == 1


# --- Through ingest: the queue shows each claim once


def trade_article(extra: str = "") -> str:
    return (
        "Since Russia's invasion of Ukraine, unprecedented Western sanctions have pushed Moscow "
        f"to increase trade ties with China. {TRADE_2024}{extra}\n"
    )


def test_syndicated_copy_in_two_outlets_is_one_claim_with_two_outlets(ingest: Callable[..., Article]) -> None:
    ingest(trade_article(), external_id="a", outlet="Financial Post")
    ingest("Wire copy.\n" + trade_article(), external_id="b", outlet="The Malaysian Reserve")

    claim = Claim.objects.get(text=TRADE_2024)
    assert claim.appearance_count == 2
    assert claim.outlet_count == 2
    assert Appearance.objects.filter(claim=claim).count() == 2


@time_machine.travel(datetime(2026, 1, 15, 9, 0, tzinfo=UTC), tick=False)
def test_the_seed_articles_file_the_same_wire_story_once(
    ingest: Callable[..., Article], seed_texts: dict[str, str]
) -> None:
    # The seeds carry no publication date: they are dated when they come in, 2026 here, so "last
    # year" (2025) is another year than the 2024 record: a series, not a conflict.
    for name, body in seed_texts.items():
        ingest(body, external_id=name)

    trade = Claim.objects.filter(text=TRADE_2024, merged_into__isnull=True)
    assert trade.count() == 1
    assert trade.get().appearance_count == 2
    older = Claim.objects.get(text=TRADE_2023)
    assert ClaimLink.objects.filter(
        kind=ClaimLink.Kind.SERIES, from_claim=older, to_claim=trade.get()
    ).exists()
    assert not ClaimLink.objects.filter(kind=ClaimLink.Kind.FIGURE_CONFLICT).exists()


def test_a_figure_conflict_raises_both_claims_in_the_queue(ingest: Callable[..., Article]) -> None:
    ingest(trade_article(), external_id="a")
    ingest(
        f"Xi and Putin met in Beijing on Thursday. {TRADE_2023}\n",
        external_id="b",
        published_at=PUBLISHED_2025,
    )

    new, old = Claim.objects.get(text=TRADE_2023), Claim.objects.get(text=TRADE_2024)
    assert new.priority_parts["figure_conflict"] > 0
    assert old.priority_parts["figure_conflict"] > 0


def test_reingesting_an_article_never_duplicates_claims_or_appearances(
    ingest: Callable[..., Article], seed_texts: dict[str, str]
) -> None:
    body = seed_texts["000_1e348aacd0dabc94.txt"]
    article = ingest(body, external_id="x")
    claims, appearances = Claim.objects.count(), Appearance.objects.count()

    ingest(body, external_id="x")
    filing.do_extract_article(article_id=article.pk, force=True)

    assert Claim.objects.count() == claims
    assert Appearance.objects.filter(current=True).count() == appearances


def test_a_repeat_of_a_checked_claim_is_announced_once_per_article(
    known: Callable[..., Claim], ingest: Callable[..., Article]
) -> None:
    checked = known(TRADE_2024, verdict="False", review_url="https://factcheck.example/trade")
    article = ingest(trade_article(), external_id="a")
    filing.do_extract_article(article_id=article.pk, force=True)

    checked.refresh_from_db()
    assert checked.appearance_count == 1
    assert ClaimEvent.objects.filter(claim=checked, action="repeated").count() == 1
    assert checked.priority_parts["factchecked_repeat"] > 0
    appearance = Appearance.objects.get(claim=checked)
    assert appearance.match_score == 1.0


# --- The thresholds on real cross-outlet pairs (the seed articles)

SAME_CLAIM = [
    (
        "Russia and China have “a fully fledged partnership and strategic interests,” Putin said Thursday "
        "as the two sides convened.",
        "Russia and China have “a fully fledged partnership and strategic interests,” Putin said at the "
        "start of their talks.",
    ),
    (
        "Xi said China would “resolutely defend” its interests as well as those of Russia and other "
        "developing countries.",
        "Ahead of the meetings, Xi had vowed that China would “resolutely defend” its interests as well as "
        "those of Russia and other developing countries.",
    ),
]
SAME_CLAIM_REWORDED = [
    (
        "Putin said Chinese troops taking part in the May 9 military parade on Red Square would form the "
        "largest foreign contingent.",
        "According to a statement from the Kremlin, Putin also noted that soldiers of the Chinese People’s "
        "Liberation Army would be the “largest foreign military contingent” at the May 9 parade.",
    ),
]
DIFFERENT_CLAIMS = [
    (
        "Russian President Vladimir Putin and his Chinese counterpart Xi Jinping began bilateral meetings in "
        "Moscow, emphasizing the alliance between their countries.",
        "Russian President Vladimir Putin met with Chinese President Xi Jinping in Beijing on Thursday for "
        "the second time in less than a year.",
    ),
]


@pytest.mark.parametrize(("first", "second"), SAME_CLAIM)
def test_the_same_claim_in_another_outlet_is_merged(
    first: str, second: str, known: Callable[..., Claim]
) -> None:
    claim = known(first)

    assert matching.match_sentence(second).claim == claim


@pytest.mark.parametrize(("first", "second"), SAME_CLAIM_REWORDED)
def test_the_same_claim_reworded_by_another_outlet_is_suggested(
    first: str, second: str, known: Callable[..., Claim]
) -> None:
    claim = known(first)

    decision = matching.match_sentence(second)

    assert decision.claim is None
    assert [c for c, _ in decision.suggestions] == [claim]


@pytest.mark.parametrize(("first", "second"), DIFFERENT_CLAIMS)
def test_different_claims_about_the_same_people_are_never_merged(
    first: str, second: str, known: Callable[..., Claim]
) -> None:
    known(first)

    assert matching.match_sentence(second).claim is None


def test_claims_that_predate_matching_are_indexed_by_a_command(make_claim: Callable[..., Claim]) -> None:
    from io import StringIO

    from django.core.management import call_command

    claim = make_claim(PUTIN)
    out = StringIO()

    call_command("index_claims", stdout=out)
    call_command("index_claims", stdout=out)

    assert matching.match_sentence(PUTIN_PARAPHRASE).claim == claim
    assert out.getvalue().splitlines() == ["Indexed 1 claim(s).", "Indexed 0 claim(s)."]


# --- Headlines, tags, and the in-memory index the benchmark uses

SOROS = "George Soros was a member of the SS or a Nazi collaborator during World War II."
SOROS_HEADLINE = "Was George Soros an SS Officer or Nazi Collaborator?"
FYRE = "The Fyre Festival was oversold and descended into chaos, leaving attendees stranded."


def test_a_fact_checks_headline_finds_it_but_its_text_stays_the_claim(known: Callable[..., Claim]) -> None:
    claim = known(SOROS)
    matching.index_claim(claim, headline=SOROS_HEADLINE)

    found = dict(matching.similar_claims("Soros was an SS officer, they say"))

    claim.refresh_from_db()
    assert claim.text == SOROS
    assert claim.pk in found
    assert "officer" in ClaimIndex.objects.get(claim=claim).terms


def test_reindexing_keeps_the_headline_unless_told_otherwise(known: Callable[..., Claim]) -> None:
    claim = known(SOROS)
    matching.index_claim(claim, headline=SOROS_HEADLINE)

    matching.index_claim(claim)
    assert "officer" in ClaimIndex.objects.get(claim=claim).terms
    assert TermStat.objects.get(term=matching.term_id("officer")).df == 1

    matching.index_claim(claim, headline="")
    assert "officer" not in ClaimIndex.objects.get(claim=claim).terms
    assert TermStat.objects.get(term=matching.term_id("officer")).df == 0


def test_hashtags_and_handles_are_read_as_the_words_they_join(known: Callable[..., Claim]) -> None:
    claim = known(FYRE)

    found = matching.similar_claims("Stuck at the airport #FyreFestival @FyreFraud pic.twitter.com/8Wm6aj")

    assert found and found[0][0] == claim.pk
    assert similarity.tokens("#FyreFestival @JohnnySins #COVID19") == [
        "fyre",
        "festival",
        "johnny",
        "sin",
        "covid",
        "19",
    ]


def test_the_benchmarks_memory_index_ranks_as_the_database_does(known: Callable[..., Claim]) -> None:
    texts = [PUTIN, PUTIN_PARAPHRASE, UNEMPLOYMENT, TRADE_2024, TRADE_2023, SOROS, FYRE]
    claims = [known(text) for text in texts]
    matching.index_claim(claims[5], headline=SOROS_HEADLINE)
    memory = similarity.MemoryIndex()
    for claim in claims:
        row = ClaimIndex.objects.get(claim=claim)
        memory.add(
            similarity.Document(id=claim.pk, terms=tuple(row.terms), vector=embeddings.from_bytes(row.vector))
        )

    for text in [PUTIN, TRADE_2023, "Was Soros an SS officer?", "#FyreFestival chaos"]:
        query = matching.make_query(text)
        in_db = [(s.claim_id, round(s.score, 6)) for s in matching.search(query)]
        in_memory = [(i, round(score, 6)) for i, score in memory.search(query.terms, query.vector, limit=50)]
        assert in_db == in_memory


def test_an_imported_fact_check_is_found_through_its_headline_too() -> None:
    item = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://checks.example/soros-ss",
        "claimReviewed": SOROS,
        "headline": SOROS_HEADLINE,
        "author": {"@type": "Organization", "name": "Example Checks"},
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
    }

    claim = claimreview.do_import_claim_review(item=item).claim

    assert claim.text == SOROS
    assert "officer" in ClaimIndex.objects.get(claim=claim).terms
    vector = embeddings.from_bytes(ClaimIndex.objects.get(claim=claim).vector)
    if matching.use_embeddings():  # one row for the text, one for the headline
        assert vector is not None and vector.shape == (2, embeddings.DIMENSION)
    assert matching.review_headline({"name": "  Did  Soros?  "}) == "Did Soros?"


def test_an_imported_headline_is_kept_on_the_claim_and_survives_a_reindex_without_embeddings(
    settings,
) -> None:
    item = {
        "@type": "ClaimReview",
        "url": "https://checks.example/soros-headline",
        "claimReviewed": SOROS,
        "headline": SOROS_HEADLINE,
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
    }
    claim = claimreview.do_import_claim_review(item=item).claim
    assert claim.review_headline == SOROS_HEADLINE

    settings.MATCH_EMBEDDINGS = False
    matching.index_claim(claim)
    assert "officer" in ClaimIndex.objects.get(claim=claim).terms


def test_a_reimport_with_a_new_headline_reindexes_the_claim() -> None:
    item = {
        "@type": "ClaimReview",
        "url": "https://checks.example/soros-renamed",
        "claimReviewed": SOROS,
        "headline": "Did a financier collaborate with occupiers?",
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
    }
    claim = claimreview.do_import_claim_review(item=item).claim
    assert "officer" not in ClaimIndex.objects.get(claim=claim).terms

    claimreview.do_import_claim_review(item={**item, "headline": SOROS_HEADLINE})
    claim.refresh_from_db()
    assert claim.review_headline == SOROS_HEADLINE
    assert "officer" in ClaimIndex.objects.get(claim=claim).terms


def test_a_decision_needs_only_the_candidates_matching_reads_claims_for() -> None:
    """Filing reads the claims of a few candidates per sentence, not of every close one: the
    decision taken from those alone is the decision taken with every candidate's claim at hand,
    and a candidate merged meanwhile makes room for the next one."""
    import random

    rng = random.Random(7)
    full = matching.make_query("The national unemployment rate fell to 3.9 percent in March last year.")
    thin = matching.make_query("Unemployment fell.")
    relations = ["none", "same", "subset", "related", "conflict", "series"]
    for _ in range(3000):
        scored = sorted(
            (
                matching.Scored(i, round(rng.uniform(0.3, 1.0), 2), rng.choice(relations))  # type: ignore[arg-type]
                for i in range(1, rng.randint(1, 40))
            ),
            key=lambda s: (-s.score, s.claim_id),
        )
        every = {s.claim_id: Claim(pk=s.claim_id, text=f"claim {s.claim_id}") for s in scored}
        merged = set(rng.sample(sorted(every), k=min(3, len(every))))
        present = {i: c for i, c in every.items() if i not in merged}
        read = {i: present[i] for i in matching.considered(scored, skip=merged) if i in present}

        for query in (full, thin):
            assert matching.decide(query, scored, read) == matching.decide(query, scored, present)
