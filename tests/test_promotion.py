"""Promoting a sentence kept out of the queue: a reviewer's decision that files it as a claim."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from claims import extraction, filing, matching
from claims.events import EventType
from claims.models import Appearance, Article, Claim, ClaimEvent
from claims.status_guard import status_writes
from integrations.services import create_integration
from webhooks import payloads

FACT = "Unemployment fell to 3.5% in March, the lowest rate since 1969, the Labor Department said on Friday."
OPINION = "We must stop the war that has cost this country trillions of dollars, the governor said."
PRAISE = "I think the minister has done a wonderful job for the people of Kentucky."
BUDGET = "The state budget grew by $2.1 billion to $48 billion this year, the treasurer said."


def body(*sentences: str) -> str:
    return "\n\n".join(sentences)


def sentence_of(article: Article, text: str) -> dict[str, Any]:
    """The article's stored sentence with these words, as the article page and the API list it."""
    article.refresh_from_db()
    (found,) = [s for s in article.sentences if article.text[s["start"] : s["end"]] == text]
    return found


def promote(client: APIClient, article: Article, text: str, **extra: Any) -> Any:
    s = sentence_of(article, text)
    payload = {"start": s["start"], "end": s["end"], "revision": article.revision, **extra}
    return client.post(f"/api/v1/articles/{article.pk}/promote/", payload, format="json")


@pytest.fixture
def article(ingest: Callable[..., Article]) -> Article:
    return ingest(body(FACT, OPINION, PRAISE), external_id="ohio-1", outlet="Daily Example")


@pytest.fixture
def rita(reviewer: User, client_for: Callable[[User], APIClient]) -> APIClient:
    return client_for(reviewer)


def test_an_opinion_kept_out_of_the_queue_is_promoted_and_appears_in_the_queue_with_the_promoter_recorded(
    article: Article, rita: APIClient, reviewer: User
) -> None:
    assert sentence_of(article, OPINION)["kept_out"] == "opinion"
    assert not Appearance.objects.filter(article=article, text=OPINION).exists()

    response = promote(rita, article, OPINION)

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["promoted"] is True and answer["new_claim"] is True
    assert answer["claim"]["text"] == OPINION and answer["claim"]["status"] == "new"
    assert answer["appearance"]["promoted_by"] == "rita"
    assert answer["appearance"]["kept_out"] == "was kept out as opinion"
    queue = rita.get("/api/v1/claims/", {"status": "open", "article": str(article.pk)}).json()["results"]
    assert answer["claim"]["id"] in [c["id"] for c in queue]
    (created,) = ClaimEvent.objects.filter(claim_id=answer["claim"]["id"])
    assert created.action == EventType.CREATED and created.actor == reviewer
    assert created.reason == "Promoted to the queue by rita: was kept out as opinion"


def test_the_article_counts_a_promoted_sentence_among_its_claims_once(
    article: Article, rita: APIClient
) -> None:
    before = rita.get(f"/api/v1/articles/{article.pk}/").json()["claim_count"]
    assert before == Appearance.objects.filter(article=article, current=True).count()

    promote(rita, article, OPINION)
    promote(rita, article, OPINION)

    assert rita.get(f"/api/v1/articles/{article.pk}/").json()["claim_count"] == before + 1


def test_the_promoted_claim_is_filed_as_extraction_files_one(article: Article, rita: APIClient) -> None:
    claim = Claim.objects.get(pk=promote(rita, article, OPINION).json()["claim"]["id"])

    (extracted,) = [s for s in extraction.extract(article.body).sentences if s.text == OPINION]
    assert claim.fingerprint == matching.fingerprint(OPINION) and claim.normalized_text
    assert (claim.kind, claim.speaker, claim.reasons) == (
        extracted.kind,
        extracted.speaker,
        list(extracted.reasons),
    )
    assert "kept out of the queue: opinion" in claim.reasons
    assert claim.appearance_count == 1 and claim.priority > 0
    # its index terms are in place: the similar-claims search finds it by its words
    similar = rita.get("/api/v1/claims/similar/", {"text": OPINION}).json()["results"]
    assert similar[0]["claim"]["id"] == claim.pk


def test_the_claim_page_says_who_promoted_it_and_why_it_was_kept_out(
    article: Article, rita: APIClient, reviewer: User
) -> None:
    claim_id = promote(rita, article, OPINION).json()["claim"]["id"]
    browser = Client()
    browser.force_login(reviewer)

    page = browser.get(f"/claims/{claim_id}/").content.decode()

    assert "promoted by rita: was kept out as opinion" in page


def test_promoting_the_same_sentence_twice_makes_one_claim(article: Article, rita: APIClient) -> None:
    claims_before = Claim.objects.count()

    first = promote(rita, article, OPINION)
    second = promote(rita, article, OPINION)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["claim"]["id"] == second.json()["claim"]["id"]
    assert second.json()["promoted"] is False
    assert Claim.objects.count() == claims_before + 1
    assert Appearance.objects.filter(article=article, text=OPINION).count() == 1
    assert ClaimEvent.objects.filter(claim_id=first.json()["claim"]["id"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_that_races_itself_makes_one_claim(article: Article, reviewer: User) -> None:
    scored = sentence_of(article, OPINION)
    barrier = threading.Barrier(2)

    def click(_: int) -> Any:
        client = APIClient()
        client.force_authenticate(user=reviewer)
        try:
            barrier.wait(timeout=10)
            response = client.post(
                f"/api/v1/articles/{article.pk}/promote/",
                {"start": scored["start"], "end": scored["end"], "revision": 1},
                format="json",
            )
            return response.status_code, response.json()["claim"]["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(click, range(2)))

    assert sorted(code for code, _ in answers) == [200, 201]
    assert answers[0][1] == answers[1][1]
    assert Appearance.objects.filter(article=article, text=OPINION).count() == 1
    assert Claim.objects.filter(text=OPINION).count() == 1


def test_an_editor_may_promote_too(
    article: Article, editor: User, client_for: Callable[[User], APIClient]
) -> None:
    response = promote(client_for(editor), article, OPINION)

    assert response.status_code == 201 and response.json()["appearance"]["promoted_by"] == "edna"


def test_a_sentence_that_is_a_claim_already_answers_with_that_claim(
    article: Article, rita: APIClient
) -> None:
    fact = Appearance.objects.get(article=article, text=FACT)

    response = promote(rita, article, FACT)

    assert response.status_code == 200
    assert response.json()["claim"]["id"] == fact.claim_id and response.json()["promoted"] is False


def test_a_reviewer_without_a_role_is_refused(
    article: Article, client_for: Callable[[User], APIClient]
) -> None:
    nobody = User.objects.create_user("nobody", password="pw-nobody")
    claims_before = Claim.objects.count()

    response = promote(client_for(nobody), article, OPINION)

    assert response.status_code == 403
    assert "no role yet" in response.json()["detail"]
    assert Claim.objects.count() == claims_before


def test_a_cms_key_without_the_review_scope_is_refused(article: Article, cms_client: APIClient) -> None:
    response = promote(cms_client, article, OPINION)

    assert response.status_code == 403
    assert not Appearance.objects.filter(article=article, text=OPINION).exists()


def test_a_reviewers_personal_key_with_the_review_scope_may_promote(article: Article, reviewer: User) -> None:
    _, key = create_integration(name="rita-key", username="rita", scopes=["claims:review"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = promote(client, article, OPINION)

    assert response.status_code == 201
    event = ClaimEvent.objects.get(claim_id=response.json()["claim"]["id"])
    assert event.actor == reviewer and event.integration is not None


def test_re_extraction_keeps_the_promoted_claim(article: Article, rita: APIClient) -> None:
    claim_id = promote(rita, article, OPINION).json()["claim"]["id"]

    filing.do_extract_article(article_id=article.pk, force=True)

    kept = Appearance.objects.get(article=article, text=OPINION, current=True)
    assert kept.claim_id == claim_id and kept.promoted_at is not None
    assert sentence_of(article, OPINION)["check_worthy"] is False  # the extractor still keeps it out


def test_a_new_revision_that_still_has_the_sentence_keeps_the_promoted_claim(
    article: Article, rita: APIClient, ingest: Callable[..., Article]
) -> None:
    claim_id = promote(rita, article, OPINION).json()["claim"]["id"]

    revised = ingest(body(BUDGET, FACT, OPINION, PRAISE), external_id="ohio-1")

    assert revised.revision == 2
    kept = Appearance.objects.get(article=article, text=OPINION, current=True)
    assert kept.claim_id == claim_id and kept.article_revision == 2
    assert revised.text[kept.start : kept.end] == OPINION


def test_a_promoted_sentence_that_disappears_is_no_longer_current_like_any_claim(
    article: Article, rita: APIClient, ingest: Callable[..., Article]
) -> None:
    claim_id = promote(rita, article, OPINION).json()["claim"]["id"]

    ingest(body(FACT, PRAISE), external_id="ohio-1")

    appearance = Appearance.objects.get(claim_id=claim_id)
    assert appearance.current is False and appearance.article_revision == 1
    assert Claim.objects.filter(pk=claim_id).exists()


def test_a_sentence_under_the_threshold_can_be_promoted_too_and_says_its_score(
    article: Article, rita: APIClient
) -> None:
    scored = sentence_of(article, PRAISE)
    assert "kept_out" not in scored and not scored["check_worthy"]

    response = promote(rita, article, PRAISE)

    assert response.status_code == 201
    assert response.json()["appearance"]["kept_out"].startswith(
        f"was kept out: scored {scored['score']:.2f}, under the queue threshold"
    )


def test_a_sentence_that_states_a_known_claim_becomes_an_appearance_of_it(
    article: Article, rita: APIClient, make_claim: Callable[..., Claim]
) -> None:
    known = make_claim(OPINION)

    response = promote(rita, article, OPINION)

    assert response.status_code == 201
    assert response.json()["new_claim"] is False and response.json()["claim"]["id"] == known.pk
    (event,) = ClaimEvent.objects.filter(claim=known)
    assert event.action == EventType.PROMOTED and event.data["article"] == article.pk
    assert payloads.WEBHOOK_TYPES.get(EventType.PROMOTED) is None  # no public type: DESIGN.md lists them


def test_a_promoted_sentence_repeating_a_checked_claim_is_announced_as_a_repeat(
    article: Article, rita: APIClient, make_claim: Callable[..., Claim]
) -> None:
    known = make_claim(OPINION)
    with status_writes():  # a verdict decided earlier, set up directly
        Claim.objects.filter(pk=known.pk).update(status="disputed", verdict="disputed")

    promote(rita, article, OPINION)

    (event,) = ClaimEvent.objects.filter(claim=known)
    assert event.action == EventType.REPEATED and event.data["verdict"] == "disputed"
    assert payloads.WEBHOOK_TYPES[EventType.REPEATED] == "claim.repeated"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start": 0, "end": 3}, "start"),
        ({"start": 10, "end": 5}, "end"),
        ({"start": -1, "end": 5}, "start"),
        ({"start": "ten", "end": 5}, "start"),
        ({"start": 0}, "end"),
        ({"start": 0, "end": 5, "sentence": 2}, "sentence"),
        ({"start": 0, "end": 10**12}, "end"),
    ],
)
def test_offsets_that_name_no_sentence_are_a_400_that_says_which_field(
    article: Article, rita: APIClient, payload: dict[str, Any], field: str
) -> None:
    response = rita.post(f"/api/v1/articles/{article.pk}/promote/", payload, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid" and field in response.json()["fields"]


def test_a_body_that_is_not_an_object_is_a_400(article: Article, rita: APIClient) -> None:
    response = rita.post(f"/api/v1/articles/{article.pk}/promote/", [1, 2], format="json")

    assert response.status_code == 400 and response.json()["error"] == "invalid"


def test_a_stale_revision_is_a_409_with_the_articles_state(
    article: Article, rita: APIClient, ingest: Callable[..., Article]
) -> None:
    stale = sentence_of(article, OPINION)
    ingest(body(BUDGET, FACT, OPINION), external_id="ohio-1")

    response = rita.post(
        f"/api/v1/articles/{article.pk}/promote/",
        {"start": stale["start"], "end": stale["end"], "revision": 1},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["article"]["revision"] == 2


@pytest.mark.parametrize("state", ["pending", "running", "failed"])
def test_an_article_whose_extraction_is_not_done_is_a_409(
    article: Article, rita: APIClient, state: str
) -> None:
    scored = sentence_of(article, OPINION)
    Article.objects.filter(pk=article.pk).update(extraction_status=state)

    response = rita.post(
        f"/api/v1/articles/{article.pk}/promote/",
        {"start": scored["start"], "end": scored["end"]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["article"]["extraction_status"] == state


def test_an_unknown_article_is_a_404_before_the_body_is_read(rita: APIClient) -> None:
    response = rita.post("/api/v1/articles/999999/promote/", {}, format="json")

    assert response.status_code == 404 and response.json()["error"] == "not_found"


# --- The article page


def test_the_article_page_lists_a_kept_out_sentence_with_a_promote_button(
    article: Article, reviewer: User
) -> None:
    browser = Client()
    browser.force_login(reviewer)

    page = browser.get(f"/articles/{article.pk}/").content.decode()

    assert "kept out of the queue: opinion" in page
    assert 'class="kept-out"' in page
    assert "Promote to queue" in page
    assert f'hx-post="/articles/{article.pk}/promote/"' in page


def test_the_promote_button_works_without_javascript(article: Article, reviewer: User) -> None:
    browser = Client()
    browser.force_login(reviewer)
    s = sentence_of(article, OPINION)

    response = browser.post(
        f"/articles/{article.pk}/promote/",
        {"start": s["start"], "end": s["end"], "revision": article.revision},
    )

    assert response.status_code == 303 and response["Location"] == f"/articles/{article.pk}/"
    claim = Appearance.objects.get(article=article, text=OPINION).claim
    page = browser.get(response["Location"]).content.decode()
    assert f"Promoted to the queue as claim {claim.pk}." in page
    assert f'href="/claims/{claim.pk}/"' in page  # the sentence is a claim on the page now
    assert "Promote to queue" not in page.split("Kept out of the queue")[1].split("Scored under")[0]


def test_the_promote_button_swaps_in_the_claim_with_htmx(article: Article, reviewer: User) -> None:
    browser = Client()
    browser.force_login(reviewer)
    s = sentence_of(article, OPINION)

    response = browser.post(
        f"/articles/{article.pk}/promote/",
        {"start": s["start"], "end": s["end"], "revision": article.revision},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    fragment = response.content.decode()
    claim = Appearance.objects.get(article=article, text=OPINION).claim
    assert (
        f'data-promoted="{claim.pk}"' in fragment and "promoted by rita: was kept out as opinion" in fragment
    )


def test_a_stale_page_says_so_instead_of_promoting(
    article: Article, reviewer: User, ingest: Callable[..., Article]
) -> None:
    browser = Client()
    browser.force_login(reviewer)
    s = sentence_of(article, OPINION)
    ingest(body(BUDGET, FACT, OPINION), external_id="ohio-1")

    response = browser.post(
        f"/articles/{article.pk}/promote/", {"start": s["start"], "end": s["end"], "revision": 1}, follow=True
    )

    assert "is at revision 2, not 1" in response.content.decode()
    assert not Appearance.objects.filter(article=article, text=OPINION, promoted_at__isnull=False).exists()


def test_the_api_lists_the_sentences_with_their_offsets_and_why_each_is_not_a_claim(
    article: Article, rita: APIClient
) -> None:
    listed = rita.get(f"/api/v1/articles/{article.pk}/sentences/").json()
    by_text = {row["text"]: row for row in listed["results"]}

    assert listed["revision"] == 1 and listed["extraction_status"] == "done"
    assert by_text[OPINION]["claim"] is None and by_text[OPINION]["kept_out"] == "opinion"
    assert by_text[FACT]["claim"] == Appearance.objects.get(article=article, text=FACT).claim_id
    assert by_text[PRAISE]["why"].startswith("scored ")
    opinion = by_text[OPINION]

    promoted = rita.post(
        f"/api/v1/articles/{article.pk}/promote/",
        {"start": opinion["start"], "end": opinion["end"], "revision": listed["revision"]},
        format="json",
    )

    again = {
        row["text"]: row for row in rita.get(f"/api/v1/articles/{article.pk}/sentences/").json()["results"]
    }
    assert again[OPINION]["claim"] == promoted.json()["claim"]["id"] and again[OPINION]["why"] == ""


def test_the_sentences_of_an_unknown_article_are_a_404(rita: APIClient) -> None:
    assert rita.get("/api/v1/articles/999999/sentences/").status_code == 404


def test_a_refused_promotion_with_htmx_says_why_in_place(article: Article, reviewer: User) -> None:
    browser = Client()
    browser.force_login(reviewer)

    response = browser.post(
        f"/articles/{article.pk}/promote/",
        {"start": 0, "end": 3, "revision": 1},
        headers={"HX-Request": "true"},
    )

    fragment = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in fragment
    assert "has no sentence at 0-3" in fragment and f'href="/articles/{article.pk}/"' in fragment
