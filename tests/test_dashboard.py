"""The editor dashboard: the queue's rows and filters, assignment, bulk actions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.test import Client

from claims.models import Appearance, Claim, ClaimEvent, ClaimLink

Status = Claim.Status
NOW = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def page_of(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


def row_of(page: str, claim: Claim) -> str:
    match = re.search(rf'<tr data-claim="{claim.pk}">(.*?)</tr>', page, re.S)
    assert match, f"claim {claim.pk} is not in the queue"
    return match.group(1)


# --- The queue page


def test_the_queue_starts_with_the_queue_not_the_charts(editor: User, make_claim: Any) -> None:
    make_claim()
    page = page_of(browser(editor).get("/"))
    assert '<svg role="img" aria-label="Claims by status"' not in page
    assert '<a href="/stats/">Statistics</a>' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "pages load nothing from other hosts"


# --- The queue's rows


def test_a_row_shows_the_priority_with_its_parts_the_outlets_and_the_assignee(
    editor: User, reviewer: User, make_claim: Any, appear: Callable[..., Appearance]
) -> None:
    claim = make_claim(
        assignee=reviewer,
        status=Status.IN_REVIEW,
        priority=62.5,
        priority_parts={"checkworthiness": 36.5, "outlets": 16.0, "appearances": 6.0, "recency": 4.0},
    )
    appear(claim, "Daily Ledger")
    appear(claim, "Morning Post")
    appear(claim, "Morning Post")

    row = row_of(page_of(browser(editor).get("/")), claim)

    assert "<strong>62</strong>" in row or "<strong>63</strong>" in row
    assert "check-worthiness 36.5, outlets 16, appearances 6, recency 4" in row
    assert row.count("<rect") == 5  # the track and one segment per part
    assert "<title>outlets: 16</title>" in row
    assert "Daily Ledger" in row and "Morning Post" in row
    assert "3 appearances" in row
    assert "rita" in row


def test_a_claim_assigned_to_me_says_you(reviewer: User, make_claim: Any) -> None:
    claim = make_claim(assignee=reviewer, status=Status.IN_REVIEW)
    assert "<strong>you</strong>" in row_of(page_of(browser(reviewer).get("/")), claim)


def test_an_imported_fact_check_is_marked_previously_fact_checked_and_a_desk_verdict_is_not(
    editor: User, make_claim: Any
) -> None:
    imported = make_claim(
        origin=Claim.Origin.IMPORTED,
        status=Status.DISPUTED,
        verdict="Pants on Fire",
        review_url="https://checker.example.org/review/1",
        review_publisher="Checker",
    )
    ours = make_claim(status=Status.VERIFIED, verdict="verified")

    page = page_of(browser(editor).get("/", {"status": "all"}))

    assert "previously fact-checked: Pants on Fire" in row_of(page, imported)
    assert "Rated “Pants on Fire” by Checker" in row_of(page, imported)
    assert "previously fact-checked" not in row_of(page, ours)


def test_an_open_figure_conflict_in_either_direction_is_flagged(editor: User, make_claim: Any) -> None:
    first, second, resolved, plain = make_claim(), make_claim(), make_claim(), make_claim()
    ClaimLink.objects.create(from_claim=first, to_claim=second, kind=ClaimLink.Kind.FIGURE_CONFLICT)
    ClaimLink.objects.create(
        from_claim=resolved, to_claim=plain, kind=ClaimLink.Kind.FIGURE_CONFLICT, resolved=True
    )
    ClaimLink.objects.create(from_claim=plain, to_claim=first, kind=ClaimLink.Kind.SUGGESTED_MATCH)

    page = page_of(browser(editor).get("/"))

    assert "figure conflict</span>" in row_of(page, first)
    assert "figure conflict</span>" in row_of(page, second)
    assert "figure conflict</span>" not in row_of(page, resolved)
    assert "figure conflict</span>" not in row_of(page, plain)


def test_my_claims_lists_only_the_claims_assigned_to_me(
    reviewer: User, reviewer2: User, make_claim: Any
) -> None:
    mine = make_claim(assignee=reviewer, status=Status.IN_REVIEW)
    theirs = make_claim(assignee=reviewer2, status=Status.IN_REVIEW)
    unassigned = make_claim()

    page = page_of(browser(reviewer).get("/?mine=1"))

    assert f'data-claim="{mine.pk}"' in page
    assert f'data-claim="{theirs.pk}"' not in page
    assert f'data-claim="{unassigned.pk}"' not in page
    assert 'name="mine" value="1" checked' in page


def test_the_pages_of_a_filtered_queue_keep_the_filters(editor: User, make_claim: Any) -> None:
    for n in range(30):
        make_claim(kind=Claim.Kind.STATISTIC, priority=n)
    make_claim(kind=Claim.Kind.QUOTE)

    page = page_of(browser(editor).get("/?kind=statistic&q=unemployment&page=1"))

    assert "Page 1 of 2 · 30 claims" in page
    assert 'href="?q=unemployment&amp;kind=statistic&amp;page=2" rel="next"' in page
    second = page_of(browser(editor).get("/?q=unemployment&kind=statistic&page=2"))
    assert 'href="?q=unemployment&amp;kind=statistic&amp;page=1" rel="prev"' in second
    assert second.count("<tr data-claim=") == 5


def test_unknown_filter_values_are_ignored(editor: User, make_claim: Any) -> None:
    make_claim()
    page = page_of(browser(editor).get("/?status=bogus&kind=nope&page=x"))
    assert "Page 1 of 1 · 1 claim" in page


@pytest.mark.parametrize("name", ["q", "speaker", "outlet", "assignee", "since"])
@pytest.mark.parametrize("value", ["\x00", "Daily\x00Example", "line\nbreak\x7f"])
def test_a_filter_holding_a_control_character_is_ignored_not_an_error(
    name: str, value: str, editor: User, make_claim: Any, appear: Any
) -> None:
    appear(make_claim(), "Daily Example")

    page = page_of(browser(editor).get("/", {name: value}))

    assert "Page 1 of 1 · 1 claim" in page


def test_the_queue_page_takes_a_fixed_number_of_queries(
    editor: User,
    reviewer: User,
    make_claim: Any,
    appear: Callable[..., Appearance],
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(30):
        claim = make_claim(assignee=reviewer if n % 2 else None, priority_parts={"checkworthiness": 30.0})
        appear(claim, f"Outlet {n % 12}")
        if n % 5 == 0:
            ClaimLink.objects.create(
                from_claim=claim, to_claim=make_claim(), kind=ClaimLink.Kind.FIGURE_CONFLICT
            )
    client = browser(editor)

    with django_assert_max_num_queries(12):
        page_of(client.get("/"))


# --- Assigning and releasing on the claim page


def test_an_editor_assigns_a_claim_to_a_reviewer(editor: User, reviewer: User, make_claim: Any) -> None:
    claim = make_claim()
    client = browser(editor)
    page = page_of(client.get(f"/claims/{claim.pk}/"))
    assert '<option value="rita">rita · reviewer</option>' in page

    response = client.post(
        f"/claims/{claim.pk}/assign/",
        {"version": 1, "user": "rita", "reason": "Knows the data."},
        follow=True,
    )

    assert "Assigned to rita." in texts(response)
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == (Status.IN_REVIEW, reviewer)
    event = ClaimEvent.objects.get(claim=claim, action="assigned")
    assert (event.actor, event.reason, event.data["assignee"]) == (editor, "Knows the data.", "rita")


def test_a_reviewer_gets_no_assign_form_and_is_refused_assigning(
    reviewer: User, reviewer2: User, make_claim: Any
) -> None:
    claim = make_claim()
    client = browser(reviewer)
    assert "Assign to" not in page_of(client.get(f"/claims/{claim.pk}/"))

    response = client.post(f"/claims/{claim.pk}/assign/", {"version": 1, "user": "ravi"})

    assert (response.status_code, response["Location"]) == (303, f"/claims/{claim.pk}/#form-assign")
    assert any("Only a editor or above may assign" in text for text in texts(response))
    assert Claim.objects.get(pk=claim.pk).assignee is None


def test_a_reviewer_hands_their_claim_back_to_the_queue(reviewer: User, make_claim: Any) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    client = browser(reviewer)
    assert "hand back to the queue" in page_of(client.get(f"/claims/{claim.pk}/"))

    response = client.post(f"/claims/{claim.pk}/release/", {"version": 1}, follow=True)

    assert "Handed back to the queue, unassigned." in texts(response)
    claim.refresh_from_db()
    assert (claim.status, claim.assignee) == (Status.NEW, None)


def test_only_the_assignee_or_an_editor_may_hand_a_claim_back(
    reviewer: User, reviewer2: User, make_claim: Any
) -> None:
    claim = make_claim(status=Status.IN_REVIEW, assignee=reviewer)
    client = browser(reviewer2)
    assert "hand back to the queue" not in page_of(client.get(f"/claims/{claim.pk}/"))
    refused = client.post(f"/claims/{claim.pk}/release/", {"version": 1}, follow=True)
    assert any("only they or an editor may release it" in text for text in texts(refused))
    assert Claim.objects.get(pk=claim.pk).assignee == reviewer


# --- Bulk actions on the queue


def bulk(client: Client, ids: list[int], action: str, back: str = "", **fields: str) -> Any:
    return client.post("/claims/bulk/", {"ids": ids, "action": action, "back": back, **fields}, follow=True)


def test_an_editor_sees_checkboxes_and_the_bulk_controls(editor: User, make_claim: Any) -> None:
    claim = make_claim()
    page = page_of(browser(editor).get("/"))
    assert 'id="bulk-form"' in page
    assert f'name="ids" value="{claim.pk}"' in page
    assert "Apply to selected" in page


def test_a_reviewer_sees_no_bulk_controls_and_is_refused_bulk_actions(
    reviewer: User, make_claim: Any
) -> None:
    claim = make_claim()
    client = browser(reviewer)
    page = page_of(client.get("/"))
    assert 'id="bulk-form"' not in page and 'name="ids"' not in page

    response = bulk(client, [claim.pk], "dismiss", reason="Opinion.")

    assert any("Only a editor or above may act on claims in bulk" in text for text in texts(response))
    assert Claim.objects.get(pk=claim.pk).status == Status.NEW


def test_an_editor_dismisses_several_claims_and_returns_to_the_same_view_of_the_queue(
    editor: User, make_claim: Any
) -> None:
    claims = [make_claim(kind=Claim.Kind.QUOTE) for _ in range(3)]

    response = bulk(
        browser(editor),
        [claims[0].pk, claims[1].pk],
        "dismiss",
        back="kind=quote&page=1&next=https://elsewhere.example",
        reason="Opinions, not facts.",
    )

    assert response.redirect_chain == [("/?kind=quote&page=1", 302)]
    assert "Dismissed 2 claims." in texts(response)
    assert [Claim.objects.get(pk=c.pk).status for c in claims] == [
        Status.DISMISSED,
        Status.DISMISSED,
        Status.NEW,
    ]
    assert ClaimEvent.objects.filter(action="dismissed", reason="Opinions, not facts.").count() == 2


def test_a_bulk_action_names_each_claim_it_left_as_it_was(editor: User, make_claim: Any) -> None:
    open_claim = make_claim()
    decided = make_claim(status=Status.VERIFIED, verdict="verified")

    response = bulk(browser(editor), [open_claim.pk, decided.pk], "dismiss", reason="Not checkable.")

    messages = texts(response)
    assert messages[0] == "Dismissed 1 claim."
    assert messages[1].startswith(f"Claim {decided.pk} was left as it was: Cannot dismiss claim {decided.pk}")
    assert Claim.objects.get(pk=decided.pk).status == Status.VERIFIED


def test_an_editor_assigns_several_claims_to_a_reviewer(
    editor: User, reviewer: User, make_claim: Any
) -> None:
    claims = [make_claim(), make_claim()]

    response = bulk(browser(editor), [c.pk for c in claims], "assign", user="rita")

    assert "Assigned 2 claims to rita." in texts(response)
    assert {Claim.objects.get(pk=c.pk).assignee for c in claims} == {reviewer}


def test_an_editor_reopens_several_decided_claims(editor: User, make_claim: Any) -> None:
    claims = [make_claim(status=Status.DISMISSED), make_claim(status=Status.DISPUTED, verdict="disputed")]

    response = bulk(browser(editor), [c.pk for c in claims], "reopen", reason="New figures out.", to="new")

    assert "Reopened 2 claims." in texts(response)
    assert {Claim.objects.get(pk=c.pk).status for c in claims} == {Status.NEW}


@pytest.mark.parametrize(
    ("ids", "action", "fields", "message"),
    [
        (
            [],
            "dismiss",
            {"reason": "x"},
            "Nothing was changed: Claims: Tick at least one claim in the queue first.",
        ),
        (None, "dismiss", {}, "Nothing was changed: Give a reason for dismissing claims"),
        (None, "assign", {}, "Nothing was changed: Bulk assign needs the user to assign the claims to."),
        (None, "assign", {"user": "nobody"}, "Nothing was changed: Assign to: Select a valid choice."),
    ],
)
def test_a_bulk_action_that_cannot_run_changes_nothing_and_says_why(
    editor: User, make_claim: Any, ids: list[int] | None, action: str, fields: dict[str, str], message: str
) -> None:
    claim = make_claim()

    response = bulk(browser(editor), [claim.pk] if ids is None else ids, action, **fields)

    assert any(text.startswith(message) for text in texts(response)), texts(response)
    claim.refresh_from_db()
    assert (claim.status, claim.version) == (Status.NEW, 1)


def test_bulk_actions_are_post_only(editor: User) -> None:
    assert browser(editor).get("/claims/bulk/").status_code == 405


def test_the_audit_trail_tells_the_claims_story(reviewer: User, editor2: User, make_claim: Any) -> None:
    claim = make_claim()
    rita = browser(reviewer)
    rita.post("/claims/next/")
    rita.post(
        f"/claims/{claim.pk}/evidence/",
        {"url": "https://stats.example.org/march.csv", "primary": "on", "stance": "refutes"},
    )
    rita.post(f"/claims/{claim.pk}/verdict/", {"version": 2, "rating": "false", "rationale": "4.1%."})
    browser(editor2).post(f"/claims/{claim.pk}/approve/", {"version": 3})

    page = page_of(rita.get(f"/claims/{claim.pk}/"))

    story = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r'<tr data-action="[^"]+">(.*?)</tr>', page, re.S)
    ]
    assert [line.split(" ", 2)[2] for line in story] == [
        "Took it from the queue → In review rita",
        "Added a primary source (refutes): stats.example.org rita",
        "Proposed the verdict “disputed” → Awaiting approval rita 4.1%.",
        "Approved the verdict “disputed” → Disputed eddie",
    ]


def test_the_queue_shows_open_claims_by_default_and_every_claim_on_request(
    editor: User, make_claim: Any
) -> None:
    waiting = make_claim(status=Claim.Status.NEW)
    in_review = make_claim(status=Claim.Status.IN_REVIEW)
    decided = make_claim(status=Claim.Status.DISPUTED, verdict="disputed")
    dismissed = make_claim(status=Claim.Status.DISMISSED)

    default = page_of(browser(editor).get("/"))
    assert f'data-claim="{waiting.pk}"' in default
    assert f'data-claim="{in_review.pk}"' in default
    assert f'data-claim="{decided.pk}"' not in default
    assert f'data-claim="{dismissed.pk}"' not in default

    everything = page_of(browser(editor).get("/", {"status": "all"}))
    for claim in (waiting, in_review, decided, dismissed):
        assert f'data-claim="{claim.pk}"' in everything
