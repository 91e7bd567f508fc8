"""How alike two claim texts are, and whether their figures agree.

Plain Python with no Django import: the product's matcher (``claims.matching``)
and the offline evaluation (``bench/clef_map.py``) score with these same
functions, so a number measured on a benchmark is a number of the product.

Three ingredients:

* content tokens (case-folded, stop words dropped, lightly stemmed), weighted
  by inverse document frequency, give a lexical similarity in [0, 1];
* an optional sentence embedding (``claims.embeddings``) gives a semantic one;
* figures decide what the similarity may lead to: claims whose figures differ
  are never the same claim, only related ones. They are read by the
  extractor's own parser (``claims.extraction.figures``), never by one of
  this module's; the period they are about (``claims.extraction.periods``)
  tells a conflict from a series.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from claims.extraction import figures, periods

# --- Text -> tokens -------------------------------------------------------

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can cannot could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other ought our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom why
will with would you your yours yourself yourselves s t ll re ve d m o y said says say saying
according reportedly told tells
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_URL_RE = re.compile(r"https?://\S+|www\.\S+|pic\.twitter\.com/\S+", re.IGNORECASE)
# A tweet's closing signature: "— Name (@handle) January 6, 2020".
_SIGNATURE_DATE_RE = re.compile(r"(\(@\w+\))\s*[A-Z][a-z]+ \d{1,2}, \d{4}\s*$")
_TOKEN_RE = re.compile(r"[^\W_]+(?:[.,'][^\W_]+)*")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-"})


def fold(text: str) -> str:
    """Unicode-normalised, case-folded text with straight quotes and plain dashes."""
    return unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()


def strip_noise(text: str) -> str:
    """Drop what never carries a claim (links, the date of a post's signature) and spell out tags.

    Hashtags and handles become the words they are made of ("#FyreFestival" ->
    "Fyre Festival", "@JohnnySins" -> "Johnny Sins"): they often name who or
    what a post is about. The name in a signature ("— Ilhan Omar (@IlhanMN)
    January 6, 2020") stays: who said it is part of the claim.
    """
    text = _URL_RE.sub(" ", text)
    text = _SIGNATURE_DATE_RE.sub(r"\1", text)
    return _TAG_RE.sub(_spell_tag, text)


_TAG_RE = re.compile(r"(?<!\w)[#@](\w+)")


def _spell_tag(match: re.Match[str]) -> str:
    """ "FyreFestival" -> " Fyre Festival ", "IlhanMN" -> " Ilhan MN ", "COVID19" -> " COVID 19 "."""
    tag = match.group(1).replace("_", " ")
    out: list[str] = [" "]
    for i, ch in enumerate(tag):
        prev = tag[i - 1] if i else " "
        nxt = tag[i + 1] if i + 1 < len(tag) else " "
        if (ch.isupper() and (prev.islower() or (prev.isupper() and nxt.islower()))) or (
            ch.isdigit() != prev.isdigit() and ch.isalnum() and prev.isalnum()
        ):
            out.append(" ")
        out.append(ch)
    out.append(" ")
    return "".join(out)


def stem(word: str) -> str:
    """A light English suffix stripper: enough to meet "tariffs"/"tariff" and "rising"/"rise"."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement, min_stem in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= min_stem:
            return word[: len(word) - len(suffix)] + replacement
    return word


_SUFFIXES: tuple[tuple[str, str, int], ...] = (
    ("ational", "ate", 3),
    ("ization", "ize", 3),
    ("fulness", "ful", 3),
    ("iveness", "ive", 3),
    ("ities", "ity", 3),
    ("ingly", "", 3),
    ("ies", "y", 3),
    ("ied", "y", 3),
    ("ing", "", 3),
    ("edly", "", 3),
    ("ed", "", 3),
    ("ly", "", 4),
    ("es", "", 4),
    ("s", "", 3),
)


def tokens(text: str, *, numbers: bool = True) -> list[str]:
    """Content tokens of a text, in order. ``numbers=False`` leaves digits to the figure rule."""
    out: list[str] = []
    for raw in _TOKEN_RE.findall(fold(strip_noise(text))):
        word = raw[:-2] if raw.endswith("'s") else raw.replace("'", "")
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        if _NUMBER_RE.fullmatch(word):
            if numbers:
                out.append(_number_token(word))
            continue
        out.append(word if any(ch.isdigit() for ch in word) else stem(word))
    return out


_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def _number_token(raw: str) -> str:
    if "," in raw and re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
        raw = raw.replace(",", "")
    return raw.rstrip("0").rstrip(".") if "." in raw else raw


def document_terms(text: str, *extra: str) -> tuple[str, ...]:
    """Distinct tokens a known claim is indexed under: its text's, then those of any extra matching text.

    Extra text is what else names the claim, such as the headline of an imported
    fact-check; it helps find the claim but is never shown as its wording.
    """
    return tuple(dict.fromkeys(t for part in (text, *extra) if part for t in tokens(part)))


def content_words(text: str) -> list[str]:
    """Distinct content tokens without numbers: what a match is judged on."""
    return list(dict.fromkeys(tokens(text, numbers=False)))


# --- Figures ----------------------------------------------------------------
# Read by the one figure parser the extractor uses too (claims.extraction.figures): a figure the
# extractor stored on a claim and the figure the matcher reads in a new sentence are the same.

FigureKey = tuple[str, float]
# (year, month), month 0 for a whole year: what a figure is about.
Period = periods.Period


def figure_key(figure: Mapping[str, Any]) -> FigureKey | None:
    """What two figures must share to be the same figure: what they measure (with currency) and value.

    ``figure`` is the stored dict form (``Figure.as_dict()``). For a range this is its low end.
    """
    return _key(figure, "value")


def _key(figure: Mapping[str, Any], field: str) -> FigureKey | None:
    try:
        value = float(figure[field])
    except (KeyError, TypeError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    return figures.figure_class(figure), float(f"{value:.4g}")


def figure_keys(text: str, extra: Iterable[Mapping[str, Any]] = ()) -> frozenset[FigureKey]:
    """The figures of a claim: those parsed from its text plus any the extractor supplied.

    A range counts with both ends, so "10-15%" never equals a bare "10%" (that is a subset).
    """
    keys: set[FigureKey | None] = set()
    for figure in [*(f.as_dict() for f in figures.parse_figures(text)), *extra]:
        keys.add(_key(figure, "value"))
        if figure.get("high") is not None:
            keys.add(_key(figure, "high"))
    return frozenset(k for k in keys if k is not None)


FigureRelation = Literal["none", "same", "subset", "conflict", "series", "related"]


def compare_figures(a: frozenset[FigureKey], b: frozenset[FigureKey]) -> FigureRelation:
    """How the figures of two claims relate, periods aside.

    ``none``: neither has a figure. ``same``: the same figures. ``subset``: one
    states figures the other does not mention, and none contradicts. ``conflict``:
    each states a figure the other lacks (3.9% vs 4.1%; $240bn vs $245bn).
    """
    if not a and not b:
        return "none"
    if a == b:
        return "same"
    if a <= b or b <= a:
        return "subset"
    return "conflict"


def relate_figures(
    a: frozenset[FigureKey],
    b: frozenset[FigureKey],
    *,
    a_periods: frozenset[Period],
    b_periods: frozenset[Period],
) -> FigureRelation:
    """How the figures of two claims relate, given the periods each is about.

    Figures that differ are a ``conflict`` only for the same measure (a class
    both state with different values) and the same period: both periods known
    and shared, or neither known. For periods known on both sides and
    different, they are a ``series`` (the same quantity in another year, both
    possibly right). Anything else that differs is ``related``: a reviewer may
    look, nothing is flagged. Claims whose only figures are years keep the
    plain rule: there the year is the fact ("the war began in 2014" / "in 2022").
    """
    relation = compare_figures(a, b)
    if relation != "conflict":
        return relation
    measures_a = _measures(a)
    measures_b = _measures(b)
    if not measures_a and not measures_b:
        return "conflict"
    if not set(measures_a) & set(measures_b):
        return "related"
    if a_periods and b_periods and not a_periods & b_periods:
        return "series"
    if all(measures_a[c] == measures_b[c] for c in set(measures_a) & set(measures_b)):
        return "related"
    if bool(a_periods) != bool(b_periods):
        return "related"
    return "conflict"


def _measures(keys: frozenset[FigureKey]) -> dict[str, frozenset[float]]:
    """Values per measure (money per currency, percent, number): every figure but the years."""
    out: dict[str, set[float]] = {}
    for cls, value in keys:
        if cls != "year":
            out.setdefault(cls, set()).add(value)
    return {cls: frozenset(values) for cls, values in out.items()}


def year_periods(keys: frozenset[FigureKey]) -> frozenset[Period]:
    """The whole years among a claim's figures: its periods when nothing more was recorded."""
    return frozenset((int(value), 0) for cls, value in keys if cls == "year" and float(value).is_integer())


# --- Scoring ------------------------------------------------------------------

DocFreq = Callable[[str], int]


def idf(df: int, n_docs: int) -> float:
    """Smoothed inverse document frequency; a token never seen weighs most."""
    return math.log((n_docs + 1) / (df + 1)) + 1.0


def lexical_similarity(
    query: Sequence[str], candidate: Sequence[str], *, df: Mapping[str, int], n_docs: int
) -> float:
    """IDF-weighted cosine of two token sets, in [0, 1]."""
    q, c = set(query), set(candidate)
    if not q or not c:
        return 0.0
    weight = {t: idf(df.get(t, 0), n_docs) ** 2 for t in q | c}
    shared = sum(weight[t] for t in q & c)
    if not shared:
        return 0.0
    return shared / math.sqrt(sum(weight[t] for t in q) * sum(weight[t] for t in c))


Vector = np.ndarray


def semantic_similarity(a: Vector | None, b: Vector | None) -> float | None:
    """Cosine of two unit vectors, or None when either text has no embedding.

    ``b`` may hold several rows (a claim's text and its headline): the closest one counts.
    """
    if a is None or b is None or not a.size or a.ndim != 1 or b.shape[-1:] != a.shape:
        return None
    cosine = float(np.dot(a, b)) if b.ndim == 1 else float(np.max(b @ a))
    return max(0.0, min(1.0, cosine))


# Share of the lexical similarity in the blended score, chosen on the CLEF 2020
# verified-claim retrieval train and dev splits (bench/clef_map.py).
LEXICAL_WEIGHT = 0.45


def blend(lexical: float, semantic: float | None) -> float:
    """One score in [0, 1] from both signals; lexical only when there is no embedding."""
    if semantic is None:
        return lexical
    return LEXICAL_WEIGHT * lexical + (1.0 - LEXICAL_WEIGHT) * semantic


# --- Candidate lookup -------------------------------------------------------------

# A token found in more claims than this does not pick candidates (it still scores them).
MAX_POSTINGS = 5000
# At most this many postings are read per lookup, rarest tokens first.
POSTINGS_BUDGET = 4000
LOOKUP_TERMS = 24
CANDIDATES = 150


def lookup_terms(df: Mapping[str, int], *, limit: int | None = None, budget: int | None = None) -> list[str]:
    """The rarest known tokens of a query: the postings worth reading to find candidates.

    Tokens absent from the index cannot pick anything and are skipped. Rare tokens
    are taken, rarest first, while their postings fit the budget; common tokens
    are used only when a text has fewer than two rare ones.
    """
    limit = LOOKUP_TERMS if limit is None else limit
    budget = POSTINGS_BUDGET if budget is None else budget
    known = sorted((n, t) for t, n in df.items() if n > 0)
    chosen: list[str] = []
    spent = 0
    for n, t in known:
        if n > MAX_POSTINGS or len(chosen) >= limit or (chosen and spent + n > budget):
            break
        chosen.append(t)
        spent += n
    if len(chosen) >= 2:
        return chosen
    return [t for _, t in known[: max(2, len(chosen))]]


def rank_candidates(
    postings: Iterable[tuple[int, str]], *, df: Mapping[str, int], n_docs: int, limit: int | None = None
) -> list[int]:
    """Document ids sharing the most (IDF-weighted) lookup tokens with the query, best first."""
    return [doc for doc, _ in top_candidates(candidate_weights(postings, df=df, n_docs=n_docs), limit=limit)]


def candidate_weights(
    postings: Iterable[tuple[int, str]], *, df: Mapping[str, int], n_docs: int
) -> dict[int, float]:
    """Each document's summed IDF of the lookup tokens it shares with the query."""
    idfs: dict[str, float] = {}
    weight: dict[int, float] = {}
    for doc_id, term in postings:
        w = idfs.get(term)
        if w is None:
            w = idfs[term] = idf(df.get(term, 0), n_docs)
        weight[doc_id] = weight.get(doc_id, 0.0) + w
    return weight


def top_candidates(weights: Mapping[int, float], *, limit: int | None = None) -> list[tuple[int, float]]:
    """The best ``limit`` (document id, weight), best first, ties by id."""
    return heapq.nsmallest(
        CANDIDATES if limit is None else limit, weights.items(), key=lambda kv: (-kv[1], kv[0])
    )


class _Weights(dict[str, float]):
    """Squared IDF of each token, computed on first use."""

    def __init__(self, df: Mapping[str, int], n_docs: int) -> None:
        super().__init__()
        self.df, self.n_docs = df, n_docs

    def __missing__(self, token: str) -> float:
        value = self[token] = idf(self.df.get(token, 0), self.n_docs) ** 2
        return value


@dataclass(frozen=True)
class Document:
    """What the matcher keeps about a known claim.

    ``vector`` is one embedding, or one row per matching text (the claim, its headline).
    """

    id: int
    terms: tuple[str, ...]
    vector: Vector | None = None


def score_documents(
    query_terms: Sequence[str],
    query_vector: Vector | None,
    documents: Iterable[Document],
    *,
    df: Mapping[str, int],
    n_docs: int,
) -> list[tuple[int, float]]:
    """Blended similarity of the query to each document, best first (ties by id)."""
    weights = _Weights(df, n_docs)
    query = set(query_terms)
    query_norm = sum(weights[t] for t in query)
    scored = []
    for doc in documents:
        # lexical_similarity, with each token's weight computed once per query
        terms = set(doc.terms)
        shared = sum(weights[t] for t in query & terms)
        lexical = shared / math.sqrt(query_norm * sum(weights[t] for t in terms)) if shared else 0.0
        scored.append((doc.id, blend(lexical, semantic_similarity(query_vector, doc.vector))))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored


class MemoryIndex:
    """The product's candidate lookup and scoring over documents held in memory.

    ``claims.matching`` does the same against the database; this one serves
    benchmarks and tests that need no database.
    """

    def __init__(self) -> None:
        self.documents: dict[int, Document] = {}
        self.postings: dict[str, list[int]] = {}

    def add(self, doc: Document) -> None:
        self.documents[doc.id] = doc
        for term in set(doc.terms):
            self.postings.setdefault(term, []).append(doc.id)

    def df(self, terms: Iterable[str]) -> dict[str, int]:
        return {t: len(self.postings.get(t, ())) for t in set(terms)}

    def search(
        self, terms: Sequence[str], vector: Vector | None = None, *, limit: int = 5
    ) -> list[tuple[int, float]]:
        df = self.df(terms)
        n_docs = len(self.documents)
        chosen = lookup_terms(df)
        postings = ((doc_id, t) for t in chosen for doc_id in self.postings.get(t, ()))
        ids = rank_candidates(postings, df=df, n_docs=n_docs)
        all_terms = {t for i in ids for t in self.documents[i].terms} | set(terms)
        full_df = self.df(all_terms)
        scored = score_documents(terms, vector, (self.documents[i] for i in ids), df=full_df, n_docs=n_docs)
        return scored[:limit]
