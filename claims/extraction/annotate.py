"""Kind of claim, readable reasons and a rule-based factuality cue for one sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .features import Tokens, cap_spans, tokenize
from .figures import describe, find_figures
from .types import ClaimKind, Figure


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_SUPERLATIVES = _words(
    "largest biggest highest lowest smallest greatest longest shortest oldest newest richest poorest "
    "strongest weakest fastest slowest harshest closest widest deepest hottest coldest youngest toughest "
    "cheapest fewest best worst first only record unprecedented top most least"
)
_NOT_SUPERLATIVE = _words("most_of most_people least_one most_likely first_time most_recently at_least")
_NOT_IEST = _words("easiest earliest")
_THAN_OK = _words("more less fewer")
_NOT_THAN = _words("other rather never after further later whether either neither")
_CHANGE_VERBS = _words(
    "rose risen fell fallen grew grown dropped jumped surged plunged declined increased decreased doubled "
    "tripled halved soared slumped"
)
_PREDICT_WORDS = _words("will shall won't forecast forecasts predicts predicted expects")
_PREDICT_BEFORE_TO = _words("expected likely set going projected plans plan intends aims poised")
_EVENT_WORDS = _words(
    "met meet meets signed held holds announced launched began begun started agreed pledged released visited "
    "killed attacked invaded arrested elected appointed resigned approved passed voted imposed banned sent "
    "sending landed arrived attended died opened closed declared designated reached hit published proposed "
    "sanctioned seized struck fired won lost discussed confirmed reported criticized criticised refused "
    "accused provided deployed"
)
_TIME_WORDS = _words(
    "monday tuesday wednesday thursday friday saturday sunday yesterday today january february march april "
    "may june july august september october november december"
)
_OPINION_PHRASES = (
    " i think ",
    " i believe ",
    " i feel ",
    " in my view ",
    " in my opinion ",
    " we must ",
    " we need to ",
    " should ",
    " ought to ",
    " let's ",
    " hopefully ",
    " i hope ",
    " thank you ",
)
_OPINION_FIRST = frozenset({"i", "my", "we", "should", "ought", "let's", "hopefully", "thank"})
_QUOTE_WORDS_RE = re.compile(r"[“\"]([^”\"]{12,})[”\"]?")

_DIGIT_RE = re.compile(r"\d")
#: Forecast words that make a sentence a prediction; "will" alone also reports plans and schedules.
_HEDGED = frozenset({"predicts", "predicted", "expects"})
_HEDGED_BEFORE_TO = frozenset({"expected", "likely", "projected", "poised", "going"})
_PROCEDURAL_START = (
    "they include",
    "these include",
    "those include",
    "among them",
    "here is",
    "here's",
    "here are",
    "read more",
    "click ",
    "sign up",
    "subscribe",
    "follow us",
)
_PROCEDURAL_PHRASES = (
    " declined to comment ",
    " did not respond to ",
    " did not immediately respond ",
    " could not be reached ",
    " no details were provided ",
    " thank you ",
)
_REPORTING = _words(
    "said says suggested suggests urged urges told proposed proposes demanded demands recommended "
    "insisted insists called calls argued warned"
)
_CHECKABLE_KINDS = frozenset({"money", "percent", "count", "range", "number", "year", "date"})
STAT_KINDS = frozenset({"money", "percent", "count", "range", "number"})


@dataclass(slots=True)
class Annotation:
    kind: ClaimKind
    reasons: tuple[str, ...]
    figures: tuple[Figure, ...]
    context_cue: float  # logit shift from article context (named speaker, quotation, cited source)
    hold: str = ""  # why the sentence stays out of the review queue whatever its score ("" = it may enter)


@dataclass(slots=True)
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


def _superlative(low: list[str], lowset: frozenset[str], joined: str) -> str:
    if _SUPERLATIVES.isdisjoint(lowset) and "iest " not in joined:
        return ""
    for k, t in enumerate(low):
        nxt = low[k + 1] if k + 1 < len(low) else ""
        prev = low[k - 1] if k else ""
        if t in _SUPERLATIVES or (t.endswith("iest") and len(t) > 5 and t not in _NOT_IEST):
            if f"{t}_{nxt}" in _NOT_SUPERLATIVE or f"{prev}_{t}" in _NOT_SUPERLATIVE:
                continue
            if t in ("most", "least"):
                if not nxt.isalpha():
                    continue
                return f"{t} {nxt}"
            return t
    return ""


def _comparative(low: list[str], lowset: frozenset[str]) -> str:
    if "than" in lowset:
        for k in range(1, len(low)):
            if low[k] == "than":
                x = low[k - 1]
                if x in _THAN_OK or (len(x) >= 4 and x.endswith("er") and x not in _NOT_THAN):
                    return f"{x} than"
    if "compared" in lowset:
        for k in range(len(low) - 1):
            if low[k] == "compared" and low[k + 1] in ("with", "to"):
                return f"compared {low[k + 1]}"
    if "twice" in lowset and " twice as " in " ".join(low):
        return "twice as"
    for k, t in enumerate(low):
        if (
            t in ("up", "down")
            and k + 2 < len(low)
            and low[k + 1][0].isdigit()
            and low[k + 2] in ("%", "percent")
        ):
            return f"{t} {low[k + 1]}{low[k + 2] if low[k + 2] == '%' else ' percent'}"
    if not _CHANGE_VERBS.isdisjoint(lowset):
        return next(t for t in low if t in _CHANGE_VERBS)
    return ""


def _prediction(low: list[str], lowset: frozenset[str]) -> str:
    hit = lowset & _PREDICT_WORDS
    if hit:
        return next(t for t in low if t in hit)
    if "to" in lowset and not _PREDICT_BEFORE_TO.isdisjoint(lowset):
        for k in range(len(low) - 1):
            if low[k] in _PREDICT_BEFORE_TO and low[k + 1] == "to":
                return f"{low[k]} to"
    return ""


def _signals(text: str, tokens: Tokens | None = None) -> _Signals:
    tk = tokens if tokens is not None else tokenize(text)
    low, ls = tk.low, tk.lowset
    # short texts count any digit character (superscripts too), longer ones decimal digits
    digits = tk.digits or (len(text) < 64 and not text.isascii() and _has_digit(text))
    figures = tuple(find_figures(text, ls, digits)) if (digits or not _NUMBER_HINTS.isdisjoint(ls)) else ()
    event = "" if _EVENT_WORDS.isdisjoint(ls) else next(t for t in low if t in _EVENT_WORDS)
    if not event and " took part " in tk.joined:
        event = "took part"
    opinion = ""
    if not _OPINION_FIRST.isdisjoint(ls):
        opinion = next((p.strip() for p in _OPINION_PHRASES if p in tk.joined), "")
    timed = (
        not _TIME_WORDS.isdisjoint(ls)
        or any(f.kind in ("year", "date") for f in figures)
        or any(
            p in tk.joined
            for p in (" last week ", " last month ", " last year ", " this year ", " this week ")
        )
    )
    return _Signals(
        figures=figures,
        stat=any(f.kind in STAT_KINDS for f in figures),
        superlative=_superlative(low, ls, tk.joined),
        comparative=_comparative(low, ls),
        prediction=_prediction(low, ls),
        event=event,
        timed=timed,
        opinion=opinion,
        names=cap_spans(tk),
        question=text.rstrip().endswith("?"),
    )


_NUMBER_HINTS = _words(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety dozen dozens tens "
    "hundreds"
)


def _has_digit(text: str) -> bool:
    if len(text) < 64 and not text.isascii():
        return any(c.isdigit() for c in text)
    return bool(_DIGIT_RE.search(text))  # ASCII: str.isdigit() and \d agree


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


def _starts_with_phrase(low: str, phrases: tuple[str, ...]) -> bool:
    """``low`` opens with one of ``phrases`` as whole words ("subscribe to", not "subscribers")."""
    return any(
        low.startswith(p) and (not p[-1].isalnum() or not low[len(p) : len(p) + 1].isalnum()) for p in phrases
    )


def _hold(text: str, sig: _Signals, tk: Tokens) -> str:
    """Why a sentence stays out of the queue: a question, a protocol line, an opinion, a forecast.

    GUIDELINES.md has the rules; a figure, a date or a superlative keeps an opinion or a
    forecast checkable, so those stay eligible.
    """
    if sig.question:
        return "question"
    low = text.lstrip("“\"'‘ ").lower()
    if _starts_with_phrase(low, _PROCEDURAL_START) or (text.rstrip().endswith(":") and len(tk.low) < 12):
        return "procedural"
    if any(p in tk.joined for p in _PROCEDURAL_PHRASES):
        return "procedural"
    checkable = any(f.kind in _CHECKABLE_KINDS for f in sig.figures) or bool(sig.superlative)
    # "Putin suggested Slovakia should cut off supplies" reports a proposal: that is news
    # and "should have done" a duty that was not done
    reported = sig.opinion in ("should", "ought to") and (
        not _REPORTING.isdisjoint(tk.lowset) or " should have " in tk.joined
    )
    if sig.opinion and not checkable and not reported:
        return "opinion"
    hedged = not _HEDGED.isdisjoint(tk.lowset) or any(
        a in _HEDGED_BEFORE_TO and b == "to" for a, b in zip(tk.low, tk.low[1:], strict=False)
    )
    if hedged and not checkable:
        return "prediction without a measurable figure"
    return ""


def text_cue(text: str, tokens: Tokens | None = None) -> float:
    """Rule-based factuality cue of a sentence on its own, roughly in [-0.7, 1.1].

    Figures, superlatives/comparatives, dated events and named entities push
    it up; opinion markers ("I think", "we must") and questions push it down.
    The scorer adds it, weighted, to the model's logit.
    """
    return _text_cue(_signals(text, tokens))


#: Logit shift for a sentence attributed to a named person / that is a direct quotation of one.
SPEAKER_CUE = 0.0
QUOTED_SPEAKER_CUE = 0.0
SOURCE_CUE = 0.15


def annotate(
    text: str, speaker: str, sources: list[str], in_quote: bool, tokens: Tokens | None = None
) -> Annotation:
    """Kind, readable reasons, figures and context cue of one sentence.

    ``in_quote``: the sentence is (part of) a direct quotation.
    """
    tk = tokens if tokens is not None else tokenize(text)
    sig = _signals(text, tk)
    figures = sig.figures
    stat = sig.stat
    quoted = in_quote or (("“" in text or '"' in text) and bool(_QUOTE_WORDS_RE.search(text)))
    reasons: list[str] = [describe(f) for f in figures]
    if speaker:
        reasons.append(f"attributed to {speaker}")
    reasons.extend(s if s.startswith("citing ") else f"source: {s}" for s in sources)
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
    return Annotation(
        kind=kind, reasons=tuple(reasons), figures=figures, context_cue=context, hold=_hold(text, sig, tk)
    )
