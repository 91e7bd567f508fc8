"""Sentence features for the check-worthiness model.

The same code computes features at training time (``train.py``) and at run
time (``model.py``), so the shipped weights always see the features they were
trained on. Everything here is stdlib + numpy.

Three blocks, each L2-normalised on its own:

* word block: hashed word unigrams and bigrams (numbers reduced to shapes such
  as ``<year>`` or ``<num>`` so "$245 billion" and "$3 million" look alike);
* char block: hashed character 2-5-grams inside word boundaries (cached per
  word, so they cost a dictionary lookup for words already seen);
* cue block: a few dense features a fact-checker looks for (figures, money,
  percentages, years, capitalised names, comparatives, attribution verbs,
  quotations, first-person opinion markers, questions, length).

Hashing uses CRC-32, which is stable across processes and Python versions.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence

import numpy as np

WORD_BITS = 18
CHAR_BITS = 18
WORD_DIM = 1 << WORD_BITS
CHAR_DIM = 1 << CHAR_BITS

_TOKEN_RE = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*|[$%€£¥?]")
_WORD_RE = re.compile(r"[a-z0-9]+")
_APOS_RE = re.compile(r"[’‘`]")

_CHAR_CACHE: dict[str, list[int]] = {}
_CHAR_CACHE_MAX = 200_000


def _h(feature: str, bits: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) & ((1 << bits) - 1)


def _shape(tok: str) -> str:
    c = tok[0]
    if c.isdigit():
        digits = tok.replace(",", "").replace(".", "")
        if len(tok) == 4 and tok.isdigit() and tok[:2] in ("19", "20"):
            return "<year>"
        if "." in tok:
            return "<dec>"
        return "<num>" if len(digits) < 4 else "<bignum>"
    return tok


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens with numbers reduced to their shape."""
    low = _APOS_RE.sub("'", text.lower())
    return [_shape(t) for t in _TOKEN_RE.findall(low)]


def word_feature_ids(text: str) -> list[int]:
    toks = word_tokens(text)
    ids = [_h("w:" + t, WORD_BITS) for t in toks]
    prev = "<s>"
    for t in toks:
        ids.append(_h("b:" + prev + " " + t, WORD_BITS))
        prev = t
    if toks:
        ids.append(_h("b:" + prev + " </s>", WORD_BITS))
    return ids


def _char_ids(word: str) -> list[int]:
    got = _CHAR_CACHE.get(word)
    if got is not None:
        return got
    padded = " " + word + " "
    n = len(padded)
    out = [_h(padded[i : i + k], CHAR_BITS) for k in (2, 3, 4, 5) for i in range(n - k + 1)]
    if len(_CHAR_CACHE) >= _CHAR_CACHE_MAX:
        _CHAR_CACHE.clear()
    _CHAR_CACHE[word] = out
    return out


def char_feature_ids(text: str) -> list[int]:
    low = _APOS_RE.sub("'", text.lower())
    ids: list[int] = []
    for w in _WORD_RE.findall(low):
        ids.extend(_char_ids(w))
    return ids


# ---------------------------------------------------------------- cue block

_NUM_RE = re.compile(r"\d")
_PCT_RE = re.compile(r"\d\s*(?:%|per\s?cent\b)", re.I)
_MONEY_RE = re.compile(
    r"[$€£¥]\s?\d|\d\s*(?:dollars?|euros?|pounds|yuan|rubles?|roubles?|yen)\b|\b(?:USD|EUR|GBP)\s?\d", re.I
)
_SCALE_RE = re.compile(r"\b(?:thousand|million|billion|trillion|bn|mn)\b", re.I)
_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
_NUMWORD_RE = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|hundreds|thousands|millions|billions|dozen|dozens|half|third|quarter|double|doubled|"
    r"tripled|twice|first|second)\b",
    re.I,
)
_COMPARE_RE = re.compile(
    r"\b(?:more|less|fewer|higher|lower|larger|smaller|bigger|greater|most|least|largest|biggest|"
    r"highest|lowest|smallest|best|worst|record|increase[ds]?|decrease[ds]?|rose|risen|fell|fallen|"
    r"grew|grown|dropped|doubled|cut|up|down|than)\b",
    re.I,
)
_ATTRIB_RE = re.compile(
    r"\b(?:said|says|told|stated|according|added|noted|argued|warned|announced|reported|claimed|"
    r"estimates?|estimated|confirmed|denied|accused)\b",
    re.I,
)
_QUOTE_RE = re.compile(r"[“”\"]")
_OPINION_RE = re.compile(
    r"\b(?:i think|i believe|i feel|i hope|i want|we need|we must|we should|we've got to|let me|thank you|"
    r"i'm going to|i will|i'd like)\b",
    re.I,
)
_CAPSPAN_RE = re.compile(r"(?<=[a-z,;:] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")
_LAW_RE = re.compile(r"\b(?:law|bill|tax|taxes|budget|deficit|jobs|unemployment|percent|voted|vote)\b", re.I)

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


def cue_features(text: str) -> list[float]:
    n_words = len(text.split())
    return [
        1.0 if _NUM_RE.search(text) else 0.0,
        1.0 if _PCT_RE.search(text) else 0.0,
        1.0 if _MONEY_RE.search(text) else 0.0,
        1.0 if _SCALE_RE.search(text) else 0.0,
        1.0 if _YEAR_RE.search(text) else 0.0,
        1.0 if _NUMWORD_RE.search(text) else 0.0,
        min(len(_COMPARE_RE.findall(text)), 3) / 3.0,
        1.0 if _ATTRIB_RE.search(text) else 0.0,
        1.0 if _QUOTE_RE.search(text) else 0.0,
        1.0 if _OPINION_RE.search(text) else 0.0,
        1.0 if text.rstrip().endswith("?") else 0.0,
        min(len(_CAPSPAN_RE.findall(text)), 3) / 3.0,
        1.0 if _LAW_RE.search(text) else 0.0,
        math.log1p(n_words) / 4.0,
    ]


# ------------------------------------------------------------- vectorising


def _block(
    ids_per_sentence: Sequence[list[int]], idf: np.ndarray, dim: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TF-IDF (sublinear tf) entries of one hashed block, L2-normalised per sentence.

    Returns (row, col, value) arrays of the non-zero entries.
    """
    rows: list[int] = []
    cols: list[int] = []
    for r, ids in enumerate(ids_per_sentence):
        rows.extend([r] * len(ids))
        cols.extend(ids)
    if not cols:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty
    key = np.asarray(rows, dtype=np.int64) * dim + np.asarray(cols, dtype=np.int64)
    uniq, counts = np.unique(key, return_counts=True)
    r_arr = uniq // dim
    c_arr = uniq % dim
    vals = (1.0 + np.log(counts)) * idf[c_arr]
    norms = np.sqrt(np.bincount(r_arr, weights=vals * vals, minlength=len(ids_per_sentence)))
    norms[norms == 0] = 1.0
    return r_arr, c_arr, vals / norms[r_arr]


def sparse_parts(
    texts: Sequence[str], word_idf: np.ndarray, char_idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features of ``texts`` as COO parts (rows, cols, vals) over word+char blocks, plus dense cues."""
    wr, wc, wv = _block([word_feature_ids(t) for t in texts], word_idf, WORD_DIM)
    cr, cc, cv = _block([char_feature_ids(t) for t in texts], char_idf, CHAR_DIM)
    rows = np.concatenate([wr, cr])
    cols = np.concatenate([wc, cc + WORD_DIM])
    vals = np.concatenate([wv, cv])
    cues = np.asarray([cue_features(t) for t in texts], dtype=np.float64).reshape(len(texts), CUE_DIM)
    return rows, cols, vals, cues


def doc_freq(texts: Sequence[str], min_df: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed IDF vectors of both hashed blocks (as scikit-learn's ``smooth_idf``).

    Buckets seen in fewer than ``min_df`` training sentences get IDF 0, so
    words never seen in training neither add evidence nor dilute the norm.
    """
    n = len(texts)
    wdf = np.zeros(WORD_DIM)
    cdf = np.zeros(CHAR_DIM)
    for t in texts:
        wdf[list(set(word_feature_ids(t)))] += 1
        cdf[list(set(char_feature_ids(t)))] += 1
    widf = np.log((1 + n) / (1 + wdf)) + 1.0
    cidf = np.log((1 + n) / (1 + cdf)) + 1.0
    widf[wdf < min_df] = 0.0
    cidf[cdf < min_df] = 0.0
    return widf, cidf
