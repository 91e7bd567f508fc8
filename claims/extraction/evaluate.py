"""Report the shipped model on a labelled ClaimBuster file (never used for training or tuning).

    python -m claims.extraction.evaluate --data /work/shared/datasets/claimbuster [--file groundtruth.csv]

Scores every sentence with the run-time scorer (numpy only) and prints
precision, recall and F1 of the check-worthy class (Verdict 1) at the shipped
threshold.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

from .model import THRESHOLD, score_sentences


def evaluate(path: Path, threshold: float = THRESHOLD) -> dict[str, float]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    texts = [r["Text"] for r in rows]
    gold = [r["Verdict"] == "1" for r in rows]
    scores = score_sentences(texts)
    pred = [s >= threshold for s in scores]
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if not g and p)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "sentences": float(len(rows)),
        "positives": float(sum(gold)),
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--file", default="groundtruth.csv")
    args = ap.parse_args(argv)
    m = evaluate(args.data / args.file)
    print(
        f"{args.file}: {int(m['sentences'])} sentences, {int(m['positives'])} check-worthy; "
        f"threshold {m['threshold']:.2f}: precision {m['precision']:.4f} recall {m['recall']:.4f} "
        f"F1 {m['f1']:.4f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
