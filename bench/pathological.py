"""Extraction on pathological input: runs of stops inside prose and HTML elements with many attributes.

Both were quadratic once (40,000 '.' took 20 s to split; 50,000 attributes on
one element took 14 s to clean). Prints one line per case and a JSON line last.

    python bench/pathological.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claims.extraction.clean import clean
from claims.extraction.sentences import split_spans


def timed(run: object) -> float:
    assert callable(run)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    results: dict[str, float] = {}
    for n in (10_000, 20_000, 40_000, 1_000_000):
        for ch in ".!":
            text = "Hello there " + ch * n + "x more words here."
            key = f"split {n} {ch!r}"
            results[key] = timed(lambda text=text: split_spans(text))
            print(f"{key:<28} {results[key] * 1000:8.1f} ms")
    for n in (50_000, 100_000):
        attributes = " ".join(f'a{i}="v"' for i in range(n))
        html = f"<html><body><p {attributes}>Exports rose 4% in May, the office said.</p></body></html>"
        key = f"clean html {n} attributes"
        results[key] = timed(lambda html=html: clean(html, "html"))
        print(f"{key:<28} {results[key] * 1000:8.1f} ms")
    print(json.dumps({key: round(value * 1000, 2) for key, value in results.items()}))


if __name__ == "__main__":
    main()
