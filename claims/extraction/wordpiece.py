"""BERT's uncased WordPiece tokenizer for the MiniLM models (embeddings and check-worthiness).

Plain Python with no Django import. The vocabulary ships in this folder
(``minilm_vocab.json``, from the Apache-2.0 all-MiniLM-L6-v2 model); the
check-worthiness transformer is trained with this same tokenizer, so training
and run time see the same ids.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path

VOCAB_PATH = Path(__file__).resolve().parent / "minilm_vocab.json"
MAX_TOKENS = 128


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
