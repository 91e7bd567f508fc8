"""Sentence features for the check-worthiness model.

The same code computes features at training time (``train.py``) and at run
time (``model.py``), so the shipped weights always see the features they were
trained on. Everything here is stdlib + numpy.

Three blocks, each L2-normalised on its own:

* word block: hashed word unigrams and bigrams (numbers reduced to shapes such
  as ``<year>`` or ``<num>`` so "$245 billion" and "$3 million" look alike);
* char block: hashed character 2-5-grams inside word boundaries;
* cue block: a few dense features a fact-checker looks for (figures, money,
  percentages, years, capitalised names, comparatives, attribution verbs,
  quotations, first-person opinion markers, questions, length).

Hashing uses CRC-32, which is stable across processes and Python versions;
bigram buckets mix the two tokens' CRCs arithmetically. Everything a token
contributes is kept per distinct token in flat arrays, so a sentence costs
about one dictionary lookup per word and a batch a few array gathers.
"""

from __future__ import annotations

import math
import re
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WORD_BITS = 18
CHAR_BITS = 18
WORD_DIM = 1 << WORD_BITS
CHAR_DIM = 1 << CHAR_BITS
_WORD_MASK = WORD_DIM - 1
_CHAR_MASK = CHAR_DIM - 1

# word ("don't"), number ("4.5", "1,000") or symbol; the lookahead lets the scan skip other characters fast
_TOKEN_RE = re.compile(r"(?=[A-Za-z$%€£¥?\d])(?:[A-Za-z]++(?:'[A-Za-z]++)?|\d++(?:[.,]\d++)*+|[$%€£¥?])")
_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Tokens:
    """Word tokens of one sentence, computed once and shared by the model and the annotator."""

    raw: list[str]  # original case, apostrophes normalised to '
    low: list[str]  # lower-case
    lowset: frozenset[str]
    joined: str  # " " + lower-case tokens joined by spaces + " " (for phrase look-ups)
    caps: int  # capitalised word runs after the first word (named-entity-like spans)
    digits: bool = False  # the text has a decimal digit (``\d``)


def tokenize(text: str) -> Tokens:
    if "’" in text or "‘" in text or "`" in text:
        text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    raw = _TOKEN_RE.findall(text)
    # tokens hold no spaces and only ASCII letters, digits and symbols: lower-casing
    # the joined string and splitting it again gives the lower-cased tokens
    low_joined = " ".join(raw).lower()
    low = low_joined.split(" ") if raw else []
    caps = 0
    prev_upper = True
    for t in raw:
        upper = "A" <= t[0] <= "Z"
        if upper and not prev_upper:
            caps += 1
        prev_upper = upper
    # every decimal digit of the text is inside a number token, so the tokens tell whether it has one
    digits = _has_ascii_digit(low_joined) if low_joined.isascii() else bool(_DIGIT_RE.search(low_joined))
    return Tokens(
        raw=raw, low=low, lowset=frozenset(low), joined=" " + low_joined + " ", caps=caps, digits=digits
    )


def _has_ascii_digit(s: str) -> bool:
    return (
        "0" in s
        or "1" in s
        or "2" in s
        or "3" in s
        or "4" in s
        or "5" in s
        or "6" in s
        or "7" in s
        or "8" in s
        or "9" in s
    )


def _crc(s: str) -> int:
    return zlib.crc32(s.encode("utf-8"))


def _shape(tok: str) -> str:
    c = tok[0]
    if c.isdigit():
        if len(tok) == 4 and tok.isdigit() and tok[:2] in ("19", "20"):
            return "<year>"
        if "." in tok:
            return "<dec>"
        digits = tok.replace(",", "")
        return "<num>" if len(digits) < 4 else "<bignum>"
    return tok


_START = _crc("<s>")
_END = _crc("</s>")
_MIX = 0x01000193


class _TokenTable:
    """Everything a distinct lower-case token contributes, in flat arrays.

    Row ``i`` holds a token's unigram bucket, its 32-bit hash (for bigrams) and
    the offset and number of its char n-gram buckets in ``chars``, so a whole
    batch of sentences is gathered with a few array operations. Bounded: the
    table is emptied when it holds ``MAX`` tokens. Callers hold ``lock`` while
    they add tokens or read rows, so threads never see a half-written row.
    """

    MAX = 60_000  # distinct tokens kept (~10 MB)

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.index: dict[str, int] = {}
        self.uid = np.zeros(1024, dtype=np.int64)
        self.hash = np.zeros(1024, dtype=np.int64)
        self.off = np.zeros(1024, dtype=np.int64)
        self.size = np.zeros(1024, dtype=np.int64)
        self.chars = np.zeros(16_384, dtype=np.int32)
        self.n_chars = 0

    def add(self, tok: str) -> int:
        """Row of ``tok``, computing its hashes when it is new."""
        got = self.index.get(tok)
        if got is not None:
            return got
        shaped = _shape(tok)
        padded = " " + shaped + " "
        n = len(padded)
        chars = [_crc(padded[i : i + k]) & _CHAR_MASK for k in (2, 3, 4, 5) for i in range(n - k + 1)]
        row = len(self.index)
        if row >= self.uid.size:
            for name in ("uid", "hash", "off", "size"):
                old = getattr(self, name)
                grown = np.zeros(2 * old.size, dtype=old.dtype)
                grown[: old.size] = old
                setattr(self, name, grown)
        end = self.n_chars + len(chars)
        if end > self.chars.size:
            grown = np.zeros(max(2 * self.chars.size, end), dtype=self.chars.dtype)
            grown[: self.n_chars] = self.chars[: self.n_chars]
            self.chars = grown
        self.chars[self.n_chars : end] = chars
        self.uid[row] = _crc("w:" + shaped) & _WORD_MASK
        self.hash[row] = _crc(shaped)
        self.off[row] = self.n_chars
        self.size[row] = len(chars)
        self.n_chars = end
        self.index[tok] = row
        return row


_TABLE = _TokenTable()


def _token_info(tok: str) -> tuple[int, int, np.ndarray, int]:
    """(unigram bucket, 32-bit token hash for bigrams, char n-gram buckets, their number) of a token."""
    with _TABLE.lock:
        if len(_TABLE.index) >= _TokenTable.MAX:
            _TABLE.clear()
        row = _TABLE.add(tok)
        off, size = int(_TABLE.off[row]), int(_TABLE.size[row])
        return int(_TABLE.uid[row]), int(_TABLE.hash[row]), _TABLE.chars[off : off + size].copy(), size


def hashed_ids(tokens: Tokens) -> tuple[list[int], list[np.ndarray]]:
    """Bucket ids of the word block (unigrams + bigrams) and the char-block id arrays of one sentence."""
    words: list[int] = []
    chars: list[np.ndarray] = []
    prev = _START
    for tok in tokens.low:
        uid, h, cids, _ = _token_info(tok)
        words.append(uid)
        words.append(((prev * _MIX) ^ h) & _WORD_MASK)
        chars.append(cids)
        prev = h
    if tokens.low:
        words.append(((prev * _MIX) ^ _END) & _WORD_MASK)
    return words, chars


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens with numbers reduced to their shape."""
    return [_shape(t) for t in tokenize(text).low]


# ---------------------------------------------------------------- cue block


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_CURRENCY_WORDS = _words(
    "dollar dollars euro euros pound pounds yuan ruble rubles rouble roubles yen usd eur gbp"
)
_SCALE_WORDS = _words("thousand million billion trillion bn mn")
_NUMBER_WORDS = _words(
    "two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred hundreds "
    "thousands millions billions dozen dozens half third quarter double doubled tripled twice first second"
)
_COMPARE_WORDS = _words(
    "more less fewer higher lower larger smaller bigger greater most least largest biggest highest lowest "
    "smallest best worst record increase increased increases decrease decreased decreases rose risen fell "
    "fallen grew grown dropped doubled cut up down than"
)
_ATTRIB_WORDS = _words(
    "said says told stated according added noted argued warned announced reported claimed estimate estimates "
    "estimated confirmed denied accused"
)
_OPINION_PHRASES = (
    " i think ",
    " i believe ",
    " i feel ",
    " i hope ",
    " i want ",
    " we need ",
    " we must ",
    " we should ",
    " we've got to ",
    " let me ",
    " thank you ",
    " i'm going to ",
    " i will ",
    " i'd like ",
)
_POLICY_WORDS = _words("law bill tax taxes budget deficit jobs unemployment percent voted vote")

_OPINION_FIRST = frozenset(p.split()[0] for p in _OPINION_PHRASES)
_YEAR_TOKENS = frozenset(str(y) for y in range(1900, 2100))

CUE_NAMES: tuple[str, ...] = (
    "has_digit",
    "percent",
    "money",
    "scale_word",
    "year",
    "number_word",
    "comparative",
    "attribution",
    "quotation",
    "opinion",
    "question",
    "cap_span",
    "policy_word",
    "log_len",
)
CUE_DIM = len(CUE_NAMES)


def cap_spans(tokens: Tokens) -> int:
    """Number of capitalised word runs after the first word (named-entity-like spans)."""
    return tokens.caps


def cue_features(text: str, tokens: Tokens | None = None) -> list[float]:
    tk = tokens if tokens is not None else tokenize(text)
    ls = tk.lowset
    low = tk.low
    joined = tk.joined
    has_digit = tk.digits
    pct = money = year = 0.0
    if has_digit:
        if "%" in text or "percent" in ls or " per cent " in joined:
            pct = 1.0
        if "$" in text or "€" in text or "£" in text or "¥" in text or not _CURRENCY_WORDS.isdisjoint(ls):
            money = 1.0
        if not _YEAR_TOKENS.isdisjoint(ls):
            year = 1.0
    compare = 0.0
    if not _COMPARE_WORDS.isdisjoint(ls):
        compare = min(len([t for t in low if t in _COMPARE_WORDS]), 3) / 3.0
    return [
        1.0 if has_digit else 0.0,
        pct,
        money,
        0.0 if _SCALE_WORDS.isdisjoint(ls) else 1.0,
        year,
        0.0 if _NUMBER_WORDS.isdisjoint(ls) else 1.0,
        compare,
        0.0 if _ATTRIB_WORDS.isdisjoint(ls) else 1.0,
        1.0 if ("“" in text or "”" in text or '"' in text) else 0.0,
        1.0 if not _OPINION_FIRST.isdisjoint(ls) and any(p in joined for p in _OPINION_PHRASES) else 0.0,
        1.0 if text.rstrip().endswith("?") else 0.0,
        min(tk.caps, 3) / 3.0,
        0.0 if _POLICY_WORDS.isdisjoint(ls) else 1.0,
        math.log1p(len(text.split())) / 4.0,
    ]


# ------------------------------------------------------------- vectorising


def _block(rows: np.ndarray, cols: np.ndarray, n: int, idf: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """TF-IDF (sublinear tf) entries of one hashed block, L2-normalised per sentence.

    ``rows``/``cols``: sentence index and bucket of every feature occurrence;
    ``dim`` is a power of two. Returns (row, col, value) arrays of the non-zero
    entries, ordered by row then column.
    """
    if cols.size == 0:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty
    bits = dim.bit_length() - 1
    keys = (rows << bits) | cols
    if n * dim < 2**31:
        keys = keys.astype(np.int32)  # sorting 32-bit keys is faster; the usual case (< 8192 sentences)
    keys.sort()
    first = np.empty(keys.size, dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(starts, append=keys.size)
    uniq = keys[starts].astype(np.int64)
    r_arr = uniq >> bits
    c_arr = uniq & (dim - 1)
    vals = (1.0 + np.log(counts)) * idf[c_arr]
    norms = np.sqrt(np.bincount(r_arr, weights=vals * vals, minlength=n))
    norms[norms == 0] = 1.0
    return r_arr, c_arr, vals / norms[r_arr]


def _occurrences(toks: Sequence[Tokens]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, cols) of word-block and of char-block feature occurrences of a batch of sentences.

    Same buckets as :func:`hashed_ids`, with the bigram arithmetic done in numpy.
    """
    table = _TABLE
    with table.lock:
        if len(table.index) >= _TokenTable.MAX:
            table.clear()
        get = table.index.get
        ids = [get(tok) for tk in toks for tok in tk.low]
        if None in ids:
            add = table.add
            ids = [add(tok) for tk in toks for tok in tk.low]
        rows = np.asarray(ids, dtype=np.intp)
        h = table.hash[rows]
        uids = table.uid[rows]
        sizes = table.size[rows]
        offs = table.off[rows]
        chars = table.chars
    n = len(toks)
    idx = np.arange(n, dtype=np.int64)
    counts = np.fromiter((len(tk.low) for tk in toks), dtype=np.int64, count=n)
    tok_rows = np.repeat(idx, counts)
    starts = np.cumsum(counts) - counts
    prev = np.empty_like(h)
    if h.size:
        prev[1:] = h[:-1]
        nonempty = counts > 0
        prev[starts[nonempty]] = _START
        ends = starts[nonempty] + counts[nonempty] - 1
        end_ids = ((h[ends] * _MIX) ^ _END) & _WORD_MASK
        end_rows = idx[nonempty]
    else:
        end_ids = end_rows = np.zeros(0, dtype=np.int64)
    bigrams = ((prev * _MIX) ^ h) & _WORD_MASK
    w_rows = np.concatenate([tok_rows, tok_rows, end_rows])
    w_cols = np.concatenate([uids, bigrams, end_ids])
    c_rows = np.repeat(tok_rows, sizes)
    # position of every char bucket in the table: each token's run starts at its offset
    run_starts = np.cumsum(sizes) - sizes
    pos = np.arange(c_rows.size, dtype=np.int64) + np.repeat(offs - run_starts, sizes)
    c_cols = chars[pos]
    return w_rows, w_cols, c_rows, c_cols


def sparse_parts(
    texts: Sequence[str],
    word_idf: np.ndarray,
    char_idf: np.ndarray,
    tokens: Sequence[Tokens] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features of ``texts`` as COO parts (rows, cols, vals) over word+char blocks, plus dense cues."""
    toks = list(tokens) if tokens is not None else [tokenize(t) for t in texts]
    n = len(toks)
    w_rows, w_cols, c_rows, c_cols = _occurrences(toks)
    wr, wc, wv = _block(w_rows, w_cols, n, word_idf, WORD_DIM)
    cr, cc, cv = _block(c_rows, c_cols, n, char_idf, CHAR_DIM)
    rows = np.concatenate([wr, cr])
    cols = np.concatenate([wc, cc + WORD_DIM])
    vals = np.concatenate([wv, cv])
    cues = np.asarray([cue_features(t, tk) for t, tk in zip(texts, toks, strict=True)], dtype=np.float64)
    return rows, cols, vals, cues.reshape(n, CUE_DIM)


def doc_freq(texts: Sequence[str], min_df: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed IDF vectors of both hashed blocks (as scikit-learn's ``smooth_idf``).

    Buckets seen in fewer than ``min_df`` training sentences get IDF 0, so
    words never seen in training neither add evidence nor dilute the norm.
    """
    n = len(texts)
    wdf = np.zeros(WORD_DIM)
    cdf = np.zeros(CHAR_DIM)
    for t in texts:
        w, c = hashed_ids(tokenize(t))
        wdf[list(set(w))] += 1
        if c:
            cdf[np.unique(np.concatenate(c))] += 1
    widf = np.log((1 + n) / (1 + wdf)) + 1.0
    cidf = np.log((1 + n) / (1 + cdf)) + 1.0
    widf[wdf < min_df] = 0.0
    cidf[cdf < min_df] = 0.0
    return widf, cidf
