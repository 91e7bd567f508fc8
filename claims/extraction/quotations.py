"""Verbatim quotations: where they are in a text, and the form two outlets' copies are compared in.

Two outlets that quote the same words of the same speaker carry the same
claim, however differently the sentence around the quotation reads
('Putin said: "..."' and '"...," the Russian president told reporters'). This
module finds the quoted spans and normalises them; ``claims.quotes`` files a
sentence whose quotation is already known as an appearance of that claim.

Quotation marks: straight ``"``, curly ``“ ”``, low ``„``, guillemets ``« »`` and
``‹ ›``, and single curly ``‘ ’``. Straight quotes and ``’`` have no written
direction, so it is read from their neighbours: a straight quote after a space
opens, one after a word closes; ``’`` between letters is an apostrophe and
never a quotation mark. A quotation left open runs to the end of its paragraph
(news prints a quotation of several paragraphs with an opening mark on each);
a closing mark with no opening one closes a quotation that began at the start
of its paragraph (or after the previous quotation), which is how a sentence
cut out of a longer quotation reads on its own: ``We are not aimed against
anyone,” Putin said.`` Nested quotations belong to the outer one.

A sentence's quotation is the part of a quoted span inside the sentence; the
splitter cuts long quotations into sentences, and each outlet's copy is cut at
the same places.

Normalised form: NFKC, case-folded, letters without accents, ``’`` as ``'``,
the words in order (punctuation and whitespace between them dropped, so
"eased, somewhat" and "eased somewhat" agree), an omission (``...``, ``…``,
``. . .``, ``[…]``) as one ``…`` token inside and nothing at the edges.

Every function reads its input a fixed number of times: one scan over the
quotation marks and line breaks, one two-pointer walk over sentences and
quotations, and patterns without nested repetition.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

#: A quotation of fewer words is a phrase ("so-called", "a great success"), not a statement.
MIN_QUOTE_WORDS = 8

# Opening mark -> the marks that close it.
_CLOSERS: dict[str, str] = {
    "“": "”",
    "„": "“”",
    '"': '"',
    "«": "»",
    "‹": "›",
    "‘": "’",
}
_CLOSING = frozenset("”»›")
_MARK_RE = re.compile(r"[“”„\"«»‹›‘’\n]")
_UNTIL_CLOSED = {opener: re.compile(f"[{re.escape(closers)}\n]") for opener, closers in _CLOSERS.items()}
# Before a straight quote that opens: the start, a space, an opening bracket or a dash.
_OPENS_AFTER = frozenset("([{—–-/")


@dataclass(frozen=True, slots=True)
class Quotation:
    """The part of a quoted span inside one sentence: offsets into the text, and its normalised words."""

    start: int
    end: int
    text: str

    @property
    def key(self) -> int:
        return quotation_key(self.text)


def _is_apostrophe(text: str, i: int) -> bool:
    """``’`` inside a word ("don’t", "Xi’s") or after a plural ("leaders’ summit") is no quotation mark."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return before.isalnum() and (after.isalnum() or (before in "sS" and after == " "))


def _straight_opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in _OPENS_AFTER or before in _CLOSERS) and not after.isspace()


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the inside of every quotation in ``text``, marks excluded, in order, disjoint."""
    spans: list[tuple[int, int]] = []
    opener = ""  # the mark of the quotation open now, "" when none is
    inside = 0  # where the open quotation's words start
    free = 0  # where a closing mark without an opening one would have opened: paragraph start or last close
    pos = 0
    while True:
        # While a quotation is open only its closing marks and a line break matter: the search
        # skips every other mark at once (a run of 500,000 "“" took a second mark by mark).
        m = (_UNTIL_CLOSED[opener] if opener else _MARK_RE).search(text, pos)
        if m is None:
            break
        i = m.start()
        pos = i + 1
        mark = m.group()
        if mark == "\n":
            if opener:
                spans.append((inside, i))
                opener = ""
            free = i + 1
        elif opener:
            if not (mark == "’" and _is_apostrophe(text, i)):
                spans.append((inside, i))
                opener = ""
                free = i + 1
        elif mark == '"':
            if _straight_opens(text, i):
                opener, inside = mark, i + 1
            else:
                spans.append((free, i))
                free = i + 1
        elif mark in _CLOSERS:
            if mark != "‘" or not _is_apostrophe(text, i):
                opener, inside = mark, i + 1
        elif mark in _CLOSING:
            # Only the unambiguous closing marks close a quotation that was never opened; a lone
            # "’" is far more often an apostrophe than the end of a single-quoted passage.
            spans.append((free, i))
            free = i + 1
    if opener:
        spans.append((inside, len(text)))
    return [(a, b) for a, b in spans if b > a]


def sentence_quotations(
    text: str, sentences: Sequence[tuple[int, int]], *, min_words: int = MIN_QUOTE_WORDS
) -> list[list[Quotation]]:
    """For each sentence span (in text order), its quotations of at least ``min_words`` words."""
    spans = quotation_spans(text)
    out: list[list[Quotation]] = []
    first = 0
    for s, e in sentences:
        while first < len(spans) and spans[first][1] <= s:
            first += 1
        found: list[Quotation] = []
        q = first
        while q < len(spans) and spans[q][0] < e:
            a, b = max(spans[q][0], s), min(spans[q][1], e)
            if b > a:
                normal = normalize_quotation(text[a:b])
                if count_words(normal) >= min_words:
                    found.append(Quotation(start=a, end=b, text=normal))
            q += 1
        out.append(found)
    return out


def quotations_of(sentence: str, *, min_words: int = MIN_QUOTE_WORDS) -> list[Quotation]:
    """The quotations of a sentence read on its own (a claim's text), offsets into it."""
    return sentence_quotations(sentence, [(0, len(sentence))], min_words=min_words)[0]


# "...", ". . .", "…" (NFKC makes it "..."), with or without brackets around it.
_OMISSION_RE = re.compile(r"[\[(]?\s?\.(?:\s?\.){2,}\s?[\])]?")
# Combining marks left by NFKD: the accents of Latin, Greek and Cyrillic letters.
_ACCENT_RE = re.compile(r"[\u0300-\u036f]+")
_TOKEN_RE = re.compile(r"\w+(?:'\w+)*|…")


def fold(text: str) -> str:
    """NFKC, case-folded, accents dropped, curly apostrophes straight."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'").replace("‘", "'")
    if text.isascii():
        return text
    return _ACCENT_RE.sub("", unicodedata.normalize("NFKD", text))


def normalize_quotation(quoted: str) -> str:
    """The words of a quotation in the form two copies of it are compared in (see the module's docstring)."""
    tokens = _TOKEN_RE.findall(_OMISSION_RE.sub(" … ", fold(quoted)))
    words: list[str] = []
    for token in tokens:
        if token == "…" and (not words or words[-1] == "…"):
            continue
        words.append(token)
    while words and words[-1] == "…":
        words.pop()
    return " ".join(words)


def count_words(normalized: str) -> int:
    return sum(1 for token in normalized.split() if token != "…")


def quotation_key(normalized: str) -> int:
    """A signed 64-bit hash of a normalised quotation: what the lookup index holds."""
    digest = hashlib.blake2b(normalized.encode(), digest_size=8, person=b"quotation").digest()
    return int.from_bytes(digest, "big", signed=True)


# --- Speakers ----------------------------------------------------------------------

# Words in front of a name that do not tell two speakers apart ("President Putin", "the Kremlin").
_HONORIFICS_TEXT = """
    the a an mr mrs ms miss dr prof sir dame lord lady president vice prime minister chancellor
    secretary senator sen rep representative governor gov mayor general gen chairman chairwoman
    chair ceo king queen prince pope
"""
_HONORIFICS = frozenset(_HONORIFICS_TEXT.split())
_NAME_TOKEN_RE = re.compile(r"\w+")


def normalize_speaker(name: str) -> str:
    """A speaker's name as folded words, honorifics in front dropped: "President Putin" -> "putin"."""
    words = _NAME_TOKEN_RE.findall(fold(name))
    start = 0
    while start < len(words) - 1 and words[start] in _HONORIFICS:
        start += 1
    return " ".join(words[start:])


def same_speaker(a: str, b: str) -> bool:
    """Two attributions agree: one is unknown, or both name the same person or body.

    A name and the same name shortened agree ("Vladimir Putin", "Putin";
    "the Kremlin", "Kremlin"): the shorter one's words are the longer one's
    last words. "Jane Smith" and "John Smith" do not.
    """
    x, y = normalize_speaker(a).split(), normalize_speaker(b).split()
    if not x or not y:
        return True
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    return long[len(long) - len(short) :] == short


# ------------------------------------------------------------------ masking for attribution

_QUOTE_MARK_RE = re.compile(r"[“”\"]")


def _opens_quote(text: str, i: int) -> bool:
    """Whether the straight quote at ``i`` can only open a quotation: a space before it, a word after it."""
    return (i == 0 or text[i - 1] in " \t\n(") and text[i + 1 : i + 2].strip() != ""


def mask_quotes(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Replace quoted content by '·' (same length) and return the quote spans (offsets incl. marks).

    Curly quotes pair “ with ”; straight quotes pair in turn, except that a
    straight quote that can only open (a space before it, a word after it)
    never closes the one open before it. An unclosed quote runs to the end of
    its paragraph line.
    """
    spans: list[tuple[int, int]] = []
    open_at = -1
    straight_open = -1
    # The first line break at or after the open quote, looked up once per line: searching between
    # the open quote and each later “ read a line of unclosed quotes quadratically (800,000 “ on
    # one line: 12 s).
    nl = -1
    for m in _QUOTE_MARK_RE.finditer(text):
        i = m.start()
        c = m.group(0)
        if c == "“":
            if open_at >= 0 and nl < i:  # the previous paragraph's quote never closed
                spans.append((open_at, nl))
                open_at = -1
            if open_at < 0:
                open_at = i
                if nl < i:
                    nl = text.find("\n", i)
                    nl = len(text) if nl < 0 else nl
        elif c == "”":
            if open_at >= 0:
                spans.append((open_at, i + 1))
                open_at = -1
        elif straight_open < 0:
            straight_open = i
        elif not _opens_quote(text, i):
            spans.append((straight_open, i + 1))
            straight_open = -1
        # else: a quotation opens while one is open. A quotation that runs over several paragraphs
        # closes only at its end ('"A," Lau told Space.com. "B. "C," Lau added.'): the mark before
        # never closed, and pairing it with this one would turn the rest of the article inside out.
    for start in (open_at, straight_open):
        if start >= 0:
            nl = text.find("\n", start)
            spans.append((start, len(text) if nl < 0 else nl))
    if not spans:
        return text, spans
    spans.sort()
    parts: list[str] = []
    pos = 0
    for a, b in spans:
        inner_start = max(a + 1, pos)
        inner_end = b - 1 if text[b - 1 : b] in ("”", '"') and b - 1 > a else b
        if inner_end <= inner_start:
            continue
        parts.append(text[pos:inner_start])
        parts.append("·" * (inner_end - inner_start))
        pos = inner_end
    parts.append(text[pos:])
    masked = "".join(parts)
    return masked, spans
