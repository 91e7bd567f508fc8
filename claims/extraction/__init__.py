"""Claim extraction: clean -> sentences -> score -> type -> attribute -> normalise.

Plain Python with no Django import, deterministic for a given
``EXTRACTOR_VERSION``. The public entry point is :func:`extract`::

    result = extract(body, "text" | "html", outlet_lines=...)
    result.claims  # check-worthy sentences, with offsets into result.text

``outlet_lines`` is a set of :func:`line_key` values that occur in several
other articles of the same outlet; such lines are dropped as boilerplate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from .annotate import annotate
from .attribution import Attributor
from .cascade import MAX_SECOND_STAGE, score_sentences
from .cascade import logits as checkworthiness_logits
from .clean import HtmlRefused, clean, line_key
from .features import tokenize
from .language import detect_language, looks_binary
from .model import THRESHOLD, sigmoid
from .sentences import split_spans
from .types import ExtractionResult, Figure, RemovedBlock, Sentence

__all__ = [
    "EXTRACTOR_VERSION",
    "QUEUE_THRESHOLD",
    "THRESHOLD",
    "ExtractionResult",
    "Figure",
    "RemovedBlock",
    "Sentence",
    "detect_language",
    "extract",
    "line_key",
    "looks_binary",
    "score_sentences",
]

EXTRACTOR_VERSION = "1.12.0"

#: A sentence with article context scored at or above this enters the review queue. Chosen on
#: the news development set (``python -m claims.extraction.newsdev``, labels by GUIDELINES.md):
#: the highest threshold at which the queue keeps at least 90 % of the sentences labelled
#: check-worthy (0.61), raised to the lowest at which the seed articles queue at most 60 % of
#: their sentences without losing a gold claim (MODEL.md). :data:`THRESHOLD` is the
#: debate-tuned one for sentences on their own.
QUEUE_THRESHOLD = 0.64

#: Sentences with fewer words are never check-worthy (headlines' fragments, datelines).
MIN_CLAIM_WORDS = 5
#: A line shorter than this without a full stop is a headline or a label, never a claim.
HEADLINE_WORDS = 15
#: Check-worthy sentences filed as claims per article; the rest stay plain sentences. Each
#: claim costs a similarity search and database rows when filed; news articles have a few
#: dozen (the seeds: 24 on average), a 2 MB dump of sentences could have 20,000.
MAX_CLAIMS_PER_ARTICLE = 500
_SENTENCE_END = frozenset(".!?…\"”’')")
_SUPPORTED = frozenset({"en"})


def extract(
    body: str,
    fmt: str = "text",
    *,
    outlet_lines: Collection[str] = (),
    second_stage: bool = True,
    queue_threshold: float = QUEUE_THRESHOLD,
) -> ExtractionResult:
    """Extract every sentence of an article with its check-worthiness, kind, speaker and figures.

    ``fmt`` is "text" or "html". Empty input and binary junk fail with a
    readable reason; text in a language other than English is "done" with no
    sentences and reason "language xx is not supported". ``second_stage=False``
    scores with the linear model alone (the fast path of the cascade);
    ``queue_threshold`` is for measuring the queue at other thresholds.
    """
    if body is None or not str(body).strip():
        return _failed("", "empty text")
    if fmt not in ("text", "html"):
        return _failed("", f"unknown format {fmt!r} (expected 'text' or 'html')")
    if looks_binary(body):
        return _failed("", "input looks like binary data, not text")

    notes: list[str] = []
    try:
        text, removed = clean(body, fmt, outlet_lines, notes)
    except HtmlRefused as exc:
        return _failed("", str(exc))
    if not text.strip():
        reason = "no article text left after removing boilerplate" if removed else "empty text"
        return ExtractionResult(
            text=text, version=EXTRACTOR_VERSION, status="failed", reason=reason, removed=removed
        )

    language = detect_language(text)
    if language not in _SUPPORTED:
        return ExtractionResult(
            text=text,
            version=EXTRACTOR_VERSION,
            status="done",
            reason="; ".join([*notes, f"language {language} is not supported"]),
            language=language,
            removed=removed,
        )

    spans = split_spans(text)
    texts = [text[s:e] for s, e in spans]
    tokens = [tokenize(t) for t in texts]
    logits, _ = checkworthiness_logits(texts, tokens, second_stage=second_stage, cap=MAX_SECOND_STAGE)
    attributor = Attributor(text, spans, [tk.lowset for tk in tokens])
    speakers, sources = attributor.speakers()
    quotes = attributor.in_quote()

    sentences: list[Sentence] = []
    logit_list = logits.tolist()
    for k, (s, e) in enumerate(spans):
        sent = texts[k]
        ann = annotate(sent, speakers[k], sources[k], quotes[k], tokens[k])
        score = sigmoid(logit_list[k] + ann.context_cue)
        n_words = len(sent.split())
        headline = n_words < HEADLINE_WORDS and sent[-1] not in _SENTENCE_END
        worthy = score >= queue_threshold and n_words >= MIN_CLAIM_WORDS and not headline
        reasons = ann.reasons
        if worthy and ann.hold:
            worthy = False
            reasons = (*reasons, f"kept out of the queue: {ann.hold}")
        sentences.append(
            Sentence(
                start=s,
                end=e,
                text=sent,
                score=round(score, 4),
                check_worthy=worthy,
                kind=ann.kind,
                speaker=speakers[k],
                reasons=reasons,
                figures=ann.figures,
            )
        )
    note = _cap_claims(sentences)
    if note:
        notes.append(note)
    result = ExtractionResult(
        text=text,
        version=EXTRACTOR_VERSION,
        language=language,
        sentences=sentences,
        removed=removed,
    )
    if not result.claims:
        notes.append("no check-worthy sentences found")
    result.reason = "; ".join(notes)
    return result


def _cap_claims(sentences: list[Sentence]) -> str:
    """Keep the ``MAX_CLAIMS_PER_ARTICLE`` highest-scoring claims, earlier first on a tie.

    The others stay as sentences, marked not check-worthy; the note says so.
    """
    worthy = [k for k, s in enumerate(sentences) if s.check_worthy]
    if len(worthy) <= MAX_CLAIMS_PER_ARTICLE:
        return ""
    worthy.sort(key=lambda k: (-sentences[k].score, k))
    for k in worthy[MAX_CLAIMS_PER_ARTICLE:]:
        s = sentences[k]
        sentences[k] = dataclasses.replace(
            s, check_worthy=False, reasons=(*s.reasons, "not filed: over the claim limit of the article")
        )
    return (
        f"{MAX_CLAIMS_PER_ARTICLE} of {len(worthy):,} check-worthy sentences filed as claims "
        "(the highest scores); the rest are kept as sentences"
    )


def _failed(text: str, reason: str) -> ExtractionResult:
    return ExtractionResult(text=text, version=EXTRACTOR_VERSION, status="failed", reason=reason)
