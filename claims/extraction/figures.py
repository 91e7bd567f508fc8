"""Find and normalise the figures in a sentence.

Handles money with currency and scale ("$245 billion" -> 245e9 USD),
percentages ("4.5 percent" == "4.5%"), ranges ("10-15%", "between 3 and 5
million"), years, dates ("May 9"), ordinals ("11th"), approximate counts
("more than 20", "some 2,000 soldiers"), compound counts ("7,000-word",
"four-day") and cheap written numbers ("two dozen" -> 24, "tens of thousands").

One regular expression with bounded repetitions does the scan, so the cost is
linear in the sentence length.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .types import Figure


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {
    "hundred": 1e2, "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "tr": 1e12,
}  # fmt: skip
_CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "CNY", "₽": "RUB", "₹": "INR"}
_CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "usd": "USD", "euro": "EUR", "euros": "EUR", "eur": "EUR",
    "pound": "GBP", "pounds": "GBP", "gbp": "GBP", "yuan": "CNY", "renminbi": "CNY", "cny": "CNY",
    "ruble": "RUB", "rubles": "RUB", "rouble": "RUB", "roubles": "RUB", "rub": "RUB", "yen": "JPY",
    "jpy": "JPY", "rupee": "INR", "rupees": "INR", "won": "KRW", "francs": "CHF",
}  # fmt: skip
_QUALIFIERS = {
    "more than": "more than", "over": "more than", "above": "more than", "upwards of": "more than",
    "at least": "at least", "less than": "less than", "fewer than": "less than", "under": "less than",
    "below": "less than", "up to": "up to", "as many as": "up to", "as much as": "up to",
    "about": "about", "around": "about", "some": "about", "roughly": "about", "approximately": "about",
    "nearly": "nearly", "almost": "nearly", "close to": "nearly", "an estimated": "about",
    "at most": "at most", "no more than": "at most", "just over": "more than", "just under": "less than",
}  # fmt: skip
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_NUMWORD = "|".join(sorted(_UNITS, key=len, reverse=True))
_SCALE_ALT = r"hundred|thousand|million|billion|trillion|mln|mn|bn|tn|k|m|b"
_QUAL_ALT = "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True))

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_FIG_RE = re.compile(
    rf"(?:(?P<qual>\b(?:{_QUAL_ALT}))\s+)?"
    rf"(?:(?P<between>\bbetween)\s+)?"
    r"(?:"
    # numeric: optional currency, number, optional range, optional scale, optional unit
    rf"(?P<cur>(?:US\$|[$€£¥₽₹])\s?|\b(?:USD|EUR|GBP|CNY|RUB|JPY)\s?)?(?<![\w.,])(?P<num>{_NUM})"
    rf"(?P<range>\s*(?:-|–|—|to|and)\s*(?:[$€£¥]\s?)?(?P<num2>{_NUM}))?"
    rf"(?:\s?(?P<scale>(?:{_SCALE_ALT}))\b)?"
    r"(?P<ord>st|nd|rd|th)?\b"
    r"(?:\s*(?P<pct>%|per\s?cent\b|percentage points?\b))?"
    r"(?:(?P<hyph>-)(?P<hunit>[a-z]+))?"
    r"|"
    # written: "two dozen", "tens of thousands", "four-day", "twenty"
    rf"(?P<wnum>\b(?:{_NUMWORD})(?:[- ](?:{_NUMWORD}))?)"
    r"(?:\s+(?P<wscale>dozen|hundred|thousand|million|billion)s?)?"
    r"(?:(?P<whyph>-)(?P<wunit>[a-z]+))?\b"
    r"|(?P<tens>\b(?:tens|hundreds|dozens) of (?:thousands|millions|billions)?)"
    r")",
    re.IGNORECASE,
)
_DATE_RE = re.compile(rf"\b(?:{_MONTHS})\.? (?P<day>\d{{1,2}})(?!\d|,\d)\b")
_NEXT_WORDS_RE = re.compile(r"\s+((?:[A-Z][\w'’-]*\s+){0,3})([a-z][a-z-]+)")
_CURRENCY_AFTER_RE = re.compile(r"\s*(?:US\s)?([A-Za-z]+)")
_STOP_UNITS = _words(
    "a an the of in on at to for from and or but by with as is are was were be been has have had that "
    "which who this its it their his her than per since until after before when while will would could "
    "should may might can must did does do more less fewer other"
)
_YEAR_LIKE = re.compile(r"^(?:1[5-9]|20)\d\d$")


def _to_float(num: str) -> float:
    return float(num.replace(",", ""))


def _written(words: str) -> float | None:
    parts = re.split(r"[- ]", words.lower())
    total = 0
    for p in parts:
        if p not in _UNITS:
            return None
        total += _UNITS[p]
    return float(total)


def _unit_after(sentence: str, pos: int) -> str:
    m = _NEXT_WORDS_RE.match(sentence, pos)
    if not m:
        return ""
    word = m.group(2).lower()
    if word in _STOP_UNITS or word in _SCALES:
        return ""
    return word


_DIGITS_RE = re.compile(r"\d+")
_PREFIX_RE = re.compile(
    rf"(?:\b(?:{_QUAL_ALT})\s+)?(?:\bbetween\s+)?(?:(?:US\$|[$€£¥₽₹])\s?|\b(?:USD|EUR|GBP|CNY|RUB|JPY)\s?)?$",
    re.IGNORECASE,
)
# "Power of Siberia 2", "Group of 20", "Boeing 737": a bare number that is part of a name
_NAME_BEFORE_RE = re.compile(r"[A-Z][\w-]* (?:of )?$")
_MONTH_BEFORE_RE = re.compile(rf"\b(?:{_MONTHS})\.? $")
# the last character before a number when either pattern above can match
# (" $" also matches before a final newline)
_SPACE_END = (" ", "\n")
_WRITTEN_WORDS = frozenset(_UNITS) | {"dozen", "dozens", "tens", "hundreds"}
_LOWER_WORD_RE = re.compile(r"[a-z]+")


_QUAL_LAST = frozenset(w.split()[-1] for w in _QUALIFIERS) | {
    "between", "usd", "eur", "gbp", "cny", "rub", "jpy",
}  # fmt: skip
_CURRENCY_CHARS = frozenset("$€£¥₽₹")


def _may_have_prefix(sentence: str, window: int, p: int) -> bool:
    """Cheap test: can a qualifier, "between" or a currency stand right before the number at ``p``?"""
    before = sentence[window:p].rstrip()
    if not before:
        return False
    if before[-1] in _CURRENCY_CHARS:
        return True
    last = before.rsplit(None, 1)[-1].lower()
    return last in _QUAL_LAST


def _word_positions(low: str, words: Collection[str]) -> list[int]:
    """Sorted start offsets of whole-word occurrences of ``words`` in the lower-cased ``low``."""
    out: list[int] = []
    n = len(low)
    for w in words:
        i = low.find(w)
        while i >= 0:
            j = i + len(w)
            if (i == 0 or not low[i - 1].isalnum()) and (j >= n or not low[j].isalnum()):
                out.append(i)
            i = low.find(w, j)
    out.sort()
    return out


def find_figures(sentence: str, words: Collection[str] | None = None, digits: bool = True) -> list[Figure]:
    """All figures in ``sentence`` in reading order.

    ``words``: the sentence's lower-case words when the caller has them (saves a pass).
    ``digits``: False when the caller knows the sentence has no digit (skips the digit scan).
    Numbers are located by their digits first; the full pattern is then matched
    only there, so the cost stays linear and small on long sentences.
    """
    out: list[tuple[int, Figure]] = []
    consumed = 0
    n = len(sentence)
    for d in _DIGITS_RE.finditer(sentence) if digits else ():
        p = d.start()
        if p < consumed or (p > 0 and sentence[p - 1] in ".,:") or (p > 0 and sentence[p - 1].isalpha()):
            continue
        if sentence[d.end() : d.end() + 1] == ":" and sentence[d.end() + 1 : d.end() + 2].isdigit():
            consumed = d.end() + 3  # a clock time (5:42), not a figure
            continue
        window = max(0, p - 40)
        if d.end() - p <= 2:
            # the month pattern ends with a space right before the number
            mm = _MONTH_BEFORE_RE.search(sentence, window, p) if sentence[p - 1 : p] in _SPACE_END else None
            if mm and (d.end() >= n or not sentence[d.end()].isdigit()):
                nxt = sentence[d.end() : d.end() + 2]
                if not (nxt[:1] == "," and nxt[1:2].isdigit()):
                    text = sentence[mm.start() : d.end()]
                    out.append(
                        (
                            mm.start(),
                            Figure(kind="date", value=float(d.group(0)), text=text, unit="day of month"),
                        )
                    )
                    consumed = d.end()
                    continue
        pm = _PREFIX_RE.search(sentence, window, p) if _may_have_prefix(sentence, window, p) else None
        m = _FIG_RE.match(sentence, pm.start()) if pm and pm.start() < p else None
        if m is None or m.group("num") is None or m.start("num") != p:
            m = _FIG_RE.match(sentence, p)
        if m is None or m.group("num") is None:
            continue
        consumed = m.end()
        fig = _figure(sentence, m)
        if fig is not None and not (
            fig.kind in ("number", "count")
            and not fig.qualifier
            and fig.high is None
            and sentence[p - 1 : p] in _SPACE_END
            and _NAME_BEFORE_RE.search(sentence, window, p)
        ):
            out.append((m.start(), fig))
    if words is None:
        words = _LOWER_WORD_RE.findall(sentence.lower())
    present = _WRITTEN_WORDS.intersection(words)
    if present:
        consumed = 0
        for p in _word_positions(sentence.lower(), present):
            if p < consumed:
                continue
            pm = _PREFIX_RE.search(sentence, max(0, p - 40), p) if _may_have_prefix(sentence, 0, p) else None
            m = _FIG_RE.match(sentence, pm.start()) if pm and pm.start() < p else None
            if m is None or (m.group("wnum") is None and m.group("tens") is None):
                m = _FIG_RE.match(sentence, p)
            if m is None or (m.group("wnum") is None and m.group("tens") is None):
                continue
            consumed = m.end()
            fig = _figure(sentence, m)
            if fig is not None:
                out.append((m.start(), fig))
    out.sort(key=lambda item: item[0])
    return [f for _, f in out]


def _figure(sentence: str, m: re.Match[str]) -> Figure | None:
    qual = _QUALIFIERS.get((m.group("qual") or "").lower(), "")
    text_start = m.start("qual") if qual else m.start()
    if m.group("tens"):
        phrase = m.group("tens")
        scale = 1e3 if "thousand" in phrase.lower() else 1e6 if "million" in phrase.lower() else 1e9
        low = phrase.lower()
        base = 10.0 if low.startswith("tens") else 100.0 if low.startswith("hundreds") else 12.0
        if not phrase.lower().rstrip().endswith(("thousands", "millions", "billions")):
            scale = 1.0
        unit = _unit_after(sentence, m.end())
        return Figure(
            kind="count", value=base * scale, text=m.group(0).strip(), unit=unit, qualifier=qual or "at least"
        )
    if m.group("wnum"):
        value = _written(m.group("wnum"))
        if value is None:
            return None
        ws = (m.group("wscale") or "").lower()
        if ws == "dozen":
            value *= 12
        elif ws:
            value *= _SCALES[ws]
        unit = m.group("wunit") or ""
        if not unit:
            # bare small number words ("one of", "two leaders") are figures only with a scale or a unit
            if not ws and value < 10 and not qual:
                return None
            unit = _unit_after(sentence, m.end())
        text = sentence[text_start : m.end()].strip()
        return Figure(kind="count", value=value, text=text, unit=unit, qualifier=qual)

    num = m.group("num")
    value = _to_float(num)
    scale_word = (m.group("scale") or "").lower()
    cur = (m.group("cur") or "").strip()
    # a single-letter scale (m, b, k) only counts right after money ("$5m"), never as a word ("5 m")
    if scale_word in ("m", "b", "k") and not cur:
        scale_word = ""
    scale = _SCALES.get(scale_word, 1.0)
    end = m.end("scale") if scale_word else m.end("num")
    high: float | None = None
    if m.group("num2"):
        joiner = m.group("range").strip()[:1].lower()
        if joiner == "a" and not m.group("between"):
            high = None  # "3 and 5" without "between" is a list, not a range
        else:
            high = _to_float(m.group("num2")) * scale
            end = max(end, m.end("num2"))
            if scale_word:
                end = max(end, m.end("scale"))
    unit = ""
    kind = "number"
    if m.group("pct"):
        kind, unit = "percent", "%" if "point" not in m.group("pct").lower() else "percentage points"
        end = m.end("pct")
    elif cur:
        kind, unit = "money", _CURRENCY_SYMBOLS.get(cur.lower(), cur.upper())
    else:
        after = _CURRENCY_AFTER_RE.match(sentence, end)
        if after and after.group(1).lower() in _CURRENCY_WORDS:
            kind, unit = "money", _CURRENCY_WORDS[after.group(1).lower()]
            end = after.end()
    if m.group("ord"):
        text = sentence[m.start("num") : m.end("ord")]
        return Figure(kind="ordinal", value=value, text=text, qualifier=qual)
    if kind == "number":
        if m.group("hunit"):
            unit = m.group("hunit").lower()
            end = m.end("hunit")
            kind = "count"
        elif (
            _YEAR_LIKE.match(num)
            and not scale_word
            and high is None
            and not qual
            and not _unit_after(sentence, end).endswith("s")
        ):
            return Figure(kind="year", value=value, text=num)
        else:
            unit = _unit_after(sentence, end)
            kind = "count" if unit or scale_word else "number"
    if high is not None and kind != "percent" and kind != "money":
        kind = "range" if kind in ("number", "count") else kind
    start = text_start
    if m.group("between") and high is not None and not qual:
        start = m.start("between")
    text = sentence[start:end].strip()
    if high is not None and kind in ("percent", "money", "count", "number"):
        kind = "range"
    return Figure(kind=kind, value=value * scale, text=text, unit=unit, high=high, qualifier=qual)


def describe(fig: Figure) -> str:
    """Short readable label such as "figure: $245 billion" or "percentage: 68%"."""
    return f"{_LABELS.get(fig.kind, 'figure')}: {fig.text}"


_LABELS = {
    "money": "figure",
    "percent": "percentage",
    "count": "figure",
    "year": "year",
    "date": "date",
    "range": "range",
    "ordinal": "ordinal",
    "number": "figure",
}
