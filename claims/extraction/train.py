"""Train the check-worthiness model and write the shipped weights.

    python -m claims.extraction.train --data /work/shared/datasets/claimbuster

Reads only ``crowdsourced.csv`` (Verdict 1 = check-worthy, 0/-1 = not), split
by debate year (:mod:`.splits`, "held-out by year"): the model is trained on
the debates before 2012; the regularisation strengths, the cue weight and the
decision threshold are chosen by F1 of the check-worthy class on the 2012
debates; the 2016 debates are never read here. The model trained on the
train part is shipped together with that threshold, so the threshold matches
the shipped weights exactly. The shipped model is the average (in logit space) of a logistic regression
and an NB-weighted logistic regression, plus a weighted rule cue
(:func:`.annotate.text_cue`); both C values, the cue weight and the threshold
are chosen on the dev split. ``groundtruth.csv`` is never read here; use
``python -m claims.extraction.evaluate`` to report on the 2016 debates and on it.

Needs scikit-learn (a development dependency); the run-time scorer in
:mod:`.model` needs only numpy.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import features as F
from . import splits
from .annotate import text_cue
from .model import META_PATH, WEIGHTS_PATH

C_GRID = (0.5, 1.0, 2.0)
CUE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
CUE_SCALE = 0.5


def design_matrix(texts: Sequence[str], word_idf: np.ndarray, char_idf: np.ndarray) -> Any:
    import scipy.sparse as sp

    rows, cols, vals, cues = F.sparse_parts(texts, word_idf, char_idf)
    hashed = sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), F.WORD_DIM + F.CHAR_DIM))
    return sp.hstack([hashed, sp.csr_matrix(cues * CUE_SCALE)]).tocsr()


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Threshold in [0.05, 0.95] maximising F1 of the positive class (ties -> lower threshold)."""
    best_f1, best_t = -1.0, 0.5
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        f1 = f1_score(y, p >= t)
        if f1 > best_f1 + 1e-12:
            best_f1, best_t = f1, float(t)
    return best_t, best_f1


def log_count_ratio(a: Any, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """log(p(feature | check-worthy) / p(feature | not)) from binarised feature presence."""
    present = (a > 0).astype(np.float64)
    pos = np.asarray(present[y == 1].sum(axis=0)).ravel() + alpha
    neg = np.asarray(present[y == 0].sum(axis=0)).ravel() + alpha
    ratio: np.ndarray = np.log((pos / pos.sum()) / (neg / neg.sum()))
    return ratio


def f1_score(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum((pred == 1) & (y == 1)))
    fp = float(np.sum((pred == 1) & (y == 0)))
    fn = float(np.sum((pred == 0) & (y == 1)))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def main(argv: Sequence[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path, help="folder holding crowdsourced.csv")
    ap.add_argument("--weights", type=Path, default=WEIGHTS_PATH)
    ap.add_argument("--meta", type=Path, default=META_PATH)
    args = ap.parse_args(argv)

    data = splits.by_year(args.data)
    t_tr, t_dv = data["train"].texts, data["dev"].texts
    word_idf, char_idf = F.doc_freq(t_tr)
    a_tr = design_matrix(t_tr, word_idf, char_idf)
    a_dv = design_matrix(t_dv, word_idf, char_idf)

    y_tr, y_dv = np.asarray(data["train"].labels), np.asarray(data["dev"].labels)
    # Model 1: logistic regression on the TF-IDF features.
    # Model 2: the same on features scaled by their log-count ratio (NB-weighted, Wang & Manning 2012).
    # Both are linear, so the average of their logits is one linear model: w = (w1 + r * w2) / 2.
    ratio = log_count_ratio(a_tr, y_tr)
    a_tr_nb = a_tr.multiply(ratio).tocsr()
    fits: dict[tuple[str, float], tuple[np.ndarray, float]] = {}
    for c in C_GRID:
        for name, a in (("lr", a_tr), ("nb", a_tr_nb)):
            clf = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
            clf.fit(a, y_tr)
            coef = clf.coef_[0] * (ratio if name == "nb" else 1.0)
            fits[name, c] = (coef, float(clf.intercept_[0]))
    results: list[dict[str, float]] = []
    best: tuple[float, float, float, float, np.ndarray, float] | None = None
    cues_dv = np.asarray([text_cue(t) for t in t_dv])
    for c1 in C_GRID:
        for c2 in C_GRID:
            coef = (fits["lr", c1][0] + fits["nb", c2][0]) / 2
            bias = (fits["lr", c1][1] + fits["nb", c2][1]) / 2
            z = a_dv @ coef + bias
            for w in CUE_WEIGHTS:
                t, f1 = best_threshold(y_dv, 1 / (1 + np.exp(-(z + w * cues_dv))))
                row = {"C_lr": c1, "C_nb": c2, "cue_weight": w, "threshold": t, "dev_f1": round(f1, 4)}
                results.append(row)
                if best is None or f1 > best[2] + 1e-9:
                    best = (c1 + c2 / 100, t, f1, w, coef, bias)
    assert best is not None
    _, threshold, dev_f1, cue_weight, coef, bias = best
    chosen = max(results, key=lambda r: (r["dev_f1"], -r["cue_weight"]))
    for r in results:
        if r["cue_weight"] == 0.0 or r is chosen:
            print(
                f"C_lr={r['C_lr']:<4} C_nb={r['C_nb']:<4} cue={r['cue_weight']:<4} "
                f"dev F1={r['dev_f1']:.4f} at threshold {r['threshold']:.2f}",
                file=sys.stderr,
            )

    n_hashed = F.WORD_DIM + F.CHAR_DIM
    np.savez_compressed(
        args.weights,
        word_idf=word_idf.astype(np.float32),
        char_idf=char_idf.astype(np.float32),
        word_coef=coef[: F.WORD_DIM].astype(np.float32),
        char_coef=coef[F.WORD_DIM : n_hashed].astype(np.float32),
        cue_coef=coef[n_hashed:].astype(np.float64),
        cue_scale=np.float64(CUE_SCALE),
        bias=np.float64(bias),
    )
    meta = {
        "model": (
            "average (logit space) of logistic regression and NB-weighted logistic regression over hashed "
            "word 1-2-grams, char 2-5-grams and cue features"
        ),
        "data": "ClaimBuster crowdsourced.csv (Verdict 1 = check-worthy)",
        "train_sentences": len(t_tr),
        "dev_sentences": len(t_dv),
        "protocol": splits.PROTOCOL,
        "C_lr": chosen["C_lr"],
        "C_nb": chosen["C_nb"],
        "cue_weight": cue_weight,
        "threshold": threshold,
        "dev_f1": round(dev_f1, 4),
        "grid": results,
        "cue_features": list(F.CUE_NAMES),
        "cue_feature_weights": {
            n: round(float(w), 4) for n, w in zip(F.CUE_NAMES, coef[n_hashed:], strict=True)
        },
    }
    args.meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"chose {chosen}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
