"""How much of a real article page's body the product keeps, against human-extracted bodies.

    python bench/html_bodies.py PATH [--verbose]

PATH is a checkout of the public article extraction benchmark
(github.com/scrapinghub/article-extraction-benchmark: ``ground-truth.json``
and ``html/*.html.gz``, 181 pages from 126 sites, bodies extracted by people).
Three texts are scored per page with that benchmark's own metric (word
4-gram shingles; precision and recall averaged over pages, F1 of the two
means):

* ``trafilatura``: ``trafilatura.extract(html)`` with its defaults, alone;
* ``stage``: the product's trafilatura call (``clean.html_to_text``);
* ``product``: what the product keeps (``clean.clean(html, "html")``: the
  stage above, then the boilerplate filter), the text claims come from.

It also counts pages left empty while trafilatura finds text, and extracts
every page a second time after all the others, in the same process, to check
that a page's text never depends on what was extracted before it. The last
line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims.extraction.clean import HtmlRefused, clean, html_to_text  # noqa: E402

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    """The benchmark's ``string_shingle_matching``: counts normalised so that every page weighs the same."""
    t, p = shingles(true), shingles(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def scores(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    p = statistics.mean(_precision(*r) for r in rows if r[0] + r[1] > 0)
    r = statistics.mean(_recall(*x) for x in rows if x[0] + x[2] > 0)
    return {"f1": round(2 * p * r / (p + r), 4), "precision": round(p, 4), "recall": round(r, 4)}


def product_text(html: str) -> str:
    try:
        text, _removed = clean(html, "html")
    except HtmlRefused:
        return ""
    return text


def main() -> int:
    import trafilatura

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", type=Path, help="checkout of the article extraction benchmark")
    ap.add_argument("--verbose", action="store_true", help="one line per page")
    args = ap.parse_args()

    truth = json.loads((args.path / "ground-truth.json").read_text(encoding="utf-8"))
    rows: dict[str, list[tuple[float, float, float]]] = {"trafilatura": [], "stage": [], "product": []}
    empty: list[str] = []
    first: dict[str, str] = {}
    pages: dict[str, str] = {}
    for key in sorted(truth):
        raw = gzip.decompress((args.path / "html" / f"{key}.html.gz").read_bytes())
        html = raw.decode("utf-8", "replace")
        pages[key] = html
        body = truth[key].get("articleBody", "")
        alone = trafilatura.extract(html) or ""
        stage = html_to_text(html)
        kept = product_text(html)
        first[key] = kept
        for name, text in (("trafilatura", alone), ("stage", stage), ("product", kept)):
            rows[name].append(tp_fp_fn(body, text))
        if alone.strip() and not kept.strip():
            empty.append(key)
        if args.verbose:
            f1s = [2 * r[-1][0] / (2 * r[-1][0] + r[-1][1] + r[-1][2] or 1) for r in rows.values()]
            print(f"{key[:12]} traf {f1s[0]:.3f} stage {f1s[1]:.3f} product {f1s[2]:.3f} chars {len(kept)}")
    changed = [key for key in sorted(pages) if product_text(pages[key]) != first[key]]
    report = {name: scores(r) for name, r in rows.items()}
    out = {
        "pages": len(truth),
        **{f"{name}_{k}": v for name, s in report.items() for k, v in s.items()},
        "empty_where_trafilatura_has_text": len(empty),
        "changed_on_re_extraction": len(changed),
    }
    for name, s in report.items():
        print(f"{name:12} F1 {s['f1']:.3f}  precision {s['precision']:.3f}  recall {s['recall']:.3f}")
    print(f"empty where trafilatura finds text: {len(empty)} {empty}")
    print(f"different text on re-extraction: {len(changed)} {changed}")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
