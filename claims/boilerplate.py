"""What an outlet prints around every story: lines that recur across its articles.

Read from the outlet's already extracted articles, as the cleaner saw them
(the kept text plus what it removed). That is the same for plain text and HTML
(whose raw lines are markup), and never re-reads large raw bodies.
"""

from __future__ import annotations

from . import extraction
from .models import Article


def outlet_boilerplate_lines(*, article: Article, sample: int = 30, min_articles: int = 2) -> set[str]:
    """Line keys that recur in several other articles of the same outlet: a boilerplate signal."""
    if article.outlet_id is None:
        return set()
    extracted = (
        Article.objects.filter(outlet_id=article.outlet_id, extracted_revision__gt=0)
        .exclude(pk=article.pk)
        .order_by("-id")
        .values_list("text", "removed")[:sample]
    )
    counts: dict[str, int] = {}
    for text, removed in extracted:
        lines = text.splitlines() + [line for block in removed for line in block.get("text", "").splitlines()]
        for key in {extraction.line_key(line) for line in lines if line.strip()}:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n >= min_articles and key}
