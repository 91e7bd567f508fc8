"""Run-time check-worthiness scorer (numpy only).

A logistic-regression model over the features in :mod:`.features`, trained on
the ClaimBuster crowdsourced sentences by ``python -m claims.extraction.train``.
The weights ship in ``checkworthy_model.npz`` next to this file and the
decision threshold (chosen on a held-out dev split) in ``checkworthy_model.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import features as F
from .annotate import text_cue

MODEL_DIR = Path(__file__).resolve().parent
WEIGHTS_PATH = MODEL_DIR / "checkworthy_model.npz"
META_PATH = MODEL_DIR / "checkworthy_model.json"


def _load_meta() -> dict[str, Any]:
    try:
        with META_PATH.open(encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
            return data
    except FileNotFoundError:
        return {"threshold": 0.5}


META: dict[str, Any] = _load_meta()
BATCH = 256
#: Scores at or above this value are check-worthy (chosen on the dev split).
THRESHOLD: float = float(META.get("threshold", 0.5))


class _Weights:
    def __init__(self, path: Path) -> None:
        with np.load(path) as z:
            self.word_idf = z["word_idf"].astype(np.float64)
            self.char_idf = z["char_idf"].astype(np.float64)
            self.coef = np.concatenate([z["word_coef"], z["char_coef"]]).astype(np.float64)
            self.cue_coef = z["cue_coef"].astype(np.float64)
            self.cue_scale = float(z["cue_scale"])
            self.bias = float(z["bias"])
            self.temperature = float(z["temperature"]) if "temperature" in z.files else 1.0


@lru_cache(maxsize=1)
def _weights() -> _Weights:
    return _Weights(WEIGHTS_PATH)


def model_logits(texts: Sequence[str], tokens: Sequence[F.Tokens] | None = None) -> np.ndarray:
    """Raw model logits (before the sigmoid) for each text; ``tokens`` may pass pre-computed tokens."""
    if not texts:
        return np.zeros(0)
    if len(texts) > BATCH:
        # long articles go in fixed-size batches: memory stays bounded and time linear
        return np.concatenate(
            [
                model_logits(texts[i : i + BATCH], tokens[i : i + BATCH] if tokens is not None else None)
                for i in range(0, len(texts), BATCH)
            ]
        )
    w = _weights()
    rows, cols, vals, cues = F.sparse_parts(texts, w.word_idf, w.char_idf, tokens)
    z = np.bincount(rows, weights=vals * w.coef[cols], minlength=len(texts))
    z += (cues * w.cue_scale) @ w.cue_coef + w.bias
    return z / w.temperature


#: Weight of the rule cue (:func:`.annotate.text_cue`) added to the model's logit (chosen on the dev split).
CUE_WEIGHT: float = float(META.get("cue_weight", 0.0))


def blended_logits(texts: Sequence[str], tokens: Sequence[F.Tokens] | None = None) -> np.ndarray:
    """Model logit plus the weighted rule cue of each sentence on its own."""
    z = model_logits(texts, tokens)
    if CUE_WEIGHT:
        z = z + CUE_WEIGHT * np.asarray([text_cue(t) for t in texts], dtype=np.float64).reshape(len(texts))
    return z


def score_sentences(texts: Sequence[str]) -> list[float]:
    """Check-worthiness score in [0, 1] of each sentence on its own (no article context).

    Compare with :data:`THRESHOLD`; :func:`claims.extraction.extract` adds
    article context (speaker, quotation) on top of this.
    """
    return [sigmoid(float(v)) for v in blended_logits(texts)]


def is_check_worthy(score: float) -> bool:
    return score >= THRESHOLD


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
