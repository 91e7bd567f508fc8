"""Quotations: found in every quotation style, compared as their words, and found in linear time."""

from __future__ import annotations

import functools
import math

import pytest

from claims.extraction.quotations import (
    MIN_QUOTE_WORDS,
    normalize_quotation,
    quotation_spans,
    quotations_of,
    same_speaker,
    sentence_quotations,
)
from claims.extraction.sentences import split_spans

from .test_linear_time import DENSE_RATIO, ORDINARY_SECONDS, RATIO, _fill, _in_prose, _timed, ordinary_prose

QUOTE = "has eased somewhat but remains elevated across the economy"
NORMAL = "has eased somewhat but remains elevated across the economy"


def the_quotations(text: str) -> list[str]:
    spans = split_spans(text)
    return [q.text for found in sentence_quotations(text, spans) for q in found]


@pytest.mark.parametrize(
    "sentence",
    [
        f"The FOMC said inflation “{QUOTE}.”",
        f'The FOMC said inflation "{QUOTE}."',
        f"The FOMC said inflation «{QUOTE}».",
        f"The FOMC said inflation ‹{QUOTE}›.",
        f"The FOMC said inflation „{QUOTE}“.",
        f"The FOMC said inflation ‘{QUOTE}’.",
        f"“{QUOTE.capitalize()},” the Federal Reserve Bank said in a statement.",
        f'"{QUOTE.upper()}," the Federal Reserve Bank said in a statement.',
        f"Inflation “{QUOTE.replace(' ', '  ')}” , the Fed said.",
    ],
)
def test_every_quotation_style_gives_the_same_words(sentence: str) -> None:
    assert the_quotations(sentence) == [NORMAL]


def test_omissions_are_one_mark_inside_and_nothing_at_the_edges() -> None:
    for written in (
        "... has eased somewhat … but remains elevated ...",
        "[…] has eased somewhat . . . but remains elevated.",
        "…has eased somewhat [...] but remains elevated…",
        "has eased somewhat ... ... but remains elevated",
    ):
        assert normalize_quotation(written) == "has eased somewhat … but remains elevated"


def test_apostrophes_and_accents_do_not_tell_two_copies_apart() -> None:
    assert normalize_quotation("We don’t accept Erdoğan’s plan") == normalize_quotation(
        "we don't accept Erdogan's plan"
    )


def test_a_short_quotation_is_a_phrase_not_a_statement() -> None:
    assert the_quotations("He called it “a great success for us all” on Monday.") == []
    assert MIN_QUOTE_WORDS == 8


def test_apostrophes_are_not_single_quotation_marks() -> None:
    text = "The leaders’ summit was ‘a great success for all of us in the region today’, Xi’s aide said."
    assert the_quotations(text) == ["a great success for all of us in the region today"]


def test_a_quotation_of_several_sentences_is_cut_where_its_sentences_end() -> None:
    text = (
        "Putin said: “We are developing our ties in the interests of both our peoples. "
        "They are not aimed against anyone at all, and never will be.” Xi agreed.\n"
        '"They are not aimed against anyone at all, and never will be," the Russian president told reporters.'
    )
    assert the_quotations(text) == [
        "we are developing our ties in the interests of both our peoples",
        "they are not aimed against anyone at all and never will be",
        "they are not aimed against anyone at all and never will be",
    ]


def test_a_sentence_cut_from_a_quotation_reads_the_same_on_its_own() -> None:
    alone = quotations_of("They are not aimed against anyone at all, and never will be,” Putin said.")
    assert [q.text for q in alone] == ["they are not aimed against anyone at all and never will be"]


def test_an_open_quotation_runs_to_the_end_of_its_paragraph_only() -> None:
    text = (
        "“We will defend every inch of our land whatever it costs us\nThe minister spoke in Kyiv on Monday."
    )
    assert quotation_spans(text) == [(1, text.index("\n"))]


def test_offsets_point_at_the_quoted_words() -> None:
    text = f"The Fed said inflation “{QUOTE}”."
    (found,) = quotations_of(text)
    assert text[found.start : found.end] == QUOTE


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Vladimir Putin", "Putin", True),
        ("President Vladimir Putin", "vladimir putin", True),
        ("the Kremlin", "Kremlin", True),
        ("", "Xi Jinping", True),
        ("Jane Smith", "John Smith", False),
        ("Xi Jinping", "Vladimir Putin", False),
    ],
)
def test_speakers_agree_when_one_is_unknown_or_both_name_the_same_person(a: str, b: str, same: bool) -> None:
    assert same_speaker(a, b) is same
    assert same_speaker(b, a) is same


# ------------------------------------------------------------------ linear time


def _quotations(text: str) -> None:
    sentence_quotations(text, split_spans(text))


@functools.cache
def _size() -> int:
    floor = 20_000
    _timed(_quotations, ordinary_prose(floor))
    t = min(_timed(_quotations, ordinary_prose(floor)) for _ in range(3))
    return int(min(4_000_000, max(floor, floor * ORDINARY_SECONDS / max(t, 1e-6))))


WORDS = "we will never accept it whatever they say "
CASES = [
    pytest.param(lambda n: _in_prose("“" * n), RATIO, id="run of opening quotes"),
    pytest.param(lambda n: _in_prose("”" * n), DENSE_RATIO, id="run of closing quotes"),
    pytest.param(lambda n: _in_prose('"' * n), DENSE_RATIO, id="run of straight quotes"),
    pytest.param(lambda n: _in_prose("’" * n + "‘" * n), RATIO, id="runs of single quotes"),
    pytest.param(lambda n: _in_prose(_fill("a’", n)), RATIO, id="apostrophes"),
    pytest.param(lambda n: _in_prose(_fill(f"“{WORDS}” ", n)), DENSE_RATIO, id="many quotations"),
    pytest.param(
        lambda n: _in_prose("“" + _fill(f"{WORDS.strip()}. ", n) + "”"), RATIO, id="one long quotation"
    ),
    pytest.param(lambda n: _in_prose("“" + "." * n + "”"), RATIO, id="omission: run of stops"),
    pytest.param(lambda n: _in_prose("“" + _fill(". ", n) + "x”"), DENSE_RATIO, id="omission: spaced stops"),
    pytest.param(lambda n: _in_prose("“" + _fill("[.", n) + "”"), RATIO, id="omission: brackets"),
    pytest.param(lambda n: _in_prose("“" + "a" * n + "”"), RATIO, id="one long word"),
    pytest.param(lambda n: _fill("“a\n", n), DENSE_RATIO, id="open quotations on many lines"),
]


@pytest.mark.parametrize(("make", "ratio"), CASES)
def test_finding_quotations_is_linear(make: object, ratio: float) -> None:
    assert callable(make)
    bad = make(_size())
    ordinary = ordinary_prose(len(bad))
    t_ordinary = t_bad = math.inf
    for _ in range(3):
        t_ordinary = min(t_ordinary, _timed(_quotations, ordinary))
        if t_bad > ratio * t_ordinary:
            t_bad = min(t_bad, _timed(_quotations, bad, limit=ratio * t_ordinary))
    assert t_bad <= ratio * t_ordinary, (
        f"{len(bad):,} pathological characters took {t_bad * 1000:.0f} ms, "
        f"over {ratio:g} x {t_ordinary * 1000:.1f} ms for ordinary prose"
    )
