"""The dashboard's review forms: the same services as the API, errors shown as messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client

from claims.models import Claim, ClaimEvent, Evidence, Verdict

Status = Claim.Status


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_reviewer_takes_the_next_claim_from_the_queue_page(reviewer: User, make_claim: Any) -> None:
    make_claim(priority=5)
    top = make_claim(priority=50)
    client = browser(reviewer)
    assert "Take the next claim" in client.get("/").content.decode()

    response = client.post("/claims/next/")

    assert response.status_code == 303
    assert response["Location"] == f"/claims/{top.pk}/"
    assert Claim.objects.get(pk=top.pk).assignee == reviewer


def test_taking_from_an_empty_queue_says_so(reviewer: User) -> None:
    response = browser(reviewer).post("/claims/next/", follow=True)
    assert "The queue is empty: no new claims to review." in texts(response)


def test_a_user_without_a_role_sees_a_page_saying_so_and_nothing_else(db: None, make_claim: Any) -> None:
    claim = make_claim()
    visitor = User.objects.create_user(username="visitor")
    client = browser(visitor)

    for response in (client.get("/"), client.get(f"/claims/{claim.pk}/"), client.post("/claims/next/")):
        page = response.content.decode()
        assert response.status_code == 403
        assert "Your account has no role yet" in page
        assert claim.text not in page and "Take the next claim" not in page
    assert Claim.objects.get(pk=claim.pk).status == Status.NEW


def test_a_reviewer_works_a_claim_through_the_forms(reviewer: User, editor2: User, make_claim: Any) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    client = browser(reviewer)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "Add evidence" in page and "Propose verdict" in page and "Dismiss" not in page

    added = client.post(
        f"/claims/{claim.pk}/evidence/",
        {
            "url": "https://stats.example.org/march.csv",
            "title": "March survey",
            "primary": "on",
            "stance": "refutes",
        },
    )
    proposed = client.post(
        f"/claims/{claim.pk}/verdict/",
        {"version": 1, "rating": "false", "rationale": "The survey says 4.1%."},
        follow=True,
    )

    assert added.status_code == 303
    assert Evidence.objects.get(claim=claim).primary is True
    assert (
        "Sent to an editor for approval. Your verdict “False (disputed)” is published once they approve it."
        in texts(proposed)
    )
    assert Claim.objects.get(pk=claim.pk).status == Status.AWAITING_APPROVAL

    approver = browser(editor2)
    assert "Approve and publish" in approver.get(f"/claims/{claim.pk}/").content.decode()
    approved = approver.post(f"/claims/{claim.pk}/approve/", {"version": 2}, follow=True)
    assert "Verdict approved and published: False (disputed)." in texts(approved)
    assert Claim.objects.get(pk=claim.pk).verdict == "disputed"


def test_a_refused_verdict_redirects_to_the_claim_with_the_reason_and_the_rationale_kept(
    reviewer: User, make_claim: Any
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    client = browser(reviewer)

    response = client.post(
        f"/claims/{claim.pk}/verdict/", {"version": 1, "rating": "true", "rationale": "Checks out."}
    )

    assert (response.status_code, response["Location"]) == (303, f"/claims/{claim.pk}/#form-verdict")
    page = client.get(response["Location"])
    assert any("at least one primary source" in text for text in texts(page))
    assert "Checks out." in page.content.decode()
    assert not Verdict.objects.exists()
    # The kept input is shown once: a reload shows the empty form.
    assert "Checks out." not in client.get(f"/claims/{claim.pk}/").content.decode()


def test_a_stale_form_gets_a_conflict_message_and_the_current_version(editor: User, make_claim: Any) -> None:
    claim = make_claim()
    Claim.objects.filter(pk=claim.pk).update(version=3)

    response = browser(editor).post(
        f"/claims/{claim.pk}/dismiss/", {"version": 1, "reason": "An opinion."}, follow=True
    )

    assert response.redirect_chain == [(f"/claims/{claim.pk}/#form-dismiss", 303)]
    assert any("has changed" in text for text in texts(response))
    page = response.content.decode()
    assert 'name="version" value="3"' in page and "An opinion." in page
    assert Claim.objects.get(pk=claim.pk).status == Status.NEW


def test_an_author_does_not_get_an_approve_button_for_their_own_verdict(
    editor: User, make_claim: Any
) -> None:
    claim = make_claim(status=Status.AWAITING_APPROVAL, assignee=editor)
    Verdict.objects.create(claim=claim, value="verified", rationale="Agrees.", author=editor)
    page = browser(editor).get(f"/claims/{claim.pk}/").content.decode()
    assert "awaiting approval" in page
    assert "Approve and publish" not in page
    refused = browser(editor).post(f"/claims/{claim.pk}/approve/", {"version": 1}, follow=True)
    assert any("another editor must approve it" in text for text in texts(refused))
    assert Claim.objects.get(pk=claim.pk).status == Status.AWAITING_APPROVAL


def test_an_editor_rejects_dismisses_and_reopens_with_reasons(
    reviewer: User, editor: User, make_claim: Any
) -> None:
    claim = make_claim(status=Status.AWAITING_APPROVAL, assignee=reviewer)
    Verdict.objects.create(claim=claim, value="verified", rationale="Agrees.", author=reviewer)
    client = browser(editor)

    client.post(f"/claims/{claim.pk}/reject/", {"version": 1, "comment": "Cite the table."})
    client.post(f"/claims/{claim.pk}/dismiss/", {"version": 2, "reason": "A forecast."})
    client.post(f"/claims/{claim.pk}/reopen/", {"version": 3, "reason": "Checkable after all.", "to": "new"})

    assert list(ClaimEvent.objects.filter(claim=claim).values_list("action", "reason")) == [
        ("verdict_rejected", "Cite the table."),
        ("dismissed", "A forecast."),
        ("reopened", "Checkable after all."),
    ]


def test_a_form_missing_its_reason_is_refused_with_a_message(editor: User, make_claim: Any) -> None:
    claim = make_claim()
    response = browser(editor).post(f"/claims/{claim.pk}/dismiss/", {"version": 1, "reason": ""}, follow=True)
    assert response.redirect_chain == [(f"/claims/{claim.pk}/#form-dismiss", 303)]
    assert any(text.startswith("Please correct the form: Reason:") for text in texts(response))
    assert Claim.objects.get(pk=claim.pk).status == Status.NEW


def test_review_actions_are_post_only_and_need_a_login(editor: User, make_claim: Any) -> None:
    claim = make_claim()
    assert browser(editor).get(f"/claims/{claim.pk}/dismiss/").status_code == 405
    assert Client().post(f"/claims/{claim.pk}/dismiss/", {"version": 1, "reason": "x"}).status_code == 302
    assert browser(editor).post(f"/claims/{claim.pk}/frobnicate/").status_code == 404
    assert browser(editor).post("/claims/9999/dismiss/", {"version": 1, "reason": "x"}).status_code == 404
    assert Claim.objects.get(pk=claim.pk).status == Status.NEW
