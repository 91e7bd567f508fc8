"""The news development set: real article sentences labelled by the desk's guidelines.

    python -m claims.extraction.newsdev PATH                 # the queue on it, at the shipped threshold
    python -m claims.extraction.newsdev PATH --sweep         # every threshold, and the one the rule picks
    python -m claims.extraction.newsdev PATH --dump FILE     # sentences with their labels, to read

PATH is a checkout of the public article extraction benchmark
(github.com/scrapinghub/article-extraction-benchmark, MIT licence; its
``ground-truth.json`` holds human-extracted bodies of 181 pages from 126
sites). The articles belong to their outlets, so the repository keeps only the
labels (``news_dev_labels.tsv``: page id, a hash of the sentence, label,
category) and this script rebuilds the sentences: each listed page's body goes
through :func:`claims.extraction.extract` as plain text and its first
:data:`PER_PAGE` sentences are the set. A sentence whose hash is not in the
file (the splitter changed) is counted as unlabelled, never guessed.

Labels follow ``GUIDELINES.md`` (1 = a fact-checker would want it in the
queue). The set is for development: the queue threshold is chosen on it by a
rule fixed before looking: the highest threshold (steps of 0.01) at which the
queue keeps at least :data:`MIN_RECALL` of the check-worthy sentences, so the
queue narrows only as far as it can without losing what a desk would check.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LABELS_PATH = Path(__file__).resolve().parent / "news_dev_labels.tsv"
PER_PAGE = 10
MIN_RECALL = 0.9


@dataclass(frozen=True, slots=True)
class Item:
    page: str
    key: str
    text: str
    score: float
    eligible: bool  # may enter the queue (not a fragment, headline, question, opinion, ...)
    label: int | None
    category: str


def sentence_key(text: str) -> str:
    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]


def read_labels(path: Path = LABELS_PATH) -> dict[tuple[str, str], tuple[int, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")
        return {(r["page"], r["key"]): (int(r["label"]), r["category"]) for r in rows}


def pages_in(labels: dict[tuple[str, str], tuple[int, str]]) -> list[str]:
    return sorted({page for page, _ in labels})


def build(
    benchmark: Path,
    pages: Sequence[str],
    labels: dict[tuple[str, str], tuple[int, str]],
    *,
    second_stage: bool = True,
) -> list[Item]:
    from . import extract

    bodies = json.loads((benchmark / "ground-truth.json").read_text(encoding="utf-8"))
    by_prefix = {k[:10]: v["articleBody"] for k, v in bodies.items()}
    items: list[Item] = []
    for page in pages:
        result = extract(by_prefix[page], "text", second_stage=second_stage, queue_threshold=0.0)
        for s in result.sentences[:PER_PAGE]:
            key = sentence_key(s.text)
            label, category = labels.get((page, key), (None, ""))
            items.append(Item(page, key, s.text, s.score, s.check_worthy, label, category))
    return items


def report(items: Sequence[Item], threshold: float) -> dict[str, float]:
    labelled = [i for i in items if i.label is not None]
    queued = [i.eligible and i.score >= threshold for i in labelled]
    tp = sum(1 for i, q in zip(labelled, queued, strict=True) if q and i.label)
    fp = sum(1 for i, q in zip(labelled, queued, strict=True) if q and not i.label)
    fn = sum(1 for i, q in zip(labelled, queued, strict=True) if not q and i.label)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "sentences": len(items),
        "unlabelled": len(items) - len(labelled),
        "check_worthy": sum(1 for i in labelled if i.label),
        "threshold": threshold,
        "queued": sum(queued),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall) if precision + recall else 0.0, 4),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("benchmark", type=Path, help="checkout of the article extraction benchmark")
    ap.add_argument("--labels", type=Path, default=LABELS_PATH)
    ap.add_argument("--pages", help="comma-separated page ids (default: the pages in the labels file)")
    ap.add_argument("--dump", type=Path, help="write page, key, label, category, score, text as TSV")
    ap.add_argument("--sweep", action="store_true", help="report every threshold and choose one by the rule")
    ap.add_argument("--linear", action="store_true", help="the linear model alone (no second stage)")
    args = ap.parse_args(argv)
    labels = read_labels(args.labels) if args.labels.exists() else {}
    pages = args.pages.split(",") if args.pages else pages_in(labels)
    if not pages:
        ap.error("no pages: give --pages or a labels file")
    items = build(args.benchmark, pages, labels, second_stage=not args.linear)
    if args.dump:
        with args.dump.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter="\t", lineterminator="\n")
            w.writerow(["page", "key", "label", "category", "score", "text"])
            for i in items:
                label = "" if i.label is None else str(i.label)
                w.writerow([i.page, i.key, label, i.category, f"{i.score:.3f}", i.text])
    if args.sweep:
        rows = [report(items, k / 100) for k in range(5, 96)]
        for r in rows:
            print(json.dumps(r))
        keeps = [r for r in rows if r["recall"] >= MIN_RECALL]
        chosen = max(keeps, key=lambda r: r["threshold"]) if keeps else rows[0]
        print("chosen by the rule: " + json.dumps(chosen))
        return 0
    from . import QUEUE_THRESHOLD

    print(json.dumps(report(items, QUEUE_THRESHOLD)), file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
