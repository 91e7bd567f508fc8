"""Sentences come with exact offsets into the cleaned text, whatever the input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.extraction import extract
from claims.extraction.sentences import split_spans


def _split(text: str) -> list[str]:
    return [text[a:b] for a, b in split_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. Treasury said on Jan. 5 that growth was 4.5 percent. Mr. Smith agreed. Dr. Jones did not.",  # noqa: E501
            [
                "The U.S. Treasury said on Jan. 5 that growth was 4.5 percent.",
                "Mr. Smith agreed.",
                "Dr. Jones did not.",
            ],
        ),
        (
            "John F. Kennedy spoke in Washington, D.C. on Monday. He left at 9 a.m. The meeting ended.",
            [
                "John F. Kennedy spoke in Washington, D.C. on Monday.",
                "He left at 9 a.m.",
                "The meeting ended.",
            ],
        ),
        (
            "“We are partners. We are not aimed against anyone,” Putin said. Then he left.",
            ["“We are partners.", "We are not aimed against anyone,” Putin said.", "Then he left."],
        ),
        (
            "“If China doesn’t solve this problem, we will.” . The United States disagreed.",
            ["“If China doesn’t solve this problem, we will.” .", "The United States disagreed."],
        ),
        ("Is it? Yes! “Really?” he asked.", ["Is it?", "Yes!", "“Really?” he asked."]),
        ("China and Russia… will jointly protect it.", ["China and Russia… will jointly protect it."]),
        ("The answer is no. It is No. 5 on the list.", ["The answer is no.", "It is No. 5 on the list."]),
    ],
)
def test_abbreviations_decimals_initials_and_quotes_split_correctly(text: str, expected: list[str]) -> None:
    assert _split(text) == expected


def test_a_line_break_always_ends_a_sentence() -> None:
    assert _split("A headline without a stop\nThe body starts here. It goes on.") == [
        "A headline without a stop",
        "The body starts here.",
        "It goes on.",
    ]


PIECES = st.sampled_from(
    [
        "The U.S. economy grew 2.5% in 2024, Mr. Smith said. ",
        "“We will never accept it,” she said. ",
        "“We are partners. We are not aimed against anyone,” Putin said. ",
        "Exports rose to $4.5 billion.\n",
        "Subscribe now!\n",
        "Article content\n",
        "- Unlimited access to all articles\n",
        "Prices fell by 10-15 percent in D.C. last year.",
        "\n\n",
        "  ",
        "...",
        "“",
        "”",
        '"',
        "中国出口增长了 5%。",
        "Ünïcödé — “quotes” … and emoji 🎉 cost €3.2m. ",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(PIECES, st.text(max_size=20)), min_size=1, max_size=30).map("".join),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=TEXTS)
def test_every_sentence_is_exactly_its_slice_of_the_text_in_order(body: str) -> None:
    result = extract(body)
    assert result.status in ("done", "failed")
    prev_end = 0
    for s in result.sentences:
        assert 0 <= s.start < s.end <= len(result.text)
        assert result.text[s.start : s.end] == s.text
        assert s.start >= prev_end, "sentences overlap or go backwards"
        assert s.text == s.text.strip()
        assert 0.0 <= s.score <= 1.0
        prev_end = s.end


@settings(max_examples=100, deadline=None)
@given(body=TEXTS)
def test_extraction_is_deterministic(body: str) -> None:
    assert extract(body) == extract(body)
