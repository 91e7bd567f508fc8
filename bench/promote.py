"""How long a reviewer waits for "Promote to queue": one promotion of a sentence kept out of the queue.

    python bench/promote.py postgres://postgres@127.0.0.1:5432/factcheck_promote_bench [--per-article 5]

Recreates the database (its name must contain "bench"), ingests the seed
articles (extraction in this process, no broker), then promotes up to
``--per-article`` sentences of each article that are no claim, one at a time
through ``claims.promotion.do_promote_sentence`` as the API and the page call
it, and each one a second time (the double click, answered with the same
claim). Reported, in milliseconds (p50 and max over the promotions, after one
warm-up promotion that loads the models): the whole promotion, and its two
parts outside the transaction: the extractor run on the article and the
matcher's preparation (the sentence's embedding). The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import ensure_database, log  # noqa: E402


def setup(url: str) -> None:
    ensure_database(url, keep=False)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # extraction runs in this process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values) * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("database_url", help="postgres://... of a database whose name contains 'bench'")
    parser.add_argument("--per-article", type=int, default=5)
    args = parser.parse_args()

    setup(args.database_url)
    from django.contrib.auth.models import Group, User

    from claims import article_matching, filing, ingest, promotion, roles
    from claims.actors import Actor

    articles = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        result = ingest.do_ingest_article(data=ingest.ArticleInput(body=path.read_text(encoding="utf-8")))
        filing.do_extract_article(article_id=result.article.pk)
        articles.append(result.article.pk)
    roles.ensure_roles()
    user = User.objects.create_user("bench-reviewer")
    user.groups.add(Group.objects.get(name=roles.REVIEWER))
    actor = Actor(user=user)

    from claims.models import Article

    candidates: list[tuple[Any, dict[str, Any]]] = []
    for pk in articles:
        article = Article.objects.get(pk=pk)
        rows = [row for row in promotion.article_sentences(article) if row["claim"] is None]
        candidates += [(article, row) for row in rows[: args.per_article]]
    log(f"{len(articles)} articles, {len(candidates)} sentences to promote")

    extract_s: list[float] = []
    prepare_s: list[float] = []
    whole_s: list[float] = []
    for n, (article, row) in enumerate(candidates):
        started = time.perf_counter()
        sentence, _ = promotion._as_extracted(article, row)
        extracted = time.perf_counter()
        article_matching.prepare(
            article=article, sentences=[sentence], reference=filing.reference_date(article)
        )
        prepared = time.perf_counter()
        first = promotion.do_promote_sentence(
            article_id=article.pk, start=row["start"], end=row["end"], actor=actor
        )
        done = time.perf_counter()
        again = promotion.do_promote_sentence(
            article_id=article.pk, start=row["start"], end=row["end"], actor=actor
        )
        assert first.promoted and not again.promoted and again.claim.pk == first.claim.pk
        if n == 0:
            continue  # the warm-up: the models load here
        extract_s.append(extracted - started)
        prepare_s.append(prepared - extracted)
        whole_s.append(done - prepared)
    whole, extractor, preparation = ms(whole_s), ms(extract_s), ms(prepare_s)
    report = {
        "promotions": len(whole_s),
        "promotion": whole,
        "extractor_run": extractor,
        "matcher_preparation": preparation,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(
        f"promotion p50 {whole['p50_ms']} ms (max {whole['max_ms']}); of it outside the transaction: "
        f"extractor {extractor['p50_ms']} ms, matcher preparation {preparation['p50_ms']} ms"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
