"""Throughput of the claim extraction pipeline on plain-text articles.

    python bench/extract.py [--articles 600] [--size 5000] [--seeds DIR] [--big]
                            [--claimbuster DIR] [--news PATH]

Builds ~5 KB plain-text articles from the seed articles (each article is a
different rotation of the seeds' lines, so no two are identical), warms the
pipeline up (model load, language model), then extracts them one by one in
this single process and reports articles/s and per-article latency (p50,
p95) of the fastest of ``--repeat`` passes (other load on a shared machine
only ever slows a pass down). ``--big`` also times single 250 KB, 500 KB and 1 MB articles to show
that the cost grows linearly with the input.

Both check-worthiness paths are timed: the cascade (the linear model for every
sentence, the fine-tuned transformer for the unsure ones; what the product
runs) and the fast linear model alone. ``--claimbuster DIR`` adds the quality
each reaches on the debates held out by year (F1 of the check-worthy class on
the 2016 debates), ``--news PATH`` (a checkout of the article extraction
benchmark) the queue each gives on the labelled news development set.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from claims.extraction import QUEUE_THRESHOLD, THRESHOLD, cascade, extract, newsdev, splits  # noqa: E402


def seed_lines(seeds: Path) -> list[str]:
    lines: list[str] = []
    for p in sorted(seeds.glob("*.txt")):
        lines.extend(ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip())
    if not lines:
        raise SystemExit(f"no seed articles in {seeds}")
    return lines


def make_article(lines: list[str], i: int, size: int, unique: bool = False) -> str:
    """``size`` characters of seed lines from rotation ``i``.

    ``unique`` appends a numbered sentence to every line so that a long article
    has no repeated lines (which the cleaner would drop as boilerplate).
    """
    out: list[str] = []
    n = len(lines)
    k = (i * 7) % n
    total = 0
    while total < size:
        ln = lines[k % n]
        if unique:
            tag = "".join(chr(97 + (k // 26**j) % 26) for j in range(4))
            ln = f"{ln} The {tag} file was received on day {k % 28 + 1}."
        out.append(ln)
        total += len(ln) + 1
        k += 1
    return "\n".join(out)


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    idx = min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))
    return s[idx]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=600)
    ap.add_argument("--size", type=int, default=5000, help="characters per article")
    default_seeds = ROOT / "seeds"
    if not default_seeds.is_dir():
        default_seeds = ROOT.parent / "shared" / "seeds"
    ap.add_argument("--seeds", type=Path, default=default_seeds)
    ap.add_argument("--repeat", type=int, default=3, help="passes over the articles; the fastest is reported")
    ap.add_argument("--big", action="store_true", help="also time 250 KB, 500 KB and 1 MB articles")
    ap.add_argument("--claimbuster", type=Path, help="ClaimBuster folder: F1 of each on the 2016 debates")
    ap.add_argument("--news", type=Path, help="article extraction benchmark checkout: the news dev queue")
    args = ap.parse_args()

    lines = seed_lines(args.seeds)
    articles = [make_article(lines, i, args.size) for i in range(args.articles)]
    print(f"scoring: {cascade.describe()}")
    paths = (("cascade (linear, then the transformer when unsure)", True), ("linear alone", False))
    for name, second in paths:
        print(f"== {name}")
        timed(articles, args.repeat, second)
        quality(args, second)
    if args.big:
        for size in (250_000, 500_000, 1_000_000):
            big = make_article(lines, 3, size, unique=True)
            t0 = time.perf_counter()
            r = extract(big)
            dt = time.perf_counter() - t0
            print(
                f"  {len(big) / 1000:.0f} KB article: {dt:.2f} s ({len(r.sentences)} sentences, "
                f"{dt / (len(big) / 1e6):.2f} s per MB)"
            )
    return 0


def quality(args: argparse.Namespace, second: bool) -> None:
    if args.claimbuster:
        test = splits.by_year(args.claimbuster)["test"]
        scores = cascade.score_sentences(test.texts, second_stage=second)
        p, r, f1 = splits.f1_at(test.labels, scores, THRESHOLD)
        print(f"  2016 debates (held out by year): precision {p:.3f} recall {r:.3f} F1 {f1:.3f}")
    if args.news:
        labels = newsdev.read_labels()
        items = newsdev.build(args.news, newsdev.pages_in(labels), labels, second_stage=second)
        m = newsdev.report(items, QUEUE_THRESHOLD)
        print(
            f"  news dev set: {m['queued']} of {m['sentences']} sentences queued, precision "
            f"{m['precision']:.3f} recall {m['recall']:.3f} F1 {m['f1']:.3f}"
        )


def timed(articles: list[str], repeat: int, second: bool) -> None:
    for a in articles[:20]:
        extract(a, second_stage=second)  # warm-up: weights, caches
    best: tuple[float, float, list[float]] | None = None
    n_sent = n_claims = 0
    for _ in range(repeat):
        times: list[float] = []
        n_sent = n_claims = 0
        t_all = time.perf_counter()
        cpu_all = time.process_time()
        for a in articles:
            t0 = time.perf_counter()
            r = extract(a, second_stage=second)
            times.append(time.perf_counter() - t0)
            n_sent += len(r.sentences)
            n_claims += len(r.claims)
        run = (time.perf_counter() - t_all, time.process_time() - cpu_all, times)
        if best is None or run[0] < best[0]:
            best = run
    assert best is not None
    wall, cpu, times = best
    mean_kb = sum(len(a) for a in articles) / len(articles) / 1000
    print(f"  {len(articles)} plain-text articles of ~{mean_kb:.1f} KB, one process, best of {repeat} passes")
    print(f"  throughput: {len(articles) / wall:.0f} articles/s ({n_sent / wall:.0f} sentences/s)")
    print(
        f"  CPU time: {cpu / len(articles) * 1000:.2f} ms per article = {len(articles) / cpu:.0f} articles/s "
        "per busy core (less sensitive to other load on the machine)"
    )
    p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
    print(f"  per article: p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {max(times) * 1000:.2f} ms")
    print(f"  {n_sent / len(articles):.1f} sentences and {n_claims / len(articles):.1f} claims per article")


if __name__ == "__main__":
    raise SystemExit(main())
