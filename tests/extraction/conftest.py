"""Fixtures for the extraction tests: the seed articles (real, noisy scraped news)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claims.extraction import ExtractionResult, extract

_CANDIDATES = [
    Path(os.environ["FACTCHECK_SEEDS_DIR"]) if os.environ.get("FACTCHECK_SEEDS_DIR") else None,
    Path(__file__).resolve().parents[2] / "seeds",
    Path(__file__).resolve().parents[3] / "shared" / "seeds",
]


def seeds_dir() -> Path | None:
    for cand in _CANDIDATES:
        if cand is not None and cand.is_dir() and any(cand.glob("*.txt")):
            return cand
    return None


@pytest.fixture(scope="session")
def seed_results() -> dict[str, ExtractionResult]:
    """Extraction result of every seed article, keyed by file stem prefix ("000", "001"...)."""
    d = seeds_dir()
    if d is None:
        pytest.skip("seed articles not found (set FACTCHECK_SEEDS_DIR)")
    return {p.stem[:3]: extract(p.read_text(encoding="utf-8")) for p in sorted(d.glob("*.txt"))}


@pytest.fixture(scope="session")
def all_seed_claims(seed_results: dict[str, ExtractionResult]) -> list[tuple[str, str]]:
    """(seed id, claim text) of every check-worthy sentence of every seed."""
    return [(k, s.text) for k, r in seed_results.items() for s in r.claims]
