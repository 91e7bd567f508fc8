"""Check-worthiness in two stages: the linear model for every sentence, the transformer for the unsure ones.

The linear model (:mod:`.model`, numpy, thousands of sentences a second) scores
every sentence. A sentence whose linear score falls in the unsure band
(``cascade.band`` in ``checkworthy_minilm.json``, chosen on the 2012 debates
by ``python -m claims.extraction.evaluate --choose-band``) is scored again by
the fine-tuned MiniLM (:mod:`.transformer`), and its logit becomes a mix of the
two (``cascade.mix``: the transformer's share). The transformer's logit is moved
so that its own dev threshold lands on the linear model's, so one threshold,
:data:`THRESHOLD`, means "check-worthy" whichever stage decided.

When onnxruntime or the model file is missing, or no band was chosen, the
linear model decides alone, as it did before the transformer existed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import transformer
from .features import Tokens
from .model import THRESHOLD, blended_logits


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


@dataclass(frozen=True, slots=True)
class Plan:
    low: float  # linear scores in [low, high] go to the transformer
    high: float
    mix: float  # the transformer's share of the final logit in the band
    shift: float  # added to the transformer's logit: its threshold onto the linear one


def _plan() -> Plan | None:
    meta = transformer.load_meta()
    band = meta.get("cascade")
    if not band or "threshold" not in meta:
        return None
    return Plan(
        low=float(band["low"]),
        high=float(band["high"]),
        mix=float(band["mix"]),
        shift=_logit(THRESHOLD) - _logit(float(meta["threshold"])),
    )


PLAN: Plan | None = _plan()
#: Sentences of one article that the transformer scores at most (about 3 ms each): a news
#: article has a few dozen, so only a dump of thousands of sentences is capped; its band
#: sentences nearest the threshold go first and the rest keep their linear score.
MAX_SECOND_STAGE = 300


def combine(linear: np.ndarray, second: np.ndarray, plan: Plan) -> np.ndarray:
    """Final logits of sentences in the band from their linear and transformer logits."""
    mixed: np.ndarray = (1 - plan.mix) * linear + plan.mix * (second + plan.shift)
    return mixed


def in_band(linear: np.ndarray, plan: Plan) -> np.ndarray:
    p = 1 / (1 + np.exp(-linear))
    band: np.ndarray = (p >= plan.low) & (p <= plan.high)
    return band


def logits(
    texts: Sequence[str],
    tokens: Sequence[Tokens] | None = None,
    *,
    second_stage: bool = True,
    cap: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Check-worthiness logits of each sentence on its own, and which ones the transformer scored.

    ``second_stage=False`` keeps the linear model alone (the fast path); ``cap`` bounds the
    sentences the transformer scores (:data:`MAX_SECOND_STAGE` for one article).
    """
    z = blended_logits(texts, tokens)
    scored = np.zeros(len(texts), dtype=bool)
    plan = PLAN
    if not second_stage or plan is None or not len(texts):
        return z, scored
    model = transformer.scorer()
    if model is None:
        return z, scored
    scored = in_band(z, plan)
    idx = np.flatnonzero(scored)
    if cap is not None and idx.size > cap:
        nearest = np.argsort(np.abs(z[idx] - _logit(THRESHOLD)), kind="stable")[:cap]
        idx = np.sort(idx[nearest])
        scored = np.zeros(len(texts), dtype=bool)
        scored[idx] = True
    if idx.size:
        z = z.copy()
        z[idx] = combine(z[idx], model.logits([texts[int(i)] for i in idx]), plan)
    return z, scored


def score_sentences(texts: Sequence[str], *, second_stage: bool = True) -> list[float]:
    """Check-worthiness score in [0, 1] of each sentence on its own (no article context).

    Compare with :data:`THRESHOLD`; :func:`claims.extraction.extract` adds
    article context (speaker, quotation) on top of this.
    """
    z, _ = logits(texts, second_stage=second_stage)
    return [float(v) for v in 1 / (1 + np.exp(-z))]


def describe() -> str:
    """Which stages score sentences in this installation (for health pages and benchmarks)."""
    if PLAN is None:
        return "linear model alone (no cascade band chosen)"
    if transformer.scorer() is None:
        return f"linear model alone (transformer unavailable: {transformer.load_error()})"
    return (
        f"linear model, then the transformer for linear scores in [{PLAN.low:.2f}, {PLAN.high:.2f}] "
        f"(transformer share {PLAN.mix:.2f})"
    )
