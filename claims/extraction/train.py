"""Train the check-worthiness model and write the shipped weights.

    python -m claims.extraction.train --data /work/shared/datasets/claimbuster

Reads only ``crowdsourced.csv`` (Verdict 1 = check-worthy, 0/-1 = not). A
stratified dev split (15 %, fixed seed) is carved out of it; the
regularisation strength and the decision threshold are chosen by F1 of the
check-worthy class on that dev split, and the model trained on the remaining
85 % is shipped together with that threshold, so the threshold matches the
shipped weights exactly. ``groundtruth.csv`` is never read here; use
``python -m claims.extraction.evaluate`` to report on it.

Needs scikit-learn (a development dependency); the run-time scorer in
:mod:`.model` needs only numpy.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import features as F
from .model import META_PATH, WEIGHTS_PATH

SEED = 0
DEV_FRACTION = 0.15
C_GRID = (1.0, 2.0, 4.0, 8.0)
CUE_SCALE = 0.5


def load_csv(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    texts = [r["Text"] for r in rows]
    verdict = np.asarray([int(r["Verdict"]) for r in rows])
    return texts, verdict


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


def f1_score(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum((pred == 1) & (y == 1)))
    fp = float(np.sum((pred == 1) & (y == 0)))
    fn = float(np.sum((pred == 0) & (y == 1)))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def main(argv: Sequence[str] | None = None) -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path, help="folder holding crowdsourced.csv")
    ap.add_argument("--weights", type=Path, default=WEIGHTS_PATH)
    ap.add_argument("--meta", type=Path, default=META_PATH)
    args = ap.parse_args(argv)

    texts, verdict = load_csv(args.data / "crowdsourced.csv")
    y = (verdict == 1).astype(int)
    idx = np.arange(len(texts))
    tr, dv = train_test_split(idx, test_size=DEV_FRACTION, random_state=SEED, stratify=verdict)
    t_tr = [texts[i] for i in tr]
    t_dv = [texts[i] for i in dv]
    word_idf, char_idf = F.doc_freq(t_tr)
    a_tr = design_matrix(t_tr, word_idf, char_idf)
    a_dv = design_matrix(t_dv, word_idf, char_idf)

    results: list[dict[str, float]] = []
    best: tuple[float, float, float, Any] | None = None
    for c in C_GRID:
        clf = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
        clf.fit(a_tr, y[tr])
        p = clf.predict_proba(a_dv)[:, 1]
        t, f1 = best_threshold(y[dv], p)
        results.append({"C": c, "threshold": t, "dev_f1": round(f1, 4)})
        print(f"C={c:<5} dev F1={f1:.4f} at threshold {t:.2f}", file=sys.stderr)
        if best is None or f1 > best[2] + 1e-9:
            best = (c, t, f1, clf)
    assert best is not None
    c, threshold, dev_f1, clf = best

    coef = clf.coef_[0]
    n_hashed = F.WORD_DIM + F.CHAR_DIM
    np.savez_compressed(
        args.weights,
        word_idf=word_idf.astype(np.float32),
        char_idf=char_idf.astype(np.float32),
        word_coef=coef[: F.WORD_DIM].astype(np.float32),
        char_coef=coef[F.WORD_DIM : n_hashed].astype(np.float32),
        cue_coef=coef[n_hashed:].astype(np.float64),
        cue_scale=np.float64(CUE_SCALE),
        bias=np.float64(clf.intercept_[0]),
    )
    meta = {
        "model": "logistic regression over hashed word 1-2-grams, char 2-5-grams and cue features",
        "data": "ClaimBuster crowdsourced.csv (Verdict 1 = check-worthy)",
        "train_sentences": len(tr),
        "dev_sentences": len(dv),
        "dev_split": f"stratified {DEV_FRACTION:.0%} of crowdsourced.csv, seed {SEED}",
        "C": c,
        "threshold": threshold,
        "dev_f1": round(dev_f1, 4),
        "grid": results,
        "cue_features": list(F.CUE_NAMES),
        "cue_weights": {n: round(float(w), 4) for n, w in zip(F.CUE_NAMES, coef[n_hashed:], strict=True)},
    }
    args.meta.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"chose C={c}, threshold={threshold:.2f}, dev F1={dev_f1:.4f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
