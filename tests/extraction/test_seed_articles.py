"""On the real seed articles the result looks right to a fact-checker."""

from __future__ import annotations

import re

import pytest

from claims.extraction import ExtractionResult, Sentence

BOILERPLATE_FRAGMENTS = [
    "THIS CONTENT IS RESERVED FOR SUBSCRIBERS",
    "Subscribe now to read the latest news",
    "Exclusive articles from Barbara Shecter",
    "Daily puzzles, including the New York Times Crossword",
    "Unlimited online access",
    "Create an account or sign in",
    "Access articles from across Canada",
    "Article content",
    "By signing up you consent",
    "REGISTER / SIGN IN",
    "appeared first on",
    "Leave a Reply",
    "Your email address will not be published",
    "Support The Moscow Times",
    "Kremlin Press Service",
    "Sign up for our free weekly newsletter",
    "Our weekly newsletter contains",
    "Subscribers agree to the Privacy Policy",
    "A Message from The Moscow Times",
    "Dear readers",
    "We are facing unprecedented challenges",
    "designated The Moscow Times",
    "These actions are direct attempts to silence",
    "refuse to be silenced",
    "please support us monthly",
    "By supporting The Moscow Times",
    "Not ready to support today",
    "Remind me later",
    "paiment methods",
]


def _find(result: ExtractionResult, pattern: str) -> Sentence:
    rx = re.compile(pattern)
    for s in result.sentences:
        if rx.search(s.text):
            return s
    raise AssertionError(f"no sentence matches {pattern!r}")


def test_every_seed_is_extracted_in_english(seed_results: dict[str, ExtractionResult]) -> None:
    assert len(seed_results) == 5
    for r in seed_results.values():
        assert r.status == "done"
        assert r.language == "en"
        assert r.claims


@pytest.mark.parametrize("fragment", BOILERPLATE_FRAGMENTS)
def test_boilerplate_never_stays_in_the_cleaned_text(
    seed_results: dict[str, ExtractionResult], fragment: str
) -> None:
    for key, r in seed_results.items():
        assert fragment not in r.text, f"seed {key} still contains {fragment!r}"


def test_paywall_prompts_never_become_claims(all_seed_claims: list[tuple[str, str]]) -> None:
    for _key, text in all_seed_claims:
        low = text.lower()
        for word in ("subscribe", "sign in", "newsletter", "unlock", "create an account", "donat"):
            assert word not in low, text


def test_removed_boilerplate_is_kept_with_a_reason(seed_results: dict[str, ExtractionResult]) -> None:
    removed = seed_results["000"].removed
    assert any("Article content" in b.text for b in removed)
    assert any("SUBSCRIBERS" in b.text for b in removed)
    assert all(b.reason for b in removed)
    tail = "\n".join(b.text for b in seed_results["003"].removed)
    assert "Dear readers" in tail and "Remind me later." in tail
    assert any("appeared first on" in b.text for b in seed_results["001"].removed)


def test_the_story_survives_the_cleaning(seed_results: dict[str, ExtractionResult]) -> None:
    assert "Seoul estimates that some 2,000 North Korean soldiers" in seed_results["003"].text
    assert "Bilateral trade hit a new record of $245 billion" in seed_results["000"].text
    assert "Power of Siberia 2" in seed_results["004"].text


def test_trade_figures_are_claims_with_normalised_money(seed_results: dict[str, ExtractionResult]) -> None:
    for key in ("000", "001"):
        s = _find(seed_results[key], r"\$245 billion in 2024, up 68% from 2021")
        assert s.check_worthy and s.kind == "statistic"
        money = [f for f in s.figures if f.kind == "money"]
        assert money and money[0].value == 245e9 and money[0].unit == "USD"
        assert any(f.kind == "percent" and f.value == 68 for f in s.figures)
        assert any(f.kind == "year" and f.value == 2024 for f in s.figures)
        assert "figure: $245 billion" in s.reasons
        assert "source: Chinese customs data" in s.reasons
    s = _find(seed_results["002"], r"record \$240 billion")
    assert s.check_worthy and any(f.value == 240e9 and f.unit == "USD" for f in s.figures)


def test_largest_foreign_contingent_is_a_claim(seed_results: dict[str, ExtractionResult]) -> None:
    for key in ("000", "001"):
        s = _find(seed_results[key], r"largest foreign contingent")
        assert s.check_worthy
        assert s.speaker == "Vladimir Putin"
        assert "superlative: largest" in s.reasons
    assert _find(seed_results["004"], r"largest foreign military contingent").check_worthy


def test_no_limits_partnership_is_a_claim(seed_results: dict[str, ExtractionResult]) -> None:
    assert _find(seed_results["003"], r"“no limits”").check_worthy
    # 000's "... shortly before the 2022 invasion began." scores 0.52 and 001's shorter "... before
    # the invasion began." 0.38, under the queue threshold: two of the three seed claims the queue
    # misses (claims/extraction/MODEL.md); both stay on the page scored well above small talk
    assert _find(seed_results["000"], r"“no limits”").score > 0.5
    assert _find(seed_results["001"], r"“no limits”").score > 0.3
    assert _find(seed_results["002"], r"“boundless” partnership").check_worthy


def test_sco_summit_in_tianjin_is_a_claim(seed_results: dict[str, ExtractionResult]) -> None:
    s = _find(seed_results["001"], r"Shanghai Cooperation Organization summit in Tianjin")
    assert s.check_worthy
    assert s.speaker == ""  # "The Russian leader" is a description, not a name


def test_power_of_siberia_2_is_a_claim(seed_results: dict[str, ExtractionResult]) -> None:
    for key in ("000", "001"):
        assert _find(seed_results[key], r"Power of Siberia 2").check_worthy
    # 004 has it in a schedule ("Xi and Putin will also discuss ..."): a prediction, scored just
    # under the queue threshold, and one of the three gold misses in tests/extraction/test_queue.py
    s = _find(seed_results["004"], r"Power of Siberia 2")
    assert s.kind == "prediction" and s.score > 0.4


def test_north_korean_casualty_estimate_is_a_claim(seed_results: dict[str, ExtractionResult]) -> None:
    s = _find(seed_results["003"], r"some 2,000 North Korean soldiers")
    assert s.check_worthy and s.kind == "statistic"
    fig = next(f for f in s.figures if f.value == 2000)
    assert fig.qualifier == "about" and fig.unit == "soldiers"


def test_putin_quote_across_sentences_is_attributed_to_putin(
    seed_results: dict[str, ExtractionResult],
) -> None:
    for key in ("000", "001"):
        s = _find(seed_results[key], r"^“We are developing our ties .* not aimed against anyone\.”$")
        assert s.speaker == "Vladimir Putin"  # a stated intention: on the page, not necessarily queued
        assert s.kind == "quote"


def test_resolutely_defend_is_attributed_to_xi(seed_results: dict[str, ExtractionResult]) -> None:
    for key in ("000", "001"):
        s = _find(seed_results[key], r"“resolutely defend”")
        assert s.speaker == "Xi Jinping"
    s = _find(seed_results["004"], r"^“China will resolutely defend")
    assert s.speaker == "Xi Jinping"  # "..., he said" after a sentence about Xi


def test_blinken_quote_is_attributed_to_blinken(seed_results: dict[str, ExtractionResult]) -> None:
    s = _find(seed_results["002"], r"Russia would struggle to sustain its attack")
    assert s.speaker == "Antony Blinken"


def test_demarais_quote_is_attributed_to_demarais(seed_results: dict[str, ExtractionResult]) -> None:
    s = _find(seed_results["002"], r"Gazprom’s losses demonstrate")
    assert s.check_worthy and s.speaker == "Agathe Demarais"


def test_he_said_resolves_to_the_person_named_before(seed_results: dict[str, ExtractionResult]) -> None:
    assert _find(seed_results["003"], r"We were always together then").speaker == "Vladimir Putin"
    assert _find(seed_results["001"], r"They gave instructions to speed up").speaker == "Alexander Novak"
    assert _find(seed_results["004"], r"Together with our Chinese friends").speaker == "Vladimir Putin"


def test_titles_are_stripped_from_speakers(seed_results: dict[str, ExtractionResult]) -> None:
    speakers = {s.speaker for r in seed_results.values() for s in r.sentences}
    assert "Yuri Ushakov" in speakers
    assert all(not sp.startswith(("President", "US ", "Russian", "FP ")) for sp in speakers)


def test_joint_statements_have_no_single_speaker(seed_results: dict[str, ExtractionResult]) -> None:
    assert _find(seed_results["002"], r"Xi and Putin declared").speaker == ""
    assert _find(seed_results["001"], r"they warned that").speaker == ""


def test_sentence_offsets_index_the_cleaned_text(seed_results: dict[str, ExtractionResult]) -> None:
    for r in seed_results.values():
        prev_end = 0
        for s in r.sentences:
            assert r.text[s.start : s.end] == s.text
            assert s.start >= prev_end
            prev_end = s.end
            assert 0.0 <= s.score <= 1.0
