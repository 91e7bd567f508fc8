"""The claim and article pages: where a claim was said, what journalists see, forms that explain."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from claims.dashboard.context import passage
from claims.models import Appearance, Article, Claim, Evidence, Outlet
from claims.titles import first_real_sentence, shorten

from .conftest import flashes

Status = Claim.Status
TRADE = "And last year, bilateral trade reached a record $240 billion."
ARTICLE_TEXT = (
    "Xi arrived in Moscow on Wednesday.\n\n"
    f"The leaders praised their ties. {TRADE} Both sides want more.\n\n"
    "The visit ends on Friday."
)


@pytest.fixture
def said(db: None, make_claim: Any) -> Callable[..., Appearance]:
    """The trade claim said in an article of an outlet, at its real offsets."""

    def make(claim: Claim, outlet: str, **article: Any) -> Appearance:
        article.setdefault("title", f"Xi in Moscow, as {outlet} saw it")
        row = Article.objects.create(
            outlet=Outlet.objects.get_or_create(name=outlet)[0],
            body=ARTICLE_TEXT,
            text=ARTICLE_TEXT,
            content_hash=outlet,
            **article,
        )
        start = ARTICLE_TEXT.index(TRADE)
        return Appearance.objects.create(
            claim=claim, article=row, article_revision=1, text=TRADE, start=start, end=start + len(TRADE)
        )

    return make


def test_each_appearance_shows_its_paragraph_with_the_sentence_marked_and_where_and_when_it_ran(
    reviewer: User, make_claim: Any, said: Callable[..., Appearance], client_as: Callable[[User], Client]
) -> None:
    claim = make_claim(TRADE)
    said(
        claim,
        "Kyiv Post",
        url="https://kyivpost.example/xi",
        published_at=datetime(2025, 5, 8, 9, tzinfo=UTC),
    )
    said(claim, "Global Times")

    page = client_as(reviewer).get(f"/claims/{claim.pk}/").content.decode()

    assert page.index('data-outlet="Global Times"') < page.index('data-outlet="Kyiv Post"')
    kyiv = page[page.index('data-outlet="Kyiv Post"') :]
    assert "Xi in Moscow, as Kyiv Post saw it" in kyiv
    assert '<time datetime="2025-05-08T09:00:00+00:00">8 May 2025</time>' in kyiv
    assert (
        '<a href="https://kyivpost.example/xi" rel="noopener noreferrer" target="_blank">original</a>' in kyiv
    )
    assert re.search(
        r"The leaders praised their ties\.\s*<mark class=\"said\">And last year, bilateral trade "
        r"reached a record \$240 billion\.</mark>\s*Both sides want more\.",
        kyiv,
    )
    assert "The visit ends on Friday." not in kyiv, "only the sentence's own paragraph"
    assert "publication date unknown" in page[: page.index('data-outlet="Kyiv Post"')]


def test_a_long_paragraph_is_cut_at_words_around_the_sentence() -> None:
    before = "word " * 300
    text = f"{before}The sentence.{' more' * 300}"
    start = text.index("The sentence.")

    shown = passage(text, start, start + len("The sentence."), limit=60)

    assert shown.sentence == "The sentence."
    assert shown.before.startswith("…word") and len(shown.before) <= 61
    assert shown.after.endswith("more…") and len(shown.after) <= 60


def test_the_claim_page_shows_no_score_or_version_but_still_sends_the_version(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer, version=4)

    page = client_as(reviewer).get(f"/claims/{claim.pk}/").content.decode()

    assert "version 4" not in page and "score 0.90" not in page
    assert '<input type="hidden" name="version" value="4"' in page


def test_only_reasons_that_help_a_reviewer_are_shown_as_chips(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    claim = make_claim(
        reasons=["figure: $240 billion", "event: hit", "attributed to Putin", "opinion marker: think"]
    )

    page = client_as(reviewer).get(f"/claims/{claim.pk}/").content.decode()

    assert '<span class="pill">figure: $240 billion</span>' in page
    assert '<span class="pill">attributed to Putin</span>' in page
    assert "event: hit" not in page and "opinion marker" not in page


def test_the_article_page_says_where_and_when_it_ran_and_hides_the_extractor_and_the_removed_lines(
    reviewer: User, client_as: Callable[[User], Client]
) -> None:
    article = Article.objects.create(
        title="Xi in Moscow",
        url="https://kyivpost.example/xi",
        outlet=Outlet.objects.create(name="Kyiv Post"),
        published_at=datetime(2025, 5, 8, 9, tzinfo=UTC),
        body=ARTICLE_TEXT,
        text=ARTICLE_TEXT,
        content_hash="x",
        extraction_status="done",
        extractor_version="1.6.0",
        removed=[{"text": "Subscribe now", "reason": "call to action"}] * 14,
    )

    page = client_as(reviewer).get(f"/articles/{article.pk}/").content.decode()

    assert "Kyiv Post" in page and "8 May 2025" in page
    assert 'href="https://kyivpost.example/xi"' in page
    assert "1.6.0" not in page and "extractor" not in page
    assert "<details data-removed><summary>Show removed lines (14)" in page
    assert "<details data-removed open" not in page


def test_a_title_is_the_first_real_sentence_and_is_never_cut_mid_word() -> None:
    body = "Article content\nRussia\nTHIS CONTENT IS RESERVED FOR SUBSCRIBERS ONLY\n" + "Putin met Xi. " * 30
    assert first_real_sentence(body) == "Putin met Xi."
    long = "Bilateral trade between the two countries reached a record in the year " * 5
    title = first_real_sentence(long)
    assert len(title) <= 140 and title.endswith("…")
    assert long.startswith(title[:-1]) and long[len(title) - 1] == " ", "cut between two words"
    assert shorten("A short title", 80) == "A short title"


# --- Forms that explain themselves


def test_the_evidence_form_is_open_on_a_claim_in_review_with_accessed_at_and_stance_in_words(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    in_review = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    waiting = make_claim()
    client = client_as(reviewer)

    page = client.get(f"/claims/{in_review.pk}/").content.decode()

    assert '<details id="form-evidence" open>' in page
    assert 'name="accessed_at"' in page and 'type="date"' in page
    assert "This source supports the claim" in page and "This source refutes the claim" in page
    assert 'class="wide"' in page
    assert '<details id="form-evidence" >' in client.get(f"/claims/{waiting.pk}/").content.decode()


def test_evidence_keeps_the_day_it_was_read_and_the_flash_names_the_source(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)

    response = client_as(reviewer).post(
        f"/claims/{claim.pk}/evidence/",
        {
            "url": "https://stats.example.org/t.csv",
            "primary": "on",
            "stance": "refutes",
            "accessed_at": "2026-01-05",
        },
        follow=True,
    )

    assert "Added a primary source from stats.example.org." in flashes(response)
    evidence = Evidence.objects.get(claim=claim)
    assert evidence.accessed_at is not None and evidence.accessed_at.date().isoformat() == "2026-01-05"
    assert "refutes the claim" in response.content.decode()


def test_the_verdict_form_says_up_front_that_a_primary_source_is_needed_and_which_one_it_has(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    client = client_as(reviewer)

    before = client.get(f"/claims/{claim.pk}/").content.decode()
    Evidence.objects.create(
        claim=claim, url="https://stats.example.org/t.csv", title="Customs table", primary=True
    )
    Evidence.objects.create(claim=claim, url="https://news.example.org/story", title="A story")
    after = client.get(f"/claims/{claim.pk}/").content.decode()

    assert "A verdict needs at least one primary source" in before
    assert "This claim has none yet" in before
    notice = after[after.index("data-primary-sources") : after.index('id="form-verdict"')]
    assert "Customs table" in notice and "A story" not in notice


def test_a_reviewer_takes_a_specific_new_claim_from_its_page(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    make_claim(priority=90)
    chosen = make_claim(priority=10)
    client = client_as(reviewer)
    assert "Take this claim" in client.get(f"/claims/{chosen.pk}/").content.decode()

    response = client.post(f"/claims/{chosen.pk}/take/", {"version": 1}, follow=True)

    assert response.redirect_chain == [(f"/claims/{chosen.pk}/", 303)]
    assert "You took this claim: it is yours to review." in flashes(response)
    chosen.refresh_from_db()
    assert (chosen.status, chosen.assignee) == (Status.IN_REVIEW, reviewer)


def test_after_proposing_a_verdict_take_the_next_claim_is_right_there(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    Evidence.objects.create(claim=claim, url="https://stats.example.org/t.csv", primary=True)
    client = client_as(reviewer)
    assert "Take the next claim" not in client.get(f"/claims/{claim.pk}/").content.decode()

    response = client.post(
        f"/claims/{claim.pk}/verdict/",
        {"version": 1, "rating": "true", "rationale": "As the table says."},
        follow=True,
    )

    assert flashes(response)[0].startswith("Sent to an editor for approval.")
    assert "Verdict recorded" not in response.content.decode()
    assert '<button type="submit">Take the next claim</button>' in response.content.decode()


def test_reloading_after_a_form_never_posts_again(
    reviewer: User, make_claim: Any, client_as: Callable[[User], Client]
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    client = client_as(reviewer)
    for data in ({"url": "not a link"}, {"url": "https://stats.example.org/t.csv", "stance": "context"}):
        response = client.post(f"/claims/{claim.pk}/evidence/", data)
        assert response.status_code == 303, "a redirect, so the browser lands on a GET"
        assert client.get(response["Location"]).status_code == 200
    assert Evidence.objects.filter(claim=claim).count() == 1


# --- Clean edges


def test_the_favicon_is_there(reviewer: User, client_as: Callable[[User], Client]) -> None:
    client = client_as(reviewer)
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("claims/favicon.svg")
    assert '<link rel="icon" href="/static/claims/favicon.svg"' in client.get("/").content.decode()


def test_a_missing_page_is_a_friendly_404_without_debug(
    settings: Any, reviewer: User, client_as: Callable[[User], Client]
) -> None:
    settings.DEBUG = False
    response = client_as(reviewer).get("/claims/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing here" in page and 'href="/"' in page and "Traceback" not in page


def test_a_server_error_is_a_friendly_500_without_debug(
    settings: Any, reviewer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DEBUG = False

    def broken(**_: Any) -> Claim:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("claims.selectors.claim_detail", broken)
    client = Client(raise_request_exception=False)
    client.force_login(reviewer)
    response = client.get("/claims/1/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and "database on fire" not in page
