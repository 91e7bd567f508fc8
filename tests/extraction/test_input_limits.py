"""Limits on what extraction takes in, and the linear scans that find what the plain patterns found."""

from __future__ import annotations

import importlib
import re

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import claims.extraction as extraction
from claims.extraction import attribution, extract, names, quotations, sentences
from claims.extraction.html import HtmlRefused, limit_html

from .conftest import seeds_dir

# the module itself, whose limits the tests lower
html_limits = importlib.import_module("claims.extraction.html")

# ------------------------------------------------------------------ same results as the plain patterns

_PLAIN_CANDIDATE_RE = re.compile(r"(?:[.!?]+|…)[\"”’')\]]*(?=\s)")
_PLAIN_REPORTED_RE = re.compile(
    r"(?P<who>(?:[A-Z][\w’'.&-]*\s+){0,4}[A-Z][\w’'.&-]*)\s+(?:reported|reports|said in a statement)\b"
)
_AUX = r"(?:(?:has|had|have|also|later|then|further|previously|repeatedly|once|recently|again|earlier)\s+)"

SMALL_PIECES = [
    *(".", "!", "?", "…", '"', "”", "’", "'", ")", "]", "“", "(", " ", "  ", "\n", "\x85", ",", "-", "&"),
    *("A", "b", "Ab", "eBay", "Mr", "said", "has ", "reported", "reports", "said in a statement", "’s"),
]
SMALL = st.lists(st.sampled_from(SMALL_PIECES), max_size=40).map("".join)


@settings(max_examples=500, deadline=None)
@given(text=SMALL)
def test_sentence_candidates_are_those_of_the_plain_pattern(text: str) -> None:
    found = [(m.start(), m.end(), m.group(0)) for m in sentences._CANDIDATE_RE.finditer(text)]
    assert found == [(m.start(), m.end(), m.group(0)) for m in _PLAIN_CANDIDATE_RE.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(text=SMALL)
def test_reported_sources_are_those_of_the_plain_pattern(text: str) -> None:
    found = [(m.span(), m.group("who")) for m in attribution._reported(text)]
    assert found == [(m.span(), m.group("who")) for m in _PLAIN_REPORTED_RE.finditer(text)]


def _plain_mask_quotes(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    open_at = straight_open = -1
    for m in re.finditer(r"[“”\"]", text):
        i, c = m.start(), m.group(0)
        if c == "“":
            if open_at >= 0:
                nl = text.find("\n", open_at, i)
                if nl >= 0:
                    spans.append((open_at, nl))
                    open_at = -1
            if open_at < 0:
                open_at = i
        elif c == "”":
            if open_at >= 0:
                spans.append((open_at, i + 1))
                open_at = -1
        elif straight_open < 0:
            straight_open = i
        elif not (text[i - 1 : i] in ("", " ", "\t", "\n", "(") and text[i + 1 : i + 2].strip()):
            spans.append((straight_open, i + 1))
            straight_open = -1
    for start in (open_at, straight_open):
        if start >= 0:
            nl = text.find("\n", start)
            spans.append((start, len(text) if nl < 0 else nl))
    return sorted(spans)


@settings(max_examples=500, deadline=None)
@given(text=SMALL)
def test_quotation_spans_are_those_of_the_plain_scan(text: str) -> None:
    masked, spans = quotations.mask_quotes(text)
    assert spans == _plain_mask_quotes(text)
    assert len(masked) == len(text)


@pytest.mark.parametrize("n_aux", [0, 1, 2, 3, 4])
def test_up_to_four_auxiliaries_still_lead_to_the_verb(n_aux: int) -> None:
    text = "Putin " + "has also " * (n_aux // 2) + "has " * (n_aux % 2) + "said trade grew."
    plain = re.compile(rf"\b{_AUX}*(?:said)\b").search(text)
    bounded = attribution._VERB_RE.search(text)
    assert plain is not None and bounded is not None and bounded.span() == plain.span()


def _plain_resolve(full: list[str], by_token: dict[str, set[str]], name: str) -> str:
    if name in full:
        return name
    cands: set[str] | None = None
    for tok in name.split():
        got = by_token.get(tok, set())
        cands = set(got) if cands is None else cands & got
    return next(iter(cands)) if cands and len(cands) == 1 else ""


NAME_TOKENS = ["Anna", "Li", "Smith", "Wang", "Yi", "de", "Xi", "Jinping"]
NAMES = st.lists(st.sampled_from(NAME_TOKENS), min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(added=st.lists(NAMES.map(" ".join), max_size=8), asked=NAMES.map(" ".join))
def test_a_surname_resolves_as_before(added: list[str], asked: str) -> None:
    index = names.PersonIndex()
    full: list[str] = []
    by_token: dict[str, set[str]] = {}
    for name in added:
        index.add(name)
        if name not in full:
            full.append(name)
            for tok in name.split():
                if len(tok) > 1 and tok.lower() not in names.PARTICLES:
                    by_token.setdefault(tok, set()).add(name)
    assert index.resolve(asked) == _plain_resolve(full, by_token, asked)


# ------------------------------------------------------------------ HTML limits


def _seed_html() -> str:
    d = seeds_dir()
    assert d is not None, "seed articles not found"
    texts = [p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))]
    lines = [ln.replace("<", "&lt;") for t in texts for ln in t.splitlines() if ln.strip()]
    body = "".join(f"<p class='a b' id='p{i}' data-x=\"1>2\">{ln}</p>" for i, ln in enumerate(lines))
    head = "<script>if (a<b) x = '<p a b c>';</script>"
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def test_ordinary_html_passes_unchanged() -> None:
    html = _seed_html()
    assert limit_html(html) == (html, "")


def test_attributes_beyond_the_limit_are_dropped_and_noted() -> None:
    attrs = " ".join(f"a{i}='{i}'" for i in range(html_limits.MAX_HTML_ATTRIBUTES + 50))
    html = f"<html><body><p {attrs}>Exports rose 5% in 2024, the minister said on Monday.</p></body></html>"
    limited, note = limit_html(html)
    (p,) = lxml.html.document_fromstring(limited).iter("p")
    assert list(p.attrib) == [f"a{i}" for i in range(html_limits.MAX_HTML_ATTRIBUTES)]
    assert note == f"attributes after the first {html_limits.MAX_HTML_ATTRIBUTES} dropped from 1 HTML element"
    result = extract(html, "html")
    assert result.status == "done" and "Exports rose 5%" in result.text
    assert note in result.reason


@pytest.mark.parametrize("close", [" />", "/>", ">"])
def test_the_cut_keeps_how_the_tag_ends(close: str) -> None:
    """ "<script a=x/>" is not self-closing (the value is "x/"), "<script a=x />" is: either way as before."""
    attrs = " ".join(f"a{i}=x" for i in range(html_limits.MAX_HTML_ATTRIBUTES + 5))
    html = f"<html><body><script {attrs}{close}<p q=1>Story text.</p></body></html>"
    limited, _ = limit_html(html)
    tags = [el.tag for el in lxml.html.document_fromstring(limited).iter()]
    assert tags == [el.tag for el in lxml.html.document_fromstring(html).iter()]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (
            "<p>" + "x" * html_limits.MAX_HTML_CHARS + "</p>",
            "HTML of 4,000,007 characters is over the limit of 4,000,000",
        ),
        (
            "<b>w</b>" * (html_limits.MAX_HTML_ELEMENTS + 1),
            "HTML has 50,001 elements, over the limit of 50,000",
        ),
        (
            "<p>" + "<a href='#'>w</a> " * (html_limits.MAX_HTML_CHILDREN + 1) + "</p>",
            "HTML has an element with 2,001 child elements, over the limit of 2,000",
        ),
    ],
    ids=["size", "elements", "children"],
)
def test_html_over_a_limit_fails_with_a_readable_reason(html: str, reason: str) -> None:
    with pytest.raises(HtmlRefused, match=reason):
        limit_html(html)
    result = extract(html, "html")
    assert (result.status, result.reason, result.sentences) == ("failed", reason, [])


def test_the_children_limit_reads_pages_that_declare_their_encoding() -> None:
    declared = '<?xml version="1.0" encoding="utf-8"?><p>'
    html = declared + "<i>w</i>" * (html_limits.MAX_HTML_CHILDREN + 1) + "</p>"
    with pytest.raises(HtmlRefused, match="child elements"):
        limit_html(html)


HTML_PIECES = st.sampled_from(
    ["<p", "<P", "<script", "<title", "<textarea", "<style", "<noscript", "<svg", "<plaintext", "</script",
     "</title", "</p", "<!--", "-->", "--!>", "<!", "<?", ">", "/>", "/", " ", "\t", "\n", "\f", "\v", "=",
     '"', "'", "a", "b", "c", "d", "e", "x=1", "y='>'", 'z=">"', "<", "&amp;", "text"]
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(HTML_PIECES, max_size=60))
def test_the_parser_never_sees_more_attributes_than_the_limit(pieces: list[str]) -> None:
    """The scan reads tags as libxml2 does (comments, raw text, quoted ">"), so no element escapes the cut."""
    html = "<html><body>" + "".join(pieces) + "</body></html>"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(html_limits, "MAX_HTML_ATTRIBUTES", 2)
        limited, _ = limit_html(html)
    root = lxml.html.document_fromstring(limited)
    assert max(len(el.attrib) for el in root.iter() if isinstance(el.tag, str)) <= 2


def test_html_extraction_does_not_depend_on_pages_extracted_before() -> None:
    html = _seed_html()
    first = extract(html, "html").text
    assert first and all(extract(html, "html").text == first for _ in range(3))


# ------------------------------------------------------------------ claims per article


def test_claims_over_the_limit_stay_sentences_and_the_result_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    d = seeds_dir()
    assert d is not None, "seed articles not found"
    body = next(iter(sorted(d.glob("*.txt")))).read_text(encoding="utf-8")
    unlimited = extract(body)
    assert len(unlimited.claims) > 3 and unlimited.reason == ""
    monkeypatch.setattr(extraction, "MAX_CLAIMS_PER_ARTICLE", 3)
    limited = extract(body)
    best = sorted(unlimited.claims, key=lambda s: -s.score)[:3]
    assert [s.start for s in limited.claims] == sorted(s.start for s in best)
    assert len(limited.sentences) == len(unlimited.sentences)
    assert limited.reason == (
        f"3 of {len(unlimited.claims)} check-worthy sentences filed as claims (the highest scores); "
        "the rest are kept as sentences"
    )
    dropped = [s for s in limited.sentences if "not filed: over the claim limit of the article" in s.reasons]
    assert len(dropped) == len(unlimited.claims) - 3 and not any(s.check_worthy for s in dropped)
