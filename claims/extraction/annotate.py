"""Kind of claim, readable reasons and a rule-based factuality cue for one sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .figures import describe, find_figures
from .types import ClaimKind, Figure

_SUPERLATIVE_RE = re.compile(
    r"\b(?:largest|biggest|highest|lowest|smallest|greatest|longest|shortest|oldest|newest|richest|poorest|"
    r"strongest|weakest|fastest|slowest|harshest|closest|widest|deepest|hottest|coldest|youngest|toughest|"
    r"cheapest|fewest|best|worst|[a-z]{3,}iest|first|only|record|unprecedented|most \w+|least \w+|top)\b",
    re.IGNORECASE,
)
_NOT_SUPERLATIVE = frozenset({"most of", "most people", "least one", "most likely", "first time"})
_COMPARATIVE_RE = re.compile(
    r"\b(?:(?:more|less|fewer|[a-z]{2,}er) than|compared (?:with|to)|twice as|double[ds]?|tripled|"
    r"(?:up|down) \d[\d.,]*\s?(?:%|percent|per cent)|(?:rose|fell|grew|dropped|jumped|surged|plunged|"
    r"declined|increased|decreased) (?:by|to)?)",
    re.IGNORECASE,
)
_NOT_COMPARATIVE = frozenset({"other than", "rather than", "never than", "after than", "further than"})
_PREDICTION_RE = re.compile(
    r"\b(?:will|won['’]t|shall|(?:is|are|was|were) expected to|expects?|forecasts?|predicts?|projected to|"
    r"(?:is|are) set to|(?:is|are) likely to|(?:is|are) going to|plans? to|intends? to|aims? to|by 20\d\d)\b",
    re.IGNORECASE,
)
_EVENT_RE = re.compile(
    r"\b(?:met|meet|meets|signed|held|holds|announced|launched|began|begun|started|agreed|pledged|released|"
    r"visited|killed|attacked|invaded|arrested|elected|appointed|resigned|approved|passed|voted|imposed|"
    r"banned|sent|sending|landed|arrived|attended|died|opened|closed|declared|designated|reached|hit|"
    r"published|proposed|sanctioned|seized|launched|struck|fired|won|lost|took part|discussed|confirmed|"
    r"reported|criticized|criticised|refused|accused|provided|deployed)\b",
    re.IGNORECASE,
)
_TIME_RE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last (?:week|month|year)|"
    r"this (?:week|month|year)|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_OPINION_RE = re.compile(
    r"\b(?:i think|i believe|i feel|in my (?:view|opinion)|we must|we need to|should|ought to|let['’]s|"
    r"hopefully|i hope|thank you)\b",
    re.IGNORECASE,
)
_QUOTE_WORDS_RE = re.compile(r"[“\"]([^”\"]{12,})[”\"]?")
_CAP_SPAN_RE = re.compile(r"(?<=[a-z,;:’'] )[A-Z][\w’'-]+(?: (?:of |de )?[A-Z][\w’'-]+)*")

STAT_KINDS = frozenset({"money", "percent", "count", "range", "number"})


@dataclass(frozen=True)
class Annotation:
    kind: ClaimKind
    reasons: tuple[str, ...]
    figures: tuple[Figure, ...]
    context_cue: float  # logit shift from article context (named speaker, quotation, cited source)


@dataclass(frozen=True)
class _Signals:
    figures: tuple[Figure, ...]
    stat: bool
    superlative: str
    comparative: str
    prediction: str
    event: str
    timed: bool
    opinion: str
    names: int
    question: bool


def _first(regex: re.Pattern[str], text: str, exclude: frozenset[str]) -> str:
    for m in regex.finditer(text):
        word = m.group(0)
        if word.lower() not in exclude:
            return word
    return ""


def _signals(text: str) -> _Signals:
    figures = tuple(find_figures(text))
    prediction = _PREDICTION_RE.search(text)
    event = _EVENT_RE.search(text)
    opinion = _OPINION_RE.search(text)
    return _Signals(
        figures=figures,
        stat=any(f.kind in STAT_KINDS for f in figures),
        superlative=_first(_SUPERLATIVE_RE, text, _NOT_SUPERLATIVE),
        comparative=_first(_COMPARATIVE_RE, text, _NOT_COMPARATIVE),
        prediction=prediction.group(0) if prediction else "",
        event=event.group(0) if event else "",
        timed=bool(_TIME_RE.search(text)),
        opinion=opinion.group(0) if opinion else "",
        names=len(_CAP_SPAN_RE.findall(text)),
        question=text.rstrip().endswith("?"),
    )


def _text_cue(sig: _Signals) -> float:
    cue = 0.0
    if sig.stat:
        cue += 0.45
    elif sig.figures:
        cue += 0.2
    if sig.superlative or sig.comparative:
        cue += 0.2
    if sig.event and (sig.timed or sig.names):
        cue += 0.25
    cue += 0.1 * min(sig.names, 2)
    if sig.opinion:
        cue -= 0.3
    if sig.question:
        cue -= 0.4
    return cue


def text_cue(text: str) -> float:
    """Rule-based factuality cue of a sentence on its own, roughly in [-0.7, 1.1].

    Figures, superlatives/comparatives, dated events and named entities push
    it up; opinion markers ("I think", "we must") and questions push it down.
    The scorer adds it, weighted, to the model's logit.
    """
    return _text_cue(_signals(text))


#: Logit shift for a sentence attributed to a named person / that is a direct quotation of one.
SPEAKER_CUE = 0.6
QUOTED_SPEAKER_CUE = 0.4
SOURCE_CUE = 0.15


def annotate(text: str, speaker: str, sources: list[str], in_quote: bool) -> Annotation:
    """Kind, readable reasons, figures and context cue of one sentence.

    ``in_quote``: the sentence is (part of) a direct quotation.
    """
    sig = _signals(text)
    figures = sig.figures
    stat = sig.stat
    quoted = in_quote or bool(_QUOTE_WORDS_RE.search(text))
    reasons: list[str] = [describe(f) for f in figures]
    if speaker:
        reasons.append(f"attributed to {speaker}")
    reasons.extend(f"source: {s}" for s in sources)
    if sig.superlative:
        reasons.append(f"superlative: {sig.superlative.lower()}")
    approx = sig.comparative.lower().startswith(("more than", "less than", "fewer than"))
    if sig.comparative and not (approx and stat):
        reasons.append(f"comparative: {sig.comparative.lower()}")
    if quoted:
        reasons.append("direct quote")
    if sig.prediction:
        reasons.append(f"prediction: {sig.prediction.lower()}")
    if sig.event and (sig.timed or sig.names):
        reasons.append(f"event: {sig.event.lower()}")
    if sig.opinion:
        reasons.append(f"opinion marker: {sig.opinion.lower()}")

    kind: ClaimKind
    if stat:
        kind = "statistic"
    elif quoted:
        kind = "quote"
    elif sig.superlative or sig.comparative:
        kind = "comparison"
    elif sig.prediction:
        kind = "prediction"
    elif sig.event or sig.timed:
        kind = "event"
    else:
        kind = "other"

    context = 0.0
    if speaker:
        context += SPEAKER_CUE + (QUOTED_SPEAKER_CUE if quoted else 0.0)
    elif sources:
        context += SOURCE_CUE
    return Annotation(kind=kind, reasons=tuple(reasons), figures=figures, context_cue=context)
