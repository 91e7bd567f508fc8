"""Speakers: named people with titles stripped, sources kept apart, empty when unsure."""

from __future__ import annotations

from claims.extraction import extract


def _speaker(body: str, fragment: str) -> str:
    r = extract(body)
    return next(s.speaker for s in r.sentences if fragment in s.text)


def _reasons(body: str, fragment: str) -> tuple[str, ...]:
    r = extract(body)
    return next(s.reasons for s in r.sentences if fragment in s.text)


def test_name_said_and_said_name() -> None:
    assert _speaker("Unemployment fell to 4%, Labour Secretary Julie Su said on Friday.", "4%") == "Julie Su"
    body = "“Inflation is falling faster than expected,” said central bank governor Mark Olsen."
    assert _speaker(body, "Inflation") == "Mark Olsen"


def test_titles_are_stripped() -> None:
    body = "Russian Deputy Prime Minister Alexander Novak said gas exports rose 20% in 2024."
    assert _speaker(body, "gas exports") == "Alexander Novak"


def test_surname_resolves_to_the_full_name_given_earlier() -> None:
    body = (
        "President Vladimir Putin met Chinese leader Xi Jinping in Moscow.\n"
        "Putin said trade had grown by a third since 2021."
    )
    assert _speaker(body, "grown by a third") == "Vladimir Putin"


def test_according_to_a_source_is_not_a_speaker() -> None:
    body = "Bilateral trade hit $245 billion in 2024, according to Chinese customs data."
    assert _speaker(body, "Bilateral") == ""
    assert "source: Chinese customs data" in _reasons(body, "Bilateral")


def test_according_to_a_person_is_a_speaker() -> None:
    body = "The plant will close in 2026, according to chief executive Dana White."
    assert _speaker(body, "plant") == "Dana White"


def test_descriptions_and_institutions_are_never_speakers() -> None:
    assert _speaker("The Russian leader said exports rose 10% last year.", "exports") == ""
    assert _speaker("The Kremlin said exports rose 10% last year.", "exports") == ""
    assert _speaker("Beijing said exports rose 10% last year.", "exports") == ""


def test_he_said_is_resolved_only_when_one_person_was_named() -> None:
    body = (
        "Finance Minister Sara Holm presented the budget.\n"
        "“The deficit will shrink to 2% next year,” she said."
    )
    assert _speaker(body, "deficit") == "Sara Holm"
    body = (
        "Finance Minister Sara Holm met Economy Minister Lars Berg.\n"
        "“The deficit will shrink to 2% next year,” she said."
    )
    assert _speaker(body, "deficit") == ""


def test_quote_spanning_sentences_takes_the_speaker_after_it() -> None:
    body = "“We are partners. We are not aimed against anyone,” President Vladimir Putin said."
    r = extract(body)
    assert [s.speaker for s in r.sentences] == ["Vladimir Putin", "Vladimir Putin"]


def test_any_speech_verb_attributes() -> None:
    body = "President Xi Jinping emphasized that trade with Russia grew 26% in 2023."
    assert _speaker(body, "trade") == "Xi Jinping"
    body = "Finance Minister Sara Holm had warned that the deficit would reach 4% of GDP."
    assert _speaker(body, "deficit") == "Sara Holm"
