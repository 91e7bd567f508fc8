"""Claim extraction: clean -> sentences -> score -> type -> attribute -> normalise.

Plain Python with no Django import, deterministic for a given
``EXTRACTOR_VERSION``. The public entry point is :func:`extract`.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .types import ExtractionResult, Figure, RemovedBlock, Sentence

__all__ = ["EXTRACTOR_VERSION", "ExtractionResult", "Figure", "RemovedBlock", "Sentence", "extract"]

EXTRACTOR_VERSION = "0.1.0"

_SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+[”\"’]?|$)", re.MULTILINE)
_DIGIT_RE = re.compile(r"\d")


def extract(
    body: str,
    fmt: str = "text",
    *,
    outlet_lines: Collection[str] = (),
) -> ExtractionResult:
    """First pass: split on sentence punctuation and flag sentences with figures.

    ``outlet_lines`` holds normalised lines seen repeatedly in other articles of
    the same outlet (a boilerplate signal); this first pass ignores it.
    """
    text = body.strip()
    if not text:
        return ExtractionResult(text="", version=EXTRACTOR_VERSION, status="failed", reason="empty text")
    sentences: list[Sentence] = []
    for m in _SENTENCE_RE.finditer(text):
        raw = m.group(0)
        lead = len(raw) - len(raw.lstrip())
        s_text = raw.strip()
        if len(s_text) < 20:
            continue
        start = m.start() + lead
        worthy = bool(_DIGIT_RE.search(s_text))
        sentences.append(
            Sentence(
                start=start,
                end=start + len(s_text),
                text=s_text,
                score=0.8 if worthy else 0.2,
                check_worthy=worthy,
                reasons=("contains a figure",) if worthy else (),
            )
        )
    return ExtractionResult(text=text, version=EXTRACTOR_VERSION, sentences=sentences)


def line_key(line: str) -> str:
    """Normalised form of a line, for spotting lines an outlet repeats in every article."""
    return " ".join(line.casefold().split())


def looks_binary(data: str | bytes) -> bool:
    """True for data that is not text: NUL bytes or many control characters."""
    sample = data[:4096]
    if isinstance(sample, bytes):
        if b"\x00" in sample:
            return True
        sample = sample.decode("utf-8", errors="replace")
    if "\x00" in sample:
        return True
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return control > max(8, len(sample) // 50)
