"""Report the check-worthiness models on ClaimBuster, held out by debate year.

    python -m claims.extraction.evaluate --data ../shared/datasets/claimbuster              # 2016 debates
    python -m claims.extraction.evaluate --data ../shared/datasets/claimbuster --split dev  # 2012 debates
    python -m claims.extraction.evaluate --data ../shared/datasets/claimbuster --file groundtruth.csv
    python -m claims.extraction.evaluate --data ../shared/datasets/claimbuster --choose-band

Prints precision, recall and F1 of the check-worthy class (Verdict 1) for the
linear model alone, the transformer alone and the cascade, each at its shipped
threshold (:mod:`.splits` has the protocol). ``groundtruth.csv`` holds
sentences of the training years, so its numbers are development numbers.

``--choose-band`` picks the cascade's unsure band and mix on the 2012 debates
(the dev split) and writes them into ``checkworthy_minilm.json``: among the
bands whose dev F1 is within 0.005 of the best, the one that sends the fewest
sentences to the transformer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import cascade, splits, transformer
from .model import THRESHOLD, blended_logits

LOWS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)
HIGHS = (0.45, 0.55, 0.65, 0.75, 0.85, 1.0)
MIXES = (0.5, 0.75, 1.0)


def evaluate(path: Path, threshold: float = THRESHOLD) -> dict[str, float]:
    """The cascade (or the linear model alone where it is the shipped scorer) on one labelled CSV."""
    rows = splits.load_rows(path)
    texts = [r["Text"] for r in rows]
    gold = [1 if r["Verdict"].strip() == "1" else 0 for r in rows]
    p, r, f1 = splits.f1_at(gold, cascade.score_sentences(texts), threshold)
    return {
        "sentences": float(len(rows)),
        "positives": float(sum(gold)),
        "threshold": threshold,
        "precision": p,
        "recall": r,
        "f1": f1,
    }


def _sigmoid(z: np.ndarray) -> list[float]:
    return [float(v) for v in 1 / (1 + np.exp(-z))]


def stage_scores(texts: Sequence[str]) -> dict[str, tuple[list[float], float]]:
    """Scores and threshold of each stage that this installation has."""
    linear = blended_logits(texts)
    out = {"linear": (_sigmoid(linear), THRESHOLD)}
    model = transformer.scorer()
    meta = transformer.load_meta()
    if model is not None and "threshold" in meta:
        second = model.logits(texts)
        out["transformer"] = (_sigmoid(second), float(meta["threshold"]))
        if cascade.PLAN is not None:
            z, scored = cascade.logits(texts)
            out["cascade"] = (_sigmoid(z), THRESHOLD)
            print(f"cascade: the transformer scored {scored.mean():.1%} of the sentences", file=sys.stderr)
    return out


def choose_band(dev: splits.Split) -> dict[str, float]:
    model = transformer.scorer()
    if model is None:
        raise SystemExit(f"the transformer cannot be loaded: {transformer.load_error()}")
    meta = transformer.load_meta()
    linear = blended_logits(dev.texts)
    second = model.logits(dev.texts)
    rows: list[dict[str, float]] = []
    for mix in MIXES:
        for low in LOWS:
            for high in HIGHS:
                plan = cascade.Plan(
                    low=low,
                    high=high,
                    mix=mix,
                    shift=cascade._logit(THRESHOLD) - cascade._logit(float(meta["threshold"])),
                )
                band = cascade.in_band(linear, plan)
                z = linear.copy()
                z[band] = cascade.combine(linear[band], second[band], plan)
                f1 = splits.f1_at(dev.labels, _sigmoid(z), THRESHOLD)[2]
                rows.append(
                    {"low": low, "high": high, "mix": mix, "sent": float(band.mean()), "dev_f1": round(f1, 4)}
                )
    best = max(r["dev_f1"] for r in rows)
    chosen = min((r for r in rows if r["dev_f1"] >= best - 0.005), key=lambda r: (r["sent"], -r["dev_f1"]))
    meta["cascade"] = {**chosen, "sent": round(chosen["sent"], 4), "best_dev_f1": best}
    transformer.META_PATH.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return dict(meta["cascade"])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--split", choices=("train", "dev", "test"), default="test")
    ap.add_argument("--file", help="a labelled CSV in --data instead of a split (e.g. groundtruth.csv)")
    ap.add_argument("--choose-band", action="store_true", help="choose the cascade band on the dev split")
    args = ap.parse_args(argv)
    if args.choose_band:
        print(json.dumps(choose_band(splits.by_year(args.data)["dev"])))
        return 0
    if args.file:
        rows = splits.load_rows(args.data / args.file)
        name = args.file
        texts = [r["Text"] for r in rows]
        labels = [1 if r["Verdict"].strip() == "1" else 0 for r in rows]
    else:
        part = splits.by_year(args.data)[args.split]
        name, texts, labels = f"{args.split} ({splits.PROTOCOL})", part.texts, part.labels
    print(f"{name}: {len(texts)} sentences, {sum(labels)} check-worthy")
    for stage, (scores, threshold) in stage_scores(texts).items():
        p, r, f1 = splits.f1_at(labels, scores, threshold)
        print(f"  {stage:<11} threshold {threshold:.2f}: precision {p:.4f} recall {r:.4f} F1 {f1:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
