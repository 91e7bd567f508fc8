"""Whatever text arrives, every stored appearance points at exactly its sentence."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims import ingest
from claims.errors import InvalidInput
from claims.models import Appearance, Article

PIECES = st.sampled_from(
    [
        "The U.S. economy grew 2.5% in 2024, Mr. Smith said. ",
        "“We will never accept it,” she said. ",
        "Exports rose to $4.5 billion.\n",
        "Subscribe now!\n",
        "Article content\n",
        "Prices fell by 10-15 percent in D.C. last year.",
        "\n\n",
        "  ",
        "中国出口增长了 5%。",
        "Ünïcödé — “quotes” … and emoji 🎉 cost €3.2m. ",
    ]
)
TEXTS = st.one_of(
    st.text(min_size=1, max_size=400),
    st.lists(st.one_of(PIECES, st.text(max_size=30)), min_size=1, max_size=25).map("".join),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=TEXTS)
def test_appearance_offsets_always_index_the_cleaned_text(db, django_capture_on_commit_callbacks, body):
    if not body.strip() or "\x00" in body:
        return
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest.do_ingest_article(data=ingest.ArticleInput(body=body))
    except InvalidInput:
        return
    article = Article.objects.get(pk=result.article.pk)
    assert article.extraction_status in ("done", "failed")
    for appearance in Appearance.objects.filter(article=article):
        assert article.text[appearance.start : appearance.end] == appearance.text
    for sentence in article.sentences:
        assert 0 <= sentence["start"] < sentence["end"] <= len(article.text)
