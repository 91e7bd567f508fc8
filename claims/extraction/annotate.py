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
    cue: float  # rule-based factuality cue in [0, 1]


def _first(regex: re.Pattern[str], text: str, exclude: frozenset[str]) -> str:
    for m in regex.finditer(text):
        word = m.group(0)
        if word.lower() not in exclude:
            return word
    return ""


def annotate(text: str, speaker: str, sources: list[str], in_quote: bool) -> Annotation:
    """Kind, reasons and cue of one sentence.

    ``in_quote``: the sentence is (part of) a direct quotation.
    """
    figures = tuple(find_figures(text))
    reasons: list[str] = [describe(f) for f in figures]
    stat = any(f.kind in STAT_KINDS for f in figures)
    superlative = _first(_SUPERLATIVE_RE, text, _NOT_SUPERLATIVE)
    comparative = _first(_COMPARATIVE_RE, text, _NOT_COMPARATIVE)
    prediction = _PREDICTION_RE.search(text)
    event = _EVENT_RE.search(text)
    timed = _TIME_RE.search(text)
    opinion = _OPINION_RE.search(text)
    quoted = in_quote or bool(_QUOTE_WORDS_RE.search(text))
    names = _CAP_SPAN_RE.findall(text)

    if speaker:
        reasons.append(f"attributed to {speaker}")
    reasons.extend(f"source: {s}" for s in sources)
    if superlative:
        reasons.append(f"superlative: {superlative.lower()}")
    approx = comparative.lower().startswith(("more than", "less than", "fewer than"))
    if comparative and not (approx and stat):
        reasons.append(f"comparative: {comparative.lower()}")
    if quoted:
        reasons.append("direct quote")
    if prediction:
        reasons.append(f"prediction: {prediction.group(0).lower()}")
    if event and (timed or names):
        reasons.append(f"event: {event.group(0).lower()}")
    if opinion:
        reasons.append(f"opinion marker: {opinion.group(0).lower()}")

    kind: ClaimKind
    if stat:
        kind = "statistic"
    elif quoted:
        kind = "quote"
    elif superlative or comparative:
        kind = "comparison"
    elif prediction:
        kind = "prediction"
    elif event or timed:
        kind = "event"
    else:
        kind = "other"

    cue = 0.0
    if stat:
        cue += 0.45
    elif figures:
        cue += 0.2
    if superlative or comparative:
        cue += 0.2
    if event and (timed or names):
        cue += 0.25
    if speaker or sources:
        cue += 0.15
    if names:
        cue += 0.1 * min(len(names), 2)
    if opinion:
        cue -= 0.3
    if text.rstrip().endswith("?"):
        cue -= 0.4
    return Annotation(kind=kind, reasons=tuple(reasons), figures=figures, cue=max(0.0, min(1.0, cue)))
