"""The review API end to end: evidence, verdicts and second review, bulk actions, ClaimReview, audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Appearance, Article, Claim, ClaimEvent, Evidence, Outlet, Verdict

Status = Claim.Status
PRIMARY = {
    "url": "https://stats.example.org/labour/2025-03.csv",
    "title": "Labour force survey, March 2025",
    "publisher": "Statistics office",
    "primary": True,
    "stance": "refutes",
    "excerpt": "Unemployment rate: 4.1%",
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def rita(reviewer: User, client_for: Any) -> APIClient:
    return client_for(reviewer)


@pytest.fixture
def edna(editor: User, client_for: Any) -> APIClient:
    return client_for(editor)


@pytest.fixture
def eddie(editor2: User, client_for: Any) -> APIClient:
    return client_for(editor2)


def version_of(claim: Claim) -> int:
    return Claim.objects.get(pk=claim.pk).version


def post(client: APIClient, claim: Claim, action: str, **payload: Any) -> Any:
    payload.setdefault("version", version_of(claim))
    return client.post(f"/api/v1/claims/{claim.pk}/{action}/", payload, format="json")


@pytest.fixture
def held(reviewer: User, make_claim: Any) -> Claim:
    """A claim Rita is reviewing."""
    claim: Claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    return claim


# --- Evidence


def test_a_reviewer_adds_evidence_and_lists_it_primary_first(rita: APIClient, held: Claim) -> None:
    context = {"url": "http://news.example.com/jobs", "title": "Jobs report coverage", "stance": "context"}
    assert rita.post(f"/api/v1/claims/{held.pk}/evidence/", context, format="json").status_code == 201

    response = rita.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")

    assert response.status_code == 201
    assert response.json()["added_by"] == "rita"
    assert response.json()["accessed_at"] is not None
    listed = rita.get(f"/api/v1/claims/{held.pk}/evidence/").json()
    assert [e["title"] for e in listed["results"]] == [
        "Labour force survey, March 2025",
        "Jobs report coverage",
    ]
    assert ClaimEvent.objects.filter(claim=held, action="evidence_added").count() == 2


@pytest.mark.parametrize(
    "url", ["ftp://stats.example.org/data.csv", "javascript:alert(1)", "file:///etc/passwd", "not a url"]
)
def test_evidence_must_link_to_an_http_or_https_source(rita: APIClient, held: Claim, url: str) -> None:
    response = rita.post(f"/api/v1/claims/{held.pk}/evidence/", {**PRIMARY, "url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert not Evidence.objects.exists()


def test_an_integration_without_a_person_cannot_add_evidence(cms_client: APIClient, held: Claim) -> None:
    response = cms_client.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")
    assert response.status_code == 403


# --- Verdicts


def test_a_verdict_without_a_primary_source_is_refused_with_the_reason(rita: APIClient, held: Claim) -> None:
    rita.post(f"/api/v1/claims/{held.pk}/evidence/", {**PRIMARY, "primary": False}, format="json")
    response = post(rita, held, "verdict", verdict="disputed", rationale="The survey says 4.1%.")
    assert response.status_code == 400
    assert "primary source" in response.json()["detail"]
    assert Claim.objects.get(pk=held.pk).status == Status.IN_REVIEW


def test_a_verdict_without_a_rationale_is_refused_with_the_reason(rita: APIClient, held: Claim) -> None:
    rita.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")
    response = post(rita, held, "verdict", verdict="disputed", rationale="   ")
    assert response.status_code == 400
    assert "rationale" in response.json()["detail"]


def test_an_unknown_verdict_is_bad_input(rita: APIClient, held: Claim) -> None:
    response = post(rita, held, "verdict", verdict="mostly true", rationale="Close enough.")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("verdict:")


def test_a_proposed_verdict_waits_for_a_second_editor(
    rita: APIClient, eddie: APIClient, held: Claim, reviewer: User, editor2: User
) -> None:
    rita.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")

    proposed = post(rita, held, "verdict", verdict="disputed", rationale="The survey says 4.1%, not 3.5%.")

    assert proposed.status_code == 200
    assert proposed.json()["status"] == "awaiting_approval"
    assert proposed.json()["verdict"] == ""
    with time_machine.travel(datetime(2025, 4, 2, 9, 30, tzinfo=UTC), tick=False):
        approved = post(eddie, held, "approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "disputed"
    assert approved.json()["verdict"] == "disputed"
    assert approved.json()["verdict_at"] == "2025-04-02T09:30:00Z"
    verdict = Verdict.objects.get(claim=held)
    assert (verdict.state, verdict.author, verdict.decided_by) == ("approved", reviewer, editor2)


def test_an_author_cannot_approve_their_own_verdict(
    edna: APIClient, eddie: APIClient, make_claim: Any
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=User.objects.get(username="edna"))
    edna.post(f"/api/v1/claims/{claim.pk}/evidence/", PRIMARY, format="json")
    post(edna, claim, "verdict", verdict="verified", rationale="The survey agrees.")

    own = post(edna, claim, "approve")

    assert own.status_code == 403
    assert "another editor" in own.json()["detail"]
    assert Claim.objects.get(pk=claim.pk).status == Status.AWAITING_APPROVAL
    assert post(eddie, claim, "approve").status_code == 200


def test_an_author_cannot_reject_their_own_verdict_either(edna: APIClient, make_claim: Any) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=User.objects.get(username="edna"))
    edna.post(f"/api/v1/claims/{claim.pk}/evidence/", PRIMARY, format="json")
    post(edna, claim, "verdict", verdict="verified", rationale="The survey agrees.")
    assert post(edna, claim, "reject", comment="Second thoughts.").status_code == 403


def test_a_reviewer_cannot_approve_a_verdict(rita: APIClient, reviewer2: User, make_claim: Any) -> None:
    claim = make_claim(status=Status.AWAITING_APPROVAL, assignee=reviewer2)
    Verdict.objects.create(claim=claim, value="verified", rationale="Agrees.", author=reviewer2)
    assert post(rita, claim, "approve").status_code == 403


def test_a_rejected_verdict_goes_back_to_its_reviewer_with_the_comment(
    rita: APIClient, edna: APIClient, held: Claim
) -> None:
    rita.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")
    post(rita, held, "verdict", verdict="verified", rationale="Looks right.")

    rejected = post(edna, held, "reject", comment="The survey says 4.1%; read the table again.")

    assert rejected.status_code == 200
    assert rejected.json()["status"] == "in_review"
    assert rejected.json()["assignee"] == "rita"
    verdict = Verdict.objects.get(claim=held)
    assert (verdict.state, verdict.comment) == ("rejected", "The survey says 4.1%; read the table again.")
    # Rita's next claim is the one that came back to her.
    assert rita.post("/api/v1/claims/next/").json()["id"] == held.pk


def test_rejecting_needs_a_comment(rita: APIClient, edna: APIClient, held: Claim) -> None:
    rita.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")
    post(rita, held, "verdict", verdict="verified", rationale="Looks right.")
    response = post(edna, held, "reject")
    assert response.status_code == 400
    assert "reason" in response.json()["detail"]


def test_without_second_review_a_reviewers_verdict_is_published_at_once(
    rita: APIClient, held: Claim, settings: Any
) -> None:
    settings.REQUIRE_SECOND_REVIEW = False
    rita.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")

    response = post(rita, held, "verdict", verdict="disputed", rationale="The survey says 4.1%.")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["verdict"]) == ("disputed", "disputed")
    verdict = Verdict.objects.get(claim=held)
    assert (verdict.state, verdict.decided_by_id) == ("approved", verdict.author_id)
    assert (
        list(ClaimEvent.objects.filter(claim=held).values_list("action", flat=True))[-1]
        == "verdict_published"
    )


def test_revising_a_verdict_keeps_every_revision_and_shows_the_latest_approved(
    rita: APIClient, edna: APIClient, eddie: APIClient, held: Claim
) -> None:
    rita.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")
    with time_machine.travel(datetime(2025, 4, 1, 10, 0, tzinfo=UTC), tick=False):
        post(rita, held, "verdict", verdict="verified", rationale="The March release says 3.5%.")
        post(eddie, held, "approve")
    with time_machine.travel(datetime(2025, 4, 20, 10, 0, tzinfo=UTC), tick=False):
        reopened = post(edna, held, "reopen", reason="The office revised March to 4.1%.", to="in_review")
        assert reopened.json()["status"] == "in_review"
        assert reopened.json()["verdict"] == "verified", "the published verdict stands while under review"
        post(rita, held, "verdict", verdict="disputed", rationale="Revised figure: 4.1%.")
    with time_machine.travel(datetime(2025, 4, 21, 8, 0, tzinfo=UTC), tick=False):
        final = post(eddie, held, "approve").json()

    assert (final["status"], final["verdict"], final["verdict_at"]) == (
        "disputed",
        "disputed",
        "2025-04-21T08:00:00Z",
    )
    revisions = rita.get(f"/api/v1/claims/{held.pk}/verdicts/").json()["results"]
    assert [(v["verdict"], v["state"]) for v in revisions] == [
        ("disputed", "approved"),
        ("verified", "approved"),
    ]
    Claim.objects.filter(pk=held.pk).update(published_url="https://desk.example.org/checks/jobs")
    review = rita.get(f"/api/v1/claims/{held.pk}/claimreview/").json()
    assert review["reviewRating"]["alternateName"] == "Disputed"
    assert review["reviewRating"]["ratingExplanation"] == "Revised figure: 4.1%."


def test_dismissing_a_claim_awaiting_approval_closes_its_verdict(
    rita: APIClient, edna: APIClient, held: Claim
) -> None:
    rita.post(f"/api/v1/claims/{held.pk}/evidence/", PRIMARY, format="json")
    post(rita, held, "verdict", verdict="verified", rationale="Looks right.")

    response = post(edna, held, "dismiss", reason="A forecast, not a checkable fact.")

    assert response.json()["status"] == "dismissed"
    verdict = Verdict.objects.get(claim=held)
    assert verdict.state == "rejected"
    assert verdict.comment == "Claim dismissed: A forecast, not a checkable fact."


@pytest.mark.parametrize("action", ["dismiss", "reopen"])
def test_dismissing_and_reopening_need_a_reason(edna: APIClient, make_claim: Any, action: str) -> None:
    claim = make_claim(status=Status.NEW if action == "dismiss" else Status.VERIFIED)
    response = post(edna, claim, action, reason="")
    assert response.status_code == 400
    assert "reason" in response.json()["detail"]


def test_reopening_to_new_returns_the_claim_to_the_queue_unassigned(
    edna: APIClient, reviewer: User, make_claim: Any
) -> None:
    claim = make_claim(status=Status.DISMISSED, assignee=reviewer)
    response = post(edna, claim, "reopen", reason="It is checkable after all.")
    assert (response.json()["status"], response.json()["assignee"]) == ("new", None)


def test_reopening_to_a_status_reopen_cannot_reach_is_bad_input(edna: APIClient, make_claim: Any) -> None:
    claim = make_claim(status=Status.VERIFIED)
    response = post(edna, claim, "reopen", reason="Recheck.", to="verified")
    assert response.status_code == 400


def test_assigning_to_someone_who_is_not_a_reviewer_is_bad_input(
    edna: APIClient, make_claim: Any, cms_client: APIClient
) -> None:
    claim = make_claim()
    for user in ["integration:cms", "nobody"]:
        response = post(edna, claim, "assign", user=user)
        assert response.status_code == 400
    assert post(edna, claim, "assign", user="edna").json()["assignee"] == "edna"


def test_the_assignee_can_hand_a_claim_back_to_the_queue(rita: APIClient, held: Claim) -> None:
    response = post(rita, held, "release", reason="Needs a statistician.")
    assert (response.json()["status"], response.json()["assignee"]) == ("new", None)


# --- Input and lookup errors


ENDPOINTS = ["assign", "release", "verdict", "approve", "reject", "dismiss", "reopen", "evidence"]


@pytest.mark.parametrize("action", ENDPOINTS)
def test_an_unknown_claim_is_404_with_json(edna: APIClient, action: str) -> None:
    payload = {
        "version": 1,
        "user": "edna",
        "verdict": "verified",
        "rationale": "x",
        "comment": "x",
        "reason": "x",
        "url": "https://example.org/",
    }
    fields = {
        "assign": ["version", "user"],
        "release": ["version"],
        "verdict": ["version", "verdict", "rationale"],
        "approve": ["version"],
        "reject": ["version", "comment"],
        "dismiss": ["version", "reason"],
        "reopen": ["version", "reason"],
        "evidence": ["url"],
    }[action]
    response = edna.post(f"/api/v1/claims/9999/{action}/", {k: payload[k] for k in fields}, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Claim 9999 does not exist.", "fields": {}}


@pytest.mark.parametrize("path", ["events", "evidence", "verdicts", "claimreview"])
def test_reading_an_unknown_claim_is_404(edna: APIClient, path: str) -> None:
    response = edna.get(f"/api/v1/claims/9999/{path}/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "payload",
    [{}, {"version": "two"}, {"version": 0}, {"version": 1, "colour": "red"}],
    ids=["missing-version", "non-numeric-version", "zero-version", "unknown-field"],
)
def test_malformed_input_is_400_with_json(edna: APIClient, make_claim: Any, payload: dict[str, Any]) -> None:
    claim = make_claim()
    response = edna.post(f"/api/v1/claims/{claim.pk}/dismiss/", {"reason": "x", **payload}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_a_non_object_body_is_400(edna: APIClient, make_claim: Any) -> None:
    claim = make_claim()
    response = edna.post(f"/api/v1/claims/{claim.pk}/dismiss/", [1, 2], format="json")
    assert response.status_code == 400


# --- Bulk


def test_bulk_dismiss_reports_each_claims_outcome(edna: APIClient, make_claim: Any) -> None:
    fresh, taken = make_claim(), make_claim(status=Status.IN_REVIEW)
    decided = make_claim(status=Status.VERIFIED)

    response = edna.post(
        "/api/v1/claims/bulk/",
        {
            "ids": [fresh.pk, taken.pk, decided.pk, 9999, fresh.pk],
            "action": "dismiss",
            "reason": "Opinion pieces.",
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["succeeded"], body["failed"]) == (2, 2)
    results = {r["id"]: r for r in body["results"]}
    assert results[fresh.pk] == {"id": fresh.pk, "ok": True, "status": "dismissed", "version": 2}
    assert results[taken.pk]["ok"] is True
    assert results[decided.pk]["ok"] is False
    assert results[decided.pk]["error"] == "conflict"
    assert results[decided.pk]["claim"]["status"] == "verified"
    assert results[9999] == {
        "id": 9999,
        "ok": False,
        "error": "not_found",
        "detail": "Claim 9999 does not exist.",
    }
    assert Claim.objects.get(pk=decided.pk).status == Status.VERIFIED


def test_bulk_assign_and_reopen(edna: APIClient, reviewer: User, make_claim: Any) -> None:
    a, b = make_claim(), make_claim()
    assigned = edna.post(
        "/api/v1/claims/bulk/", {"ids": [a.pk, b.pk], "action": "assign", "user": "rita"}, format="json"
    ).json()
    assert assigned["succeeded"] == 2
    assert set(Claim.objects.values_list("assignee__username", flat=True)) == {"rita"}

    closed = make_claim(status=Status.DISMISSED)
    reopened = edna.post(
        "/api/v1/claims/bulk/",
        {"ids": [closed.pk], "action": "reopen", "reason": "Checkable after all.", "to": "in_review"},
        format="json",
    ).json()
    assert reopened["results"] == [{"id": closed.pk, "ok": True, "status": "in_review", "version": 2}]


def test_bulk_actions_are_for_editors(rita: APIClient, make_claim: Any) -> None:
    claim = make_claim()
    response = rita.post(
        "/api/v1/claims/bulk/", {"ids": [claim.pk], "action": "dismiss", "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == Status.NEW


@pytest.mark.parametrize(
    "payload",
    [
        {"ids": [], "action": "dismiss", "reason": "x"},
        {"ids": [1], "action": "approve"},
        {"ids": [1], "action": "dismiss"},
        {"ids": [1], "action": "assign"},
        {"ids": [1], "action": "assign", "user": "nobody"},
        {"ids": list(range(1, 300)), "action": "dismiss", "reason": "x"},
        {"ids": "1,2", "action": "dismiss", "reason": "x"},
    ],
    ids=["no-ids", "not-a-bulk-action", "no-reason", "no-user", "unknown-user", "too-many", "ids-not-a-list"],
)
def test_bulk_input_errors_are_400_and_change_nothing(
    edna: APIClient, make_claim: Any, payload: dict[str, Any]
) -> None:
    make_claim()
    response = edna.post("/api/v1/claims/bulk/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert not ClaimEvent.objects.exists()


# --- ClaimReview


@pytest.fixture
def published(reviewer: User, editor2: User, make_claim: Any) -> Claim:
    outlet = Outlet.objects.create(name="Daily Example")
    article = Article.objects.create(
        url="https://daily.example.com/economy/jobs",
        title="Jobless rate at record low, minister says",
        outlet=outlet,
        published_at=datetime(2025, 3, 30, 7, 0, tzinfo=UTC),
        body="x",
        content_hash="x",
        text="The minister said unemployment fell to 3.5% in March.",
    )
    claim: Claim = make_claim(
        text="unemployment fell to 3.5% in March",
        speaker="Jane Minister",
        status=Status.DISPUTED,
        verdict="disputed",
        verdict_at=datetime(2025, 4, 2, 9, 30, tzinfo=UTC),
        first_seen=datetime(2025, 3, 30, 7, 0, tzinfo=UTC),
    )
    Appearance.objects.create(
        claim=claim, article=article, article_revision=1, text=claim.text, start=17, end=52
    )
    Verdict.objects.create(
        claim=claim,
        value="disputed",
        rationale="The statistics office puts March at 4.1%.",
        author=reviewer,
        state="approved",
        decided_by=editor2,
        decided_at=datetime(2025, 4, 2, 9, 30, tzinfo=UTC),
    )
    Claim.objects.filter(pk=claim.pk).update(published_url="https://factcheck.example.org/checks/jobs")
    return claim


def test_claimreview_is_schema_org_json_ld_of_the_published_verdict(
    cms_client: APIClient, published: Claim, settings: Any
) -> None:
    settings.SITE_URL = "https://factcheck.example.org"
    settings.FACTCHECK_PUBLISHER = "Example Fact-Check Desk"

    response = cms_client.get(f"/api/v1/claims/{published.pk}/claimreview/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    work = {
        "@type": "CreativeWork",
        "url": "https://daily.example.com/economy/jobs",
        "headline": "Jobless rate at record low, minister says",
        "datePublished": "2025-03-30",
        "publisher": {"@type": "Organization", "name": "Daily Example"},
    }
    assert response.json() == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example.org/checks/jobs",
        "claimReviewed": "unemployment fell to 3.5% in March",
        "datePublished": "2025-04-02",
        "author": {
            "@type": "Organization",
            "name": "Example Fact-Check Desk",
            "url": "https://factcheck.example.org",
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "Jane Minister"},
            "datePublished": "2025-03-30",
            "appearance": [work],
            "firstAppearance": work,
        },
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "Disputed",
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
            "ratingExplanation": "The statistics office puts March at 4.1%.",
        },
    }


def test_claimreview_of_an_imported_fact_check_keeps_its_rating_and_publisher(
    edna: APIClient, make_claim: Any
) -> None:
    claim = make_claim(
        origin=Claim.Origin.IMPORTED,
        status=Status.DISPUTED,
        verdict="Half True",
        review_url="https://checkers.example.net/reviews/123",
        review_publisher="Checkers",
    )
    review = edna.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    assert review["url"] == "https://checkers.example.net/reviews/123"
    assert review["author"]["name"] == "Checkers"
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Half True"}


def test_claimreview_of_a_claim_without_a_verdict_is_409_with_the_reason(
    edna: APIClient, make_claim: Any
) -> None:
    claim = make_claim(status=Status.AWAITING_APPROVAL)
    response = edna.get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert response.status_code == 409
    assert (
        response.json()["detail"]
        == f"Claim {claim.pk} has no published verdict yet (it is awaiting_approval)."
    )


# --- The audit trail tells the story


def story(client: APIClient, claim: Claim) -> list[str]:
    lines = []
    for event in client.get(f"/api/v1/claims/{claim.pk}/events/").json()["results"]:
        who = event["actor"] or "the system"
        line = f"{who} {event['action'].replace('_', ' ')}"
        if event["to_status"] and event["to_status"] != event["from_status"]:
            line += f" ({event['from_status'] or 'nothing'} -> {event['to_status']})"
        if event["reason"]:
            line += f": {event['reason']}"
        lines.append(line)
    return lines


def test_the_audit_trail_tells_a_claims_whole_story(
    ingest: Any, rita: APIClient, edna: APIClient, eddie: APIClient, editor: User
) -> None:
    ingest(
        "Unemployment fell to 3.5% in March, the statistics minister said on Monday.", outlet="Daily Example"
    )
    claim = Claim.objects.get()
    assert rita.post("/api/v1/claims/next/").json()["id"] == claim.pk
    rita.post(f"/api/v1/claims/{claim.pk}/evidence/", PRIMARY, format="json")
    post(rita, claim, "verdict", verdict="verified", rationale="Matches the release.")
    post(edna, claim, "reject", comment="The release says 4.1%; look again.")
    post(rita, claim, "verdict", verdict="disputed", rationale="The release says 4.1%, not 3.5%.")
    post(eddie, claim, "approve")
    post(edna, claim, "reopen", reason="The office revised March.", to="in_review")

    assert story(rita, claim) == [
        "the system created (nothing -> new)",
        "rita taken (new -> in_review)",
        "rita evidence added",
        "rita verdict proposed (in_review -> awaiting_approval): Matches the release.",
        "edna verdict rejected (awaiting_approval -> in_review): The release says 4.1%; look again.",
        "rita verdict proposed (in_review -> awaiting_approval): The release says 4.1%, not 3.5%.",
        "eddie verdict approved (awaiting_approval -> disputed)",
        "edna reopened (disputed -> in_review): The office revised March.",
    ]
    events = rita.get(f"/api/v1/claims/{claim.pk}/events/").json()["results"]
    assert events[2]["data"]["url"] == PRIMARY["url"]
    assert events[6]["data"]["value"] == "disputed"
    assert events[7]["data"]["assignee"] == "rita"


def test_a_personal_key_is_recorded_beside_the_person_in_the_audit_trail(
    editor: User, make_claim: Any
) -> None:
    from integrations.services import create_integration

    _, key = create_integration(name="edna-script", username="edna")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    claim = make_claim()

    assert post(client, claim, "dismiss", reason="Duplicate of a wire story.").status_code == 200

    event = client.get(f"/api/v1/claims/{claim.pk}/events/").json()["results"][-1]
    assert (event["actor"], event["integration"]) == ("edna", "edna-script")


# --- Query counts on list endpoints


def _fill(claim: Claim, users: list[User], n: int) -> None:
    for i in range(n):
        user = users[i % len(users)]
        Evidence.objects.create(
            claim=claim, url=f"https://example.org/{i}", primary=i % 2 == 0, added_by=user
        )
        Verdict.objects.create(claim=claim, value="verified", rationale=f"r{i}", author=user, decided_by=user)
        ClaimEvent.objects.create(claim=claim, action="evidence_added", actor=user)


@pytest.mark.parametrize("path", ["events", "evidence", "verdicts"])
def test_claim_lists_take_a_fixed_number_of_queries(
    path: str,
    edna: APIClient,
    reviewer: User,
    reviewer2: User,
    editor2: User,
    make_claim: Any,
    django_assert_max_num_queries: Any,
) -> None:
    claim = make_claim()
    _fill(claim, [reviewer, reviewer2, editor2], 30)
    # The person's role, existence check, count, page: the same for 3 rows or 300.
    with django_assert_max_num_queries(4):
        response = edna.get(f"/api/v1/claims/{claim.pk}/{path}/")
    assert response.json()["count"] == 30


def test_the_queue_lists_claims_by_priority_in_a_fixed_number_of_queries(
    edna: APIClient, reviewer: User, make_claim: Any, django_assert_max_num_queries: Any
) -> None:
    for priority in [10, 80, 45, 99, 3] * 6:
        make_claim(priority=priority, assignee=reviewer, priority_parts={"checkworthiness": priority})
    with django_assert_max_num_queries(4):  # the person's role, count, page, appearances
        response = edna.get("/api/v1/claims/?status=new")
    results = response.json()["results"]
    assert len(results) == 30
    assert [c["priority"] for c in results] == sorted((c["priority"] for c in results), reverse=True)
    assert results[0]["priority_parts"] == {"checkworthiness": 99}
