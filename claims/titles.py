"""Readable titles and excerpts: an article's title when the CMS sent none, text shortened at a word."""

from __future__ import annotations

import re

from .extraction.sentences import split_spans

# A title is a line of news, not a label ("Article content", "Russia") or a shouted banner:
# a line of six words or more, or a shorter sentence that ends like one.
TITLE_MIN_WORDS = 6
SENTENCE_MIN_WORDS = 3
_SENTENCE_END = (".", "!", "?", "”", '"', "’")
TITLE_MAX_CHARS = 140
_TAGS = re.compile(r"<[^>]*>")


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut between words with an ellipsis, never mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:—–-") + "…"


def _is_real_line(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    shouted = bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)
    words = len(line.split())
    sentence = words >= SENTENCE_MIN_WORDS and line.endswith(_SENTENCE_END)
    return (words >= TITLE_MIN_WORDS or sentence) and not shouted


def first_real_sentence(body: str, *, limit: int = TITLE_MAX_CHARS) -> str:
    """The article's first sentence of news: the first line that reads as news, its first sentence.

    Labels ("Article content", "Russia") and lines in capitals (subscription banners)
    are passed over; a body without such a line falls back to
    its first non-empty line. Markup is dropped, and the result is cut at a word.
    """
    lines = [" ".join(_TAGS.sub(" ", line).split()) for line in body.splitlines()]
    lines = [line for line in lines if line]
    chosen = next((line for line in lines if _is_real_line(line)), lines[0] if lines else "")
    spans = split_spans(chosen)
    sentence = chosen[spans[0][0] : spans[0][1]] if spans else chosen
    return shorten(sentence, limit)
