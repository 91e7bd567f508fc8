"""Language identification and binary-junk detection for ingest.

English is recognised first by the share of common English function words
(cheap and reliable on news prose); anything else goes to py3langid, whose
model ships inside the package (no download). Without py3langid installed,
non-English-looking text is reported as "und" (undetermined).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .clean import _LETTER_BYTES, _OTHER_CHAR_RE


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


_EN_STOPWORDS = _words(
    """
    the of and to in a is that for on with as was by it at from his her he she they are be this which
    have has had an not or their its were been but will would who said also after more than about into
    over we our you your i
    """
)
_EN_STOPWORDS_BYTES = frozenset(w.encode("ascii") for w in _EN_STOPWORDS)
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_SAMPLE_CHARS = 3000


@lru_cache(maxsize=1)
def _langid() -> Any:
    try:
        import py3langid
    except ImportError:  # pragma: no cover - dependency is pinned in pyproject.toml
        return None
    return py3langid


def english_share(text: str, sample_chars: int = 1000) -> float:
    """Share of common English function words among the words of the first ``sample_chars`` characters."""
    sample = text[:sample_chars].lower()
    words: list[str] | list[bytes]
    if sample.isascii() or not _OTHER_CHAR_RE.search(sample):
        # letters are ASCII only: the words are the runs of ASCII letters in the UTF-8 bytes
        words = sample.encode("utf-8").translate(_LETTER_BYTES).split()
        stop: frozenset[str] | frozenset[bytes] = _EN_STOPWORDS_BYTES
    else:
        words = _WORD_RE.findall(sample)
        stop = _EN_STOPWORDS
    if not words:
        return 0.0
    return len([w for w in words if w in stop]) / len(words)


# Where the language is read: windows spread over the whole text, so an English story that opens
# with a quotation or a dateline in another language is still English (and a foreign story with
# an English lead is not), in time that does not grow with the text.
_WINDOWS = 4
_WINDOW_CHARS = 1000


def language_sample(text: str) -> str:
    """The whole text when short; otherwise windows from its start, its end and evenly between."""
    if len(text) <= _WINDOWS * _WINDOW_CHARS:
        return text
    step = (len(text) - _WINDOW_CHARS) / (_WINDOWS - 1)
    starts = [round(i * step) for i in range(_WINDOWS)]
    return "\n".join(text[s : s + _WINDOW_CHARS] for s in starts)


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` ("en", "de", "ru"...), "und" when it cannot be told.

    Read on :func:`language_sample`, which spans the whole text.
    """
    sample = language_sample(text)
    share = english_share(sample, sample_chars=len(sample))
    if share >= 0.2:
        return "en"
    words = _WORD_RE.findall(sample[:_SAMPLE_CHARS])
    if not words:
        return "und"
    lid = _langid()
    if lid is None:
        return "und"
    code, _score = lid.classify(sample)
    code = str(code)
    if code == "en" and share == 0 and len(words) >= 12:
        # langid says English but not one English function word: romanised junk or a list of names
        return "und"
    return code


_MAGIC = (
    b"%PDF",
    b"PK\x03\x04",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
    b"MZ",
    b"\xd0\xcf\x11\xe0",
    b"OggS",
    b"ID3",
    b"RIFF",
    b"\x00\x00\x01\x00",
    b"wOFF",
    b"SQLite format",
)


def looks_binary(data: bytes | str) -> bool:
    """True when ``data`` looks like binary content (images, archives, PDFs...) rather than text.

    Looks at the first 8 KB: known file signatures, NUL bytes, undecodable
    UTF-8 (allowing a cut multi-byte character at the end) and the share of
    control characters and U+FFFD replacement characters.
    """
    if isinstance(data, str):
        sample = data[:8192]
        if not sample:
            return False
        if "\x00" in sample:
            return True
        return _control_share(sample) > 0.05
    head = bytes(data[:8192])
    if not head:
        return False
    if any(head.startswith(m) for m in _MAGIC) and not head.startswith((b"MZ", b"ID3", b"RIFF")):
        return True
    if b"\x00" in head:
        return True
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            try:
                text = head.decode("cp1252")
            except UnicodeDecodeError:
                return True
            if _control_share(text) > 0.05:
                return True
            # legacy single-byte encodings decode; binary usually has many high bytes in a row
            high = sum(1 for b in head if b >= 0x80)
            return high > 0.3 * len(head)
        text = head[: exc.start].decode("utf-8")
    if head.startswith((b"MZ", b"ID3", b"RIFF")) and _control_share(text) > 0.01:
        return True
    return _control_share(text) > 0.05


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


def _control_share(text: str) -> float:
    """Share of control characters (other than tab, newlines, form feed) and U+FFFD in ``text``."""
    if not text or not _CONTROL_RE.search(text):
        return 0.0
    return len(_CONTROL_RE.findall(text)) / len(text)
