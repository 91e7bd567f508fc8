"""Extraction and cleaning take time linear in the input, whatever the input.

Each timing test runs one pattern or scan on a large pathological input and on
ordinary text of the same size (the seed articles), takes the best of three
runs of each and bounds the ratio. Sizes are chosen so that ordinary text
takes tens of milliseconds: a scan that rereads its input per character (the
sentence splitter did on a run of 10,000 "." in 1.1 s) is then hundreds of
times slower, far past the bound, while noise on a shared machine is not.
A pathological run is stopped once it is past the bound, so a regression
fails in about a second instead of hanging.

The property tests check that offsets stay exact on inputs built from the
same pathological pieces.
"""

from __future__ import annotations

import contextlib
import functools
import math
import signal
import threading
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.extraction import extract
from claims.extraction.annotate import annotate
from claims.extraction.attribution import Attributor
from claims.extraction.clean import HtmlRefused, clean_text, limit_html
from claims.extraction.features import tokenize
from claims.extraction.language import detect_language, looks_binary
from claims.extraction.model import blended_logits
from claims.extraction.sentences import split_spans

from .conftest import seeds_dir

#: Pathological input may take at most this many times as long as ordinary text of its size.
RATIO = 5.0
#: The bound for input made only of the units a stage handles one by one (a sentence candidate
#: every 4 characters, a line every 3), which come every 100-200 characters in prose. They cost
#: 3-35 times prose per character, the same at every size (linear); a scan that rereads its
#: input is thousands of times slower at these sizes, so this bound still catches one.
DENSE_RATIO = 60.0
#: Ordinary text is made this long in seconds (best of three), so that timings rise above noise.
ORDINARY_SECONDS = 0.05


# ------------------------------------------------------------------ inputs


@functools.cache
def _seed_texts() -> tuple[str, ...]:
    d = seeds_dir()
    assert d is not None, "seed articles not found (set FACTCHECK_SEEDS_DIR)"
    return tuple(p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt")))


def _repeat(text: str, n: int) -> str:
    return (text * (n // len(text) + 1))[:n]


def ordinary_raw(n: int) -> str:
    """Scraped article text as it arrives, boilerplate included."""
    return _repeat("\n".join(_seed_texts()) + "\n", n)


@functools.cache
def _clean_prose() -> str:
    return "\n\n".join(clean_text(t)[0] for t in _seed_texts()) + "\n\n"


def ordinary_prose(n: int) -> str:
    """Cleaned story text, as the splitter and everything after it see it."""
    return _repeat(_clean_prose(), n)


def ordinary_article(n: int) -> str:
    """Story text with every line distinct, as extraction sees a long article (it drops repeated lines)."""
    lines = [ln for ln in _clean_prose().split("\n") if ln]
    out: list[str] = []
    size = 0
    while size < n:
        out.append(f"{lines[len(out) % len(lines)]} The {_word(len(out))} file came in.")
        size += len(out[-1]) + 2
    return "\n\n".join(out)[:n]


def ordinary_html(n: int) -> str:
    lines = [ln for t in _seed_texts() for ln in t.splitlines() if ln.strip()]
    parts = ["<html><head><title>News</title></head><body><nav><a href='/'>Home</a></nav><article>"]
    size, i = len(parts[0]), 0
    while size < n:
        line = lines[i % len(lines)].replace("&", "&amp;").replace("<", "&lt;")
        parts.append(f"<p class='para' data-i='{i}'>{line} <a href='/r/{i}'>more</a></p>\n")
        size += len(parts[-1])
        i += 1
    return "".join(parts) + "</article><footer>All rights reserved.</footer></body></html>"


def _fill(unit: str, n: int) -> str:
    return unit * max(1, n // len(unit))


def _in_prose(core: str) -> str:
    """``core`` inside a line of ordinary words (long enough that no short-line rule drops it)."""
    return (
        f"The ministry said exports rose last year. {core} Officials said more details of the review "
        "would follow in the coming weeks, once the figures for the whole year had been checked.\n"
    )


# ------------------------------------------------------------------ stages under test


def _split(text: str) -> None:
    split_spans(text)


def _clean(body: str) -> None:
    clean_text(body)


def _attribute(text: str) -> None:
    attributor = Attributor(text, split_spans(text))
    attributor.speakers()
    attributor.in_quote()


def _annotate(text: str) -> None:
    for s, e in split_spans(text):
        annotate(text[s:e], "", [], False)


def _features(text: str) -> None:
    texts = [text[s:e] for s, e in split_spans(text)]
    blended_logits(texts, [tokenize(t) for t in texts])


def _language(text: str) -> None:
    for _ in range(50):  # both read a fixed-size prefix: repeated to rise above timer noise
        detect_language(text)
        looks_binary(text)


def _limit_html(html: str) -> None:
    with contextlib.suppress(HtmlRefused):
        limit_html(html)


def _extract_html(html: str) -> None:
    extract(html, "html")


def _extract(text: str) -> None:
    extract(text)


Stage = Callable[[str], None]
Make = Callable[[int], str]  # a pathological input of about n characters
# the ordinary input each stage is compared with, and the smallest size worth timing
_ORDINARY: dict[Stage, tuple[Callable[[int], str], int]] = {
    _split: (ordinary_prose, 20_000),
    _clean: (ordinary_raw, 20_000),
    _attribute: (ordinary_prose, 20_000),
    _annotate: (ordinary_prose, 20_000),
    _features: (ordinary_prose, 20_000),
    _language: (ordinary_prose, 20_000),
    _limit_html: (ordinary_html, 20_000),
    # 25,000 attributes or links need 200 KB, and took seconds before the limits
    _extract_html: (ordinary_html, 200_000),
    _extract: (ordinary_article, 20_000),
}


# The largest input worth timing per stage: ordinary HTML past 1,000,000 characters nears the
# page limits (MAX_HTML_CHARS, MAX_HTML_ELEMENTS), where both inputs are refused at once and the
# ratio of two near-zero times is noise.
_LARGEST: dict[Stage, int] = {_limit_html: 1_000_000}


# ------------------------------------------------------------------ timing


class _Overtime(Exception):
    pass


def _raise_overtime(signum: int, frame: object) -> None:
    raise _Overtime


def _timed(stage: Stage, arg: str, limit: float = math.inf) -> float:
    """Seconds one call takes; inf when it is still running after ``limit`` seconds (it is then stopped)."""
    timer = math.isfinite(limit) and threading.current_thread() is threading.main_thread()
    if timer:
        previous = signal.signal(signal.SIGALRM, _raise_overtime)
        signal.setitimer(signal.ITIMER_REAL, limit)
    t0 = time.perf_counter()
    try:
        stage(arg)
        return time.perf_counter() - t0
    except _Overtime:
        return math.inf
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


@functools.cache
def _size(stage: Stage) -> int:
    """Input size at which ordinary text takes about ``ORDINARY_SECONDS`` in ``stage``."""
    make, floor = _ORDINARY[stage]
    _timed(stage, make(floor))  # warm up: model weights, imports, caches
    t = min(_timed(stage, make(floor)) for _ in range(3))
    return int(min(_LARGEST.get(stage, 4_000_000), max(floor, floor * ORDINARY_SECONDS / max(t, 1e-6))))


def assert_linear(stage: Stage, make: Make, ratio: float = RATIO) -> None:
    """``stage`` takes at most ``ratio`` times as long on ``make``'s input as on ordinary text of its size.

    Best of up to five runs each, interleaved so that load on the machine slows
    both sides alike (under a loaded machine one run of ordinary text can take
    twice another); a pathological run is stopped once it is over the bound.
    """
    bad = make(_size(stage))
    ordinary = _ORDINARY[stage][0](len(bad))
    t_ordinary = t_bad = math.inf
    for _ in range(5):
        t_ordinary = min(t_ordinary, _timed(stage, ordinary))
        if t_bad > ratio * t_ordinary:
            t_bad = min(t_bad, _timed(stage, bad, limit=ratio * t_ordinary))
    budget = ratio * t_ordinary
    took = f"took {t_bad * 1000:.0f} ms" if math.isfinite(t_bad) else f"stopped at {budget * 1000:.0f} ms"
    assert t_bad <= budget, (
        f"{len(bad):,} pathological characters {took}, "
        f"over {ratio:g} x {t_ordinary * 1000:.1f} ms for ordinary text of the same size"
    )


def _case(stage: Stage, make: Make, name: str, ratio: float = RATIO) -> object:
    return pytest.param(stage, make, ratio, id=name)


# One case per pattern or scan, named after it; each input is what made (or would make) it reread.
SENTENCE_CASES = [
    # _CANDIDATE_RE: a run of stops not followed by whitespace
    _case(_split, lambda n: _in_prose("." * n + "x"), "candidate: run of full stops"),
    _case(_split, lambda n: _in_prose("!" * n + "x"), "candidate: run of exclamation marks"),
    _case(_split, lambda n: _in_prose("?" * n + "x"), "candidate: run of question marks"),
    _case(_split, lambda n: _in_prose("…" * n + "x"), "candidate: run of ellipses"),
    _case(_split, lambda n: _in_prose(_fill('."', n) + "x"), "candidate: stops and quotes"),
    _case(_split, lambda n: _in_prose("." + _fill("”)]'", n) + "x"), "candidate: closers after a stop"),
    # _can_start / _NEXT_WORD_RE: openers, then the word after a candidate
    _case(_split, lambda n: _in_prose("Mr. " + "“" * n + "x"), "next word: run of opening quotes"),
    _case(_split, lambda n: _in_prose("Mr. " + _fill("A.", n) + " x"), "next word: word of initials"),
    # _WORD_BEFORE_RE / _is_abbreviation: a candidate every few characters
    _case(_split, lambda n: _fill("Mr. ", n), "abbreviation: repeated titles", DENSE_RATIO),
    _case(_split, lambda n: _fill("A. B. ", n), "abbreviation: repeated initials", DENSE_RATIO),
    # the line loop of split_spans
    _case(_split, lambda n: _fill("a.\n", n), "lines: many short lines", DENSE_RATIO),
    _case(_split, lambda n: _fill(" \u2028\u00a0\x85", n), "lines: whitespace only"),
]
CLEAN_CASES = [
    _case(_clean, lambda n: _fill("Subscribe\n", n), "line keys: repeated short lines", DENSE_RATIO),
    _case(_clean, lambda n: "\n".join(f"Line {i:x} of {i * 7:x}" for i in range(n // 18)), "line keys: many"),
    _case(_clean, lambda n: "a" + _fill(" \t\u00a0\u2003  ", n) + "b", "normalise: whitespace runs"),
    _case(_clean, lambda n: _fill("a\u200b\x01\r\n", n), "normalise: invisible characters", DENSE_RATIO),
    _case(_clean, lambda n: _fill("subscribe to our newsletter and donate ", n), "_CTA_RE: one long appeal"),
    _case(_clean, lambda n: "/A" + "a" * n + "#", "_CREDIT_END_RE: word after a slash"),
    _case(_clean, lambda n: "Photo: " + _fill("/ A", n) + "#", "_CREDIT_END_RE: many slashes"),
    _case(_clean, lambda n: "The post " + "x" * n, "_SYNDICATION_RE: long first line"),
    _case(_clean, lambda n: "Monday" + "a" * n + " x", "_BYLINE_RE: long first word"),
    _case(_clean, lambda n: _fill("- item\n", n), "_BULLET_RE: long list", DENSE_RATIO),
    _case(_clean, lambda n: _fill("Reach her at ", n) + "a" * 10, "_CONTACT_RE: many openings"),
    _case(_clean, lambda n: "Reach her at +1" + _fill(" (1)-", n) + "x", "_CONTACT_RE: long number"),
    _case(
        _clean,
        lambda n: _fill("You can sign up at city hall, the mayor said. The program enrolled 12 people. ", n),
        "prompted paragraphs cut into sentences",
    ),
    _case(_clean, lambda n: _fill("“" * 40 + "\n", n), "quote lines"),
    _case(_clean, lambda n: _fill("It went on and on without an end and so\nit went on\n", n), "unwrapping"),
    _case(
        _clean,
        lambda n: ordinary_raw(n // 2) + "\nSubscribe now\n" + _fill("you our we us your readers\n", n // 2),
        "_READER_RE and _APPEAL_RE: long tail",
    ),
]
ATTRIBUTION_CASES = [
    _case(_attribute, lambda n: _in_prose(_fill("“a ", n)), "_mask_quotes: open quotes on one line"),
    _case(_attribute, lambda n: _in_prose(_fill("“a” ", n)), "_mask_quotes: quotations on one line"),
    _case(_attribute, lambda n: _in_prose("“" * n), "_mask_quotes: run of open quotes"),
    _case(_attribute, lambda n: _in_prose('"' * n), "_mask_quotes: straight quotes", DENSE_RATIO),
    _case(_attribute, lambda n: _in_prose(_fill("has ", n) + "x said"), "_VERB_RE: auxiliaries"),
    _case(_attribute, lambda n: _in_prose("he " + _fill("has ", n) + "x said"), "_PRONOUN_VERB_RE"),
    _case(_attribute, lambda n: _in_prose("A" * n + ", reported"), "_REPORTED_RE: long capitalised word"),
    _case(
        _attribute,
        lambda n: _in_prose(_fill("Aa ", n) + ", reported"),
        "_REPORTED_RE: capitalised words",
        DENSE_RATIO,
    ),
    _case(_attribute, lambda n: _in_prose(_fill("according to a ", n)), "_ACCORDING_RE"),
    _case(_attribute, lambda n: _in_prose(_fill("citing a ", n)), "_CITING_RE"),
    _case(_attribute, lambda n: _in_prose(_fill("Aaa ", n)), "_CAP_RUN_RE: capitalised words"),
    _case(_attribute, lambda n: _in_prose("a" + "-" * n + " said"), "_TOKEN_RE: letter then dashes"),
    _case(_attribute, lambda n: _in_prose("said " + _fill("Aaa ", n)), "_AFTER_PHRASE_RE: long phrase"),
    _case(_attribute, lambda n: _shared_surnames(n), "PersonIndex: names sharing a surname"),
    _case(
        _attribute,
        lambda n: _in_prose(_fill(", aaa bbb ccc Ddd Eee, who ", n) + "x, said"),
        "_APPOSITIVE_RE: professions and names before an aside",
    ),
    _case(
        _attribute,
        lambda n: _fill("Aaa " * 3 + "Bbb Ccc, who x, said 4. ", n),
        "_APPOSITIVE_RE: titles first",
    ),
    _case(
        _attribute, lambda n: _in_prose(_fill("critics of Mayor ", n) + "Eric Adams said"), "governed: titles"
    ),
    _case(_attribute, lambda n: _in_prose("(" * n + "a) said"), "_PARENTHESIS_END_RE: open parentheses"),
    _case(
        _attribute,
        lambda n: _in_prose(_fill("Aa (b) said ", n)),
        "_PARENTHESIS_END_RE: a parenthesis before every verb",
        DENSE_RATIO,
    ),
    _case(_attribute, lambda n: _in_prose(_fill(" -- Aa", n) + " said"), "_subject_window: dateline dashes"),
    _case(_attribute, lambda n: _in_prose(_fill('x "a ', n)), "_mask_quotes: straight quotes that open"),
    _case(
        _attribute,
        lambda n: _in_prose(_fill("met Aaa Bbb, ", n) + "Bbb said"),
        "_CAP_PAIR_RE: untitled names",
    ),
    _case(
        _attribute,
        lambda n: (
            "".join(f"met {_word(i)} Smith and " for i in range(n // 16)) + _fill("Smith said so. ", n // 2)
        ),
        "untitled names sharing a surname",
    ),
    _case(_attribute, lambda n: _in_prose("A " + _fill("study of ", n)), "_DOCUMENT_SUBJECT_RE: verbless"),
    _case(_attribute, lambda n: _in_prose(_fill("A study, ", n) + "found"), "_DOCUMENT_SUBJECT_RE: commas"),
    _case(_attribute, lambda n: _fill("Aaa Bbb met him. ", n), "_CAP_PAIR_START_RE: names opening sentences"),
    _case(_attribute, lambda n: _in_prose(_fill("a Aaa ", n) + "Aaa said"), "_MID_CAP_RE: capitalised words"),
    _case(_attribute, lambda n: _in_prose(_fill(", 45", n) + ", said"), "_AGE_END_RE: ages before a verb"),
    _case(
        _attribute,
        lambda n: _in_prose(_fill("xx Americans said ", n)),
        "lone names: many verbs in one sentence",
    ),
    _case(
        _attribute,
        lambda n: (
            "".join(f"Russian President {_word(i)} Aaa met. " for i in range(n // 32))
            + _fill("The Russian leader said so. ", n // 2)
        ),
        "role_fits: role nouns after many people",
    ),
    _case(
        _attribute,
        lambda n: _in_prose(_fill("Aaa, Bbb and Ccc Department ", n) + "said"),
        "org_run: institutions joined by and",
    ),
    _case(
        _attribute, lambda n: _in_prose("said Dr" + _fill(". Dr", n) + ". Aa."), "_AFTER_PHRASE_RE: titles"
    ),
    _case(
        _attribute,
        lambda n: "".join(f"President {_word(i)} {_word(7 * i + 3)}, " for i in range(n // 26)),
        "PersonIndex: distinct names",
    ),
]
LATER_CASES = [
    _case(_annotate, lambda n: _in_prose(_fill("“short” ", n)), "_QUOTE_WORDS_RE: short quotations"),
    _case(_annotate, lambda n: _in_prose(_fill("most than compared with expected to ", n)), "annotate: cues"),
    _case(_features, lambda n: _in_prose("a" * n), "features: one long word"),
    _case(_features, lambda n: _in_prose(_fill("1,", n)), "features: one long number"),
    _case(_features, lambda n: _in_prose(_fill("a'", n)), "features: apostrophes"),
    _case(_language, lambda n: "“" * n, "language: no words"),
    _case(_extract, lambda n: _in_prose("." * n + "x"), "extract: run of full stops"),
    _case(_extract, lambda n: _in_prose(_fill("has ", n) + "x said"), "extract: auxiliaries"),
    _case(_extract, lambda n: _in_prose("A" * n + ", reported"), "extract: capitalised word"),
]
HTML_CASES = [
    _case(_limit_html, lambda n: _fill("<!--", n), "limit_html: unclosed comments"),
    _case(_limit_html, lambda n: _fill("<a", n), "limit_html: tag name of tags"),
    _case(_limit_html, lambda n: _fill("<a b", n), "limit_html: attribute names of tags"),
    _case(_limit_html, lambda n: '<p a="' + "x" * n, "limit_html: unclosed quoted value"),
    _case(_limit_html, lambda n: _fill("<script>", n), "limit_html: raw-text starts"),
    _case(_limit_html, lambda n: "<script>" + _fill("</scrip", n), "limit_html: almost end tags"),
    _case(_limit_html, lambda n: _fill("</", n), "limit_html: end-tag starts"),
    _case(_limit_html, lambda n: _fill("<!", n), "limit_html: declaration starts"),
    _case(_limit_html, lambda n: "<p " + _fill("a=b ", n) + ">", "limit_html: attributes"),
    _case(
        _extract_html,
        lambda n: "<p " + " ".join(f"a{i}=x" for i in range(n // 8)) + ">The text.</p>",
        "html: attributes in one element",
    ),
    _case(_extract_html, lambda n: _html_story(_fill("<a href='#'>w</a> ", n)), "html: links in a paragraph"),
    _case(_extract_html, lambda n: _fill("<p>w</p>", n), "html: many elements"),
]


def _html_story(paragraph: str) -> str:
    """``paragraph`` between two paragraphs of story, so that the article extractor keeps it."""
    story = "<p>The ministry said exports rose 5% last year, the highest level in a decade.</p>"
    return f"<html><body><article>{story}<p>{paragraph}</p>{story}</article></body></html>"


def _word(i: int) -> str:
    return "".join(chr(97 + (i // 26**k) % 26) for k in range(4)).capitalize()


def _shared_surnames(n: int) -> str:
    """Thousands of people called Smith, then "Smith said" (ambiguous) as often."""
    people = "".join(f"Minister John {_word(i)} Smith spoke. " for i in range(n // 64))
    return people + _fill("Smith said the plan would go ahead as it was agreed. ", n // 2)


@pytest.mark.parametrize(("stage", "make", "ratio"), SENTENCE_CASES)
def test_sentence_splitting_is_linear(stage: Stage, make: Make, ratio: float) -> None:
    assert_linear(stage, make, ratio)


@pytest.mark.parametrize(("stage", "make", "ratio"), CLEAN_CASES)
def test_cleaning_is_linear(stage: Stage, make: Make, ratio: float) -> None:
    assert_linear(stage, make, ratio)


@pytest.mark.parametrize(("stage", "make", "ratio"), ATTRIBUTION_CASES)
def test_attribution_is_linear(stage: Stage, make: Make, ratio: float) -> None:
    assert_linear(stage, make, ratio)


@pytest.mark.parametrize(("stage", "make", "ratio"), LATER_CASES)
def test_annotation_features_and_extract_are_linear(stage: Stage, make: Make, ratio: float) -> None:
    assert_linear(stage, make, ratio)


@pytest.mark.parametrize(("stage", "make", "ratio"), HTML_CASES)
def test_html_is_bounded_before_parsing(stage: Stage, make: Make, ratio: float) -> None:
    assert_linear(stage, make, ratio)


# ------------------------------------------------------------------ offsets


RUN_UNITS = [
    *(".", "!", "?", "…", '"', "'", "”", "“", "’", ")", "]", "(", "1", "A", "a"),
    *(" ", "\n", "\t", "\r\n", "\u00a0", "\x85", "\u2028", "\u200b"),
    *("Mr.", "U.S.", "has ", "said ", " he ", ", reported", "The ", "“We ", "Aaa "),
]
RUNS = st.builds(lambda unit, times: unit * times, st.sampled_from(RUN_UNITS), st.integers(1, 40))
PIECES = st.sampled_from(
    [
        "The U.S. economy grew 2.5% in 2024, Mr. Smith said. ",
        "“We will never accept it,” she said. ",
        "Trade Minister Ana Diaz has also said exports rose. ",
        "Exports rose to $4.5 billion.\n",
        "Subscribe now!\n",
    ]
)
TEXTS = st.lists(st.one_of(RUNS, PIECES, st.text(max_size=12)), min_size=1, max_size=30).map("".join)


def _assert_offsets_exact(text: str, sentences: list[tuple[int, int, str]]) -> None:
    prev = 0
    for start, end, sentence in sentences:
        assert prev <= start < end <= len(text)
        assert text[start:end] == sentence
        assert sentence == sentence.strip() and "\n" not in sentence
        prev = end


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=TEXTS)
def test_every_sentence_is_its_slice_of_the_cleaned_text(body: str) -> None:
    result = extract(body)
    _assert_offsets_exact(result.text, [(s.start, s.end, s.text) for s in result.sentences])


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_split_spans_cover_the_text_without_whitespace_at_their_ends(text: str) -> None:
    spans = split_spans(text)
    _assert_offsets_exact(text, [(s, e, text[s:e]) for s, e in spans])
    covered = "".join(text[s:e] for s, e in spans)
    assert "".join(covered.split()) == "".join(text.split())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=TEXTS)
def test_offsets_hold_for_html_bodies(body: str) -> None:
    paragraphs = "".join(f"<p>{ln}</p>" for ln in body.split("\n"))
    html = f"<html><body><article>{paragraphs}</article></body></html>"
    result = extract(html, "html")
    _assert_offsets_exact(result.text, [(s.start, s.end, s.text) for s in result.sentences])
