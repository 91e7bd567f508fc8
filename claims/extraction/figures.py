"""Find and normalise the figures in a sentence: the one figure parser.

Extraction stores these figures on a claim, and matching compares them
(``claims.similarity.figure_keys``) to decide that claims with different
numbers are never merged. Both read a sentence through :func:`parse_figures`
(or :func:`find_figures`, its fast path for the extractor), so a figure the
extractor records is exactly the figure the matcher compares.

Handles money with currency and scale ("$245 billion", "240bn dollars",
"€5 mn", "5 bln rubles" -> value and ISO code), percentages and percentage
points ("4.5 percent" == "4.5%", "2pp"), ranges ("10-15%", "between 3 and 5
million"), years, dates ("May 9"), ordinals ("11th"), approximate counts
("more than 20", "some 2,000 soldiers"), compound counts ("7,000-word",
"four-day") and cheap written numbers ("two dozen" -> 24, "one hundred
million", "five percent", "two trillion dollars", "tens of thousands").

One regular expression with bounded repetitions does the scan, so the cost is
linear in the sentence length.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from .types import Figure


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
# "bln" and "trn" are the wire services' abbreviations (Reuters, Interfax); "tr" is left out, it is
# more often a typo or a unit than a trillion.
_SCALES = {
    "hundred": 1e2, "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "bln": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "trn": 1e12,
}  # fmt: skip
_CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "CNY", "₽": "RUB", "₹": "INR"}
_CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "usd": "USD", "euro": "EUR", "euros": "EUR", "eur": "EUR",
    "pound": "GBP", "pounds": "GBP", "gbp": "GBP", "yuan": "CNY", "renminbi": "CNY", "cny": "CNY",
    "ruble": "RUB", "rubles": "RUB", "rouble": "RUB", "roubles": "RUB", "rub": "RUB", "yen": "JPY",
    "jpy": "JPY", "rupee": "INR", "rupees": "INR", "won": "KRW", "franc": "CHF", "francs": "CHF",
}  # fmt: skip
#: Every currency code a money figure can carry as its unit.
CURRENCY_CODES = frozenset(_CURRENCY_SYMBOLS.values()) | frozenset(_CURRENCY_WORDS.values())
#: The unit of a change in percentage points; claims stored by an earlier parser spell it "pp".
PERCENTAGE_POINTS = "percentage points"
_POINTS_UNITS = frozenset({PERCENTAGE_POINTS, "pp"})
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
_SCALE_ALT = r"hundred|thousand|million|billion|trillion|mln|mn|bln|bn|trn|tn|k|m|b"
_BIG_SCALE_ALT = r"thousand|million|billion|trillion"
_PCT_ALT = r"%|per\s?cent\b|percentage\s+points?\b|pp\b|pc\b"
_QUAL_ALT = "|".join(sorted((re.escape(q) for q in _QUALIFIERS), key=len, reverse=True))

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_FIG_RE = re.compile(
    rf"(?:(?P<qual>\b(?:{_QUAL_ALT}))\s+)?"
    rf"(?:(?P<between>\bbetween)\s+)?"
    r"(?:"
    # numeric: optional currency, number, optional range, optional scale, optional unit
    # the number is atomic: "48.8C" is 48.8 or nothing, never 48
    rf"(?P<cur>(?:US\$|[$€£¥₽₹])\s?|\b(?:USD|EUR|GBP|CNY|RUB|JPY)\s?)?(?<![\w.,])(?P<num>(?>{_NUM}))"
    rf"(?P<range>\s*(?:-|–|—|to|and)\s*(?:[$€£¥]\s?)?(?P<num2>{_NUM}))?"
    # a hyphen before a spelled-out scale too: "a $5-billion deal" is five billion, not five
    rf"(?:(?:\s|-(?=(?:{_BIG_SCALE_ALT})\b))?(?P<scale>(?:{_SCALE_ALT}))\b)?"
    # "2pp" and "10x" glue a unit to the digits, so no word boundary there ("10x" reads as 10, as
    # "ten times" does)
    r"(?:(?P<ord>st|nd|rd|th)\b|(?=(?:pp|pc|x|c|f|t|kg|km|cm|mm|mg|ml|gb|tb|ghz|kw|mw|gw|kwh|mwh|gwh|mph)\b)|\b)"
    rf"(?:\s*(?P<pct>{_PCT_ALT}))?"
    r"(?:(?P<hyph>-)(?P<hunit>[a-z]+))?"
    r"|"
    # written: "two dozen", "one hundred million", "tens of thousands", "four-day", "twenty",
    # and "hundred" alone only before a larger scale or percent ("a hundred million")
    rf"(?P<wnum>\b(?:{_NUMWORD})(?:[- ](?:{_NUMWORD}))?|\bhundred(?=\s+(?:{_BIG_SCALE_ALT}|per\s?cent)\b))"
    rf"(?:\s+(?P<wscale>(?:dozen|hundred|{_BIG_SCALE_ALT})(?:\s+(?:{_BIG_SCALE_ALT}))?)s?)?"
    rf"(?:\s*(?P<wpct>{_PCT_ALT}))?"
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
# Years from 1500 (history claims) to 2100 (climate targets: "by 2100").
_YEAR_LIKE = re.compile(r"^(?:1[5-9]\d\d|20\d\d|2100)$")
# A currency word that is also a common verb: "in 2016 won the vote" is no sum of money.
_VERB_CURRENCIES = frozenset({"won"})


def _to_float(num: str) -> float:
    return float(num.replace(",", ""))


def _written(words: str) -> float | None:
    parts = re.split(r"[- ]", words.lower())
    if parts == ["hundred"]:
        return 100.0
    total = 0
    for p in parts:
        if p not in _UNITS:
            return None
        total += _UNITS[p]
    return float(total)


def _pct_unit(pct: str) -> str:
    low = pct.lower()
    return PERCENTAGE_POINTS if "point" in low or low == "pp" else "%"


def _currency_after(sentence: str, end: int, *, large: bool) -> tuple[str, int] | None:
    """The currency word right after a number ("500 million yuan", "240bn US dollars"), with its end.

    ``large``: the number has a scale word or thousands separators. Only then is
    "won" a currency: sums in won are large, while "in 2016 won" and "the 12 won"
    are the verb.
    """
    after = _CURRENCY_AFTER_RE.match(sentence, end)
    if not after:
        return None
    word = after.group(1).lower()
    if word not in _CURRENCY_WORDS or (word in _VERB_CURRENCIES and not large):
        return None
    return _CURRENCY_WORDS[word], after.end()


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
_WRITTEN_WORDS = frozenset(_UNITS) | {"dozen", "dozens", "tens", "hundred", "hundreds"}
_LOWER_WORD_RE = re.compile(r"[a-z]+")


_QUAL_LAST = frozenset(w.split()[-1] for w in _QUALIFIERS) | {
    "between", "usd", "eur", "gbp", "cny", "rub", "jpy",
}  # fmt: skip
_CURRENCY_CHARS = frozenset("$€£¥₽₹")


# "mid-2020", "pre-1990 levels", "over-65s", "minus-1,300": a prefix that qualifies the number, not a
# name. Every other word joined by a hyphen makes a name ("AR-15", "I-40", "WD-40"), which the
# extractor used to count and the matcher used to skip; skipping is right for both.
_HYPHEN_PREFIXES = frozenset({"mid", "pre", "post", "early", "late", "over", "under", "top", "minus", "plus"})
_WORD_BEFORE_HYPHEN_RE = re.compile(r"([^\W\d_]+)-$")


def _named_by_hyphen(sentence: str, p: int) -> bool:
    """ "COVID-19", "F-35", "Su-57": a number joined to a word by a hyphen is part of a name."""
    if p < 2 or sentence[p - 1] != "-" or not sentence[p - 2].isalpha():
        return False
    m = _WORD_BEFORE_HYPHEN_RE.search(sentence, max(0, p - 12), p)
    return not (m and m.group(1).lower() in _HYPHEN_PREFIXES)


def _slashed(sentence: str, p: int, end: int) -> bool:
    """ "9/11", "24/7", "3/15/2020", "/2020/05/", "(1/2)": numbers joined by slashes name a date, a path
    or a thread's part; read as two figures they would make a claim disagree with its own repeat."""
    return (p > 0 and sentence[p - 1] == "/") or (
        sentence[end : end + 1] == "/" and sentence[end + 1 : end + 2].isdigit()
    )


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
        if p < consumed or (p > 0 and sentence[p - 1] in ".,:_") or (p > 0 and sentence[p - 1].isalpha()):
            continue
        if _slashed(sentence, p, d.end()) or _named_by_hyphen(sentence, p):
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
        return _written_figure(sentence, m, qual, text_start)

    num = m.group("num")
    value = _to_float(num)
    scale_word = (m.group("scale") or "").lower()
    cur = (m.group("cur") or "").strip()
    # a single-letter scale (m, b, k) only counts with money: "$5m", "2.5m euros", never "5 m"
    if (
        scale_word in ("m", "b", "k")
        and not cur
        and not _currency_after(sentence, m.end("scale"), large=False)  # "her 100m won her a place"
    ):
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
        kind, unit = "percent", _pct_unit(m.group("pct"))
        end = m.end("pct")
    elif cur:
        kind, unit = "money", _CURRENCY_SYMBOLS.get(cur.lower(), cur.upper())
    else:
        money = _currency_after(sentence, end, large=bool(scale_word) or "," in num)
        if money:
            kind, unit, end = "money", money[0], money[1]
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


def _written_figure(sentence: str, m: re.Match[str], qual: str, text_start: int) -> Figure | None:
    """A figure in words: "two dozen", "one hundred million", "five percent", "two million dollars"."""
    value = _written(m.group("wnum"))
    if value is None:
        return None
    scales = (m.group("wscale") or "").lower().split()
    for word in scales:
        value *= 12 if word == "dozen" else _SCALES[word]
    end = m.end()
    if m.group("wpct"):
        text = sentence[text_start:end].strip()
        return Figure(kind="percent", value=value, text=text, unit=_pct_unit(m.group("wpct")), qualifier=qual)
    kind, unit = "count", m.group("wunit") or ""
    if not unit:
        money = _currency_after(sentence, end, large=bool(scales))
        if money:
            kind, unit, end = "money", money[0], money[1]
        elif not scales and value < 10 and not qual:
            # bare small number words ("one of", "two leaders") are figures only with a scale or a unit
            return None
        else:
            unit = _unit_after(sentence, end)
    return Figure(kind=kind, value=value, text=sentence[text_start:end].strip(), unit=unit, qualifier=qual)


def parse_figures(text: str) -> list[Figure]:
    """All figures in ``text`` in reading order; ``as_dict()`` gives the shape ``Claim.figures`` stores.

    The entry point for callers outside the extractor (matching, imports,
    splits): the same figures the extractor finds in the same sentence.
    """
    return find_figures(text)


def figure_class(figure: Mapping[str, Any]) -> str:
    """What a figure measures, so that only like is compared with like.

    "money:USD" (per currency), "percent", "percent:pp" (percentage points),
    "year", or "number" for counts, dates, ordinals and bare numbers. A range
    measures what its unit says ("10-15%" is percent, "$3-5 billion" money).
    Takes the stored dict form, old spellings included ("pp").
    """
    kind = str(figure.get("kind") or "number")
    unit = str(figure.get("unit") or "")
    if kind == "range" and (unit == "%" or unit in _POINTS_UNITS):
        kind = "percent"
    elif kind == "range" and unit in CURRENCY_CODES:
        kind = "money"
    if kind == "money":
        return f"money:{unit.upper()}"
    if kind == "percent":
        return "percent:pp" if unit in _POINTS_UNITS else "percent"
    if kind == "year":
        return "year"
    # A date ("May 9") and an ordinal ("11th") stay plain numbers, as matching always compared them:
    # a class of their own would make every claim indexed before it disagree with its own repeat.
    return "number"


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
