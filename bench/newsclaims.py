"""Articles kept, claim sentences found and claimers named on the NewsClaims development split.

    python bench/newsclaims.py PATH [--part tune|check|all] [--verbose]

PATH is the NewsClaims dev folder (``dev.json``, ``sentences.json`` and
``articles/ID.txt``, each article on one line, sentences separated by one
space, as many feeds and CMS exports deliver them). Every article goes through
the product's own pipeline (``claims.extraction.extract``, plain text, no
database) and is compared with the annotated claim sentences and claimers.

Matching rules (fixed before measuring):

* an annotated claim sentence is **found** when some extracted sentence has a
  word Dice coefficient of at least 0.6 with it (words: case-folded runs of
  letters and digits; the best such sentence is its match); it is **flagged**
  when that sentence is also check-worthy (a claim in the review queue);
* a speaker **matches** a claimer when, after case folding and dropping
  function words and a few generic words ("department", "university"...),
  they share a word ("Trump" and "Donald Trump", "WHO" and "the WHO"), or
  when one is a single upper-case word of at least 3 letters that begins the
  initials of the other's capitalised words ("CDC" and "Centers for Disease
  Control and Prevention", "WHO" and "World Health Organization");
* **claimer precision**: matching speakers / annotated claims whose sentence
  was found and given a speaker. A speaker given where the annotation has no
  claimer (the article's own voice) counts as wrong;
* **claimer recall**: matching speakers / annotated claims that have a
  claimer (found or not). Also reported for the claims whose claimer is
  named in the claim sentence itself (``claimer_in_sentence``).

Parts (fixed before any new rule was written, by article, never by claim):
an article is in **tune** when the SHA-256 of its id, read as a number, is
below 70 modulo 100, else in **check** (13 articles and 55 claims, 39 with a
claimer, against 5 articles and 48 claims, 27 with a claimer). Speaker rules
are developed against "tune" only; "check" is measured at the end. The rules
written before the split were seen on all of NewsClaims dev, so "check" is a
holdout made inside a development set, not a measure of unseen news.
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims.extraction import Sentence, extract  # noqa: E402

FOUND_DICE = 0.6
_WORD_RE = re.compile(r"[^\W_]+")
_IGNORED = frozenset(
    (
        *("the", "a", "an", "of", "and", "for", "in", "on", "at", "to", "by", "from", "s"),
        *("mr", "mrs", "ms", "dr", "department", "university", "ministry", "national", "health"),
        *("agency", "institute", "office", "organization", "organisation", "center", "centre"),
        *("centers", "centres", "council", "committee", "group", "association"),
    )
)


def words(text: str) -> list[str]:
    return _WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold())


def dice(a: list[str], b: list[str]) -> float:
    if not a or not b:
        return 0.0
    common = sum((Counter(a) & Counter(b)).values())
    return 2 * common / (len(a) + len(b))


def _initials(name: str) -> str:
    return "".join(w[0] for w in _WORD_RE.findall(unicodedata.normalize("NFKC", name)) if w[:1].isupper())


def _acronym_of(short: str, long: str) -> bool:
    s = short.strip()
    return len(s) >= 3 and s.isupper() and s.isalpha() and " " not in s and _initials(long).startswith(s)


def speaker_matches(predicted: str, gold: str) -> bool:
    """The matching rule in the module docstring."""
    p = {w for w in words(predicted) if w not in _IGNORED}
    g = {w for w in words(gold) if w not in _IGNORED}
    if p & g:
        return True
    bare_p = re.sub(r"^(?:the|a)\s+", "", predicted.strip(), flags=re.IGNORECASE)
    bare_g = re.sub(r"^(?:the|a)\s+", "", gold.strip(), flags=re.IGNORECASE)
    return _acronym_of(bare_p, bare_g) or _acronym_of(bare_g, bare_p)


def best_match(claim: str, sentences: list[Sentence]) -> Sentence | None:
    cw = words(claim)
    best: tuple[float, Sentence] | None = None
    for s in sentences:
        d = dice(cw, words(s.text))
        if d >= FOUND_DICE and (best is None or d > best[0]):
            best = (d, s)
    return best[1] if best else None


TUNE_SHARE = 70  # out of 100


def part_of(article_id: str) -> str:
    """ "tune" or "check": the article's part, from a hash of its id (see the module docstring)."""
    h = int(hashlib.sha256(article_id.encode("utf-8")).hexdigest(), 16)
    return "tune" if h % 100 < TUNE_SHARE else "check"


def ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path, help="the newsclaims_dev folder")
    ap.add_argument(
        "--part",
        choices=("tune", "check", "all"),
        default="all",
        help="the articles to measure: tune (rules are developed on it), check (measured at the end) or all",
    )
    ap.add_argument("--verbose", action="store_true", help="print every annotated claim and its speaker")
    args = ap.parse_args()

    claims_by_article: dict[str, dict[str, dict[str, Any]]] = json.loads(
        (args.path / "dev.json").read_text(encoding="utf-8")
    )
    n = Counter[str]()
    lost: list[str] = []
    for article_id, claims in sorted(claims_by_article.items()):
        if args.part != "all" and part_of(article_id) != args.part:
            continue
        body = (args.path / "articles" / f"{article_id}.txt").read_text(encoding="utf-8")
        result = extract(body)
        n["articles"] += 1
        if result.status != "done" or not result.sentences:
            lost.append(f"{article_id}: {result.reason}")
        for claim_id, claim in sorted(claims.items()):
            n["claims"] += 1
            gold = (claim.get("claimer") or "").strip() if claim.get("has_claimer") else ""
            in_sentence = bool(claim.get("claimer_in_sentence"))
            match = best_match(claim["sentence"], result.sentences)
            speaker = match.speaker if match else ""
            n["with_claimer"] += bool(gold)
            n["with_claimer_in_sentence"] += bool(gold) and in_sentence
            if match is not None:
                n["found"] += 1
                n["flagged"] += match.check_worthy
            ok = bool(speaker and gold and speaker_matches(speaker, gold))
            if speaker:
                n["speaker_given"] += 1
                n["speaker_right"] += ok
            n["claimer_found"] += ok
            n["claimer_in_sentence_found"] += ok and in_sentence
            if args.verbose:
                mark = "ok" if ok else ("WRONG" if speaker else ("miss" if gold else "-"))
                print(f"{mark:5} {article_id}/{claim_id} gold={gold!r} speaker={speaker!r}")
                print(f"      {claim['sentence'][:160]}")
    for line in lost:
        print("lost:", line)
    report = {
        "articles": n["articles"],
        "articles_lost": len(lost),
        "claims": n["claims"],
        "claim_sentences_found": ratio(n["found"], n["claims"]),
        "claim_sentences_flagged": ratio(n["flagged"], n["claims"]),
        "claims_with_claimer": n["with_claimer"],
        "speakers_given": n["speaker_given"],
        "claimer_precision": ratio(n["speaker_right"], n["speaker_given"]),
        "claimer_recall": ratio(n["claimer_found"], n["with_claimer"]),
        "claimer_recall_in_sentence": ratio(n["claimer_in_sentence_found"], n["with_claimer_in_sentence"]),
        "part": args.part,
        "split": {
            "all": "dev (rules seen on all of it)",
            "tune": "dev, tune part (rules developed on it)",
            "check": "dev, check part (held out from new rules only; earlier rules saw it)",
        }[args.part],
    }
    print(
        f"{report['articles_lost']} of {report['articles']} articles lost; claim sentences found "
        f"{report['claim_sentences_found']:.3f}, flagged {report['claim_sentences_flagged']:.3f}; claimer "
        f"precision {report['claimer_precision']:.3f} ({n['speaker_right']}/{n['speaker_given']}), recall "
        f"{report['claimer_recall']:.3f} ({n['claimer_found']}/{n['with_claimer']}), recall when named in "
        f"the sentence {report['claimer_recall_in_sentence']:.3f}"
    )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
