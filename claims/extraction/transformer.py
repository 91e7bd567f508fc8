"""The second stage of check-worthiness: a fine-tuned MiniLM-L6, int8, on onnxruntime.

Plain Python with no Django import. The model file ships in this folder
(``checkworthy_minilm.onnx``, made by ``python -m claims.extraction.train_transformer``)
with its threshold and dev numbers in ``checkworthy_minilm.json``; tokens come
from the same WordPiece the model was trained with. When onnxruntime or the
file is missing, :func:`scorer` returns None and the linear model decides alone.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .wordpiece import tokenizer

logger = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent
MODEL_PATH = MODEL_DIR / "checkworthy_minilm.onnx"
META_PATH = MODEL_DIR / "checkworthy_minilm.json"
MAX_TOKENS = 64


class TransformerScorer:
    """Logits of the fine-tuned model, one sentence per run.

    Dynamic int8 quantisation scales each run's activations by their range, so a sentence
    batched with others could score differently than alone; one run per sentence keeps a
    sentence's score independent of its article.
    """

    def __init__(self, path: Path = MODEL_PATH) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = tokenizer()

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(texts), dtype=np.float64)
        if not texts:
            return out
        for i, text in enumerate(texts):
            ids = np.array([self.tokenizer.encode(text, MAX_TOKENS)], dtype=np.int64)
            result = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            out[i] = float(np.asarray(result).reshape(-1)[0])
        return out


_lock = threading.Lock()
_scorer: TransformerScorer | None = None
_load_error: str | None = None


def scorer() -> TransformerScorer | None:
    """The shipped model, loaded once; None (and one logged error) when it cannot be loaded."""
    global _scorer, _load_error
    if _scorer is not None or _load_error is not None:
        return _scorer
    with _lock:
        if _scorer is None and _load_error is None:
            try:
                _scorer = TransformerScorer(MODEL_PATH)
            except Exception as exc:  # a missing optional package or file: the linear model decides alone
                _load_error = f"{type(exc).__name__}: {exc}"
                logger.error(
                    "check-worthiness transformer %s could not be loaded (%s): the linear model scores alone",
                    MODEL_PATH.name,
                    _load_error,
                )
    return _scorer


def load_error() -> str | None:
    scorer()
    return _load_error


def load_meta() -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(META_PATH.read_text(encoding="utf-8"))
        return data
    except (FileNotFoundError, ValueError):
        return {}
