"""Instant notifications: an assignment, a verdict awaiting approval, a verdict approved or sent back;
recorded by a consumer of the event log once per event, emailed in batches of NOTIFY_BATCH_MINUTES."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from claims import events, review
from claims.actors import Actor
from claims.models import Claim, EventCursor
from digests import notifications, subscriptions
from digests.models import EmailState, Notification, NotificationEmail

from .test_digests_support import (
    SITE,
    assign,
    found_claim,
    html_of,
    notify_beat,
    parsed,
    propose,
    sent_to,
    utc,
)

T0 = utc("2031-03-05 10:00")


def at(minutes: float) -> Any:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def _site(settings: Any) -> None:
    settings.SITE_URL = SITE
    settings.NOTIFY_BATCH_MINUTES = 15


def claim_at(minutes: float, text: str = "") -> Claim:
    with time_machine.travel(at(minutes), tick=False):
        return found_claim(text or f"Exports rose {minutes:.0f}% in May, the trade office said.")


def assigned_at(minutes: float, claim: Claim, reviewer: User, editor: User) -> None:
    with time_machine.travel(at(minutes), tick=False):
        assign(claim, reviewer, by=editor)


def beats(until: float, every: float = 1) -> None:
    """Dispatch and beat's notification pass every minute from T0 to T0 + ``until`` minutes."""
    minute = 0.0
    while minute <= until:
        notify_beat(at(minute))
        minute += every


def test_a_reviewer_hears_that_a_claim_was_assigned_to_them_once_the_batch_window_has_passed(
    reviewer: User, editor: User
) -> None:
    claim = claim_at(0)
    assigned_at(0, claim, reviewer, editor)

    beats(14)
    assert sent_to(reviewer) == []
    beats(15)

    (message,) = sent_to(reviewer)
    assert message.subject == f"Claim tracker: edna assigned you claim {claim.pk}"
    assert claim.text in message.body
    assert f"{SITE}/claims/{claim.pk}/" in message.body
    assert f'href="{SITE}/claims/{claim.pk}/"' in html_of(message)
    assert sent_to(editor) == []  # nobody hears of what they did themselves


def test_every_editor_but_the_author_hears_that_a_verdict_awaits_approval(
    reviewer: User, reviewer2: User, editor: User, editor2: User, admin_user: User
) -> None:
    claim = claim_at(0)
    assigned_at(0, claim, reviewer2, editor)
    with time_machine.travel(at(1), tick=False):
        propose(claim, reviewer2, rationale="The trade office's table says 4%.")

    beats(16)

    for approver in (editor, editor2, admin_user):
        messages = [m for m in sent_to(approver) if "awaits approval" in m.subject]
        assert len(messages) == 1, approver
        assert "The trade office's table says 4%." in messages[0].body
    assert sent_to(reviewer) == []
    assert all("awaits approval" not in m.subject for m in sent_to(reviewer2))


@pytest.mark.parametrize("outcome", ["approved", "rejected"])
def test_the_author_hears_that_their_verdict_was_approved_or_sent_back(
    outcome: str, reviewer: User, editor: User, editor2: User
) -> None:
    claim = claim_at(0)
    assigned_at(0, claim, reviewer, editor)
    with time_machine.travel(at(1), tick=False):
        propose(claim, reviewer)
    beats(16)
    mail.outbox.clear()
    with time_machine.travel(at(20), tick=False):
        if outcome == "approved":
            review.do_approve_verdict(claim_id=claim.pk, version=None, actor=Actor(user=editor2))
        else:
            review.do_reject_verdict(
                claim_id=claim.pk, version=None, comment="Cite the table itself.", actor=Actor(user=editor2)
            )

    beats(40)

    (message,) = sent_to(reviewer)
    if outcome == "approved":
        assert message.subject == f"Claim tracker: eddie approved your verdict “disputed” on claim {claim.pk}"
    else:
        assert "eddie sent your verdict “disputed”" in message.subject
        assert "“Cite the table itself.”" in message.body
    assert sent_to(editor2) == []


def test_two_things_within_the_batch_window_come_in_one_email_listing_both(
    reviewer: User, editor: User
) -> None:
    first, second = claim_at(0, "Exports rose 4% in May."), claim_at(0, "Imports fell 2% in May.")
    assigned_at(0, first, reviewer, editor)
    assigned_at(9, second, reviewer, editor)

    beats(30)

    (message,) = sent_to(reviewer)
    assert message.subject == f"Claim tracker: 2 updates on your claims: edna assigned you claim {first.pk}"
    assert first.text in message.body and second.text in message.body
    assert message.body.index(first.text) < message.body.index(second.text)
    email = NotificationEmail.objects.get(user=reviewer)
    assert (email.state, email.items) == (EmailState.SENT, 2)


def test_at_most_one_email_per_person_per_batch_window(reviewer: User, editor: User) -> None:
    claims = {minute: claim_at(0, f"Claim {minute} rose {minute}%.") for minute in (0, 10, 20)}

    sent_at = []
    for minute in range(61):
        if minute in claims:
            assigned_at(minute, claims[minute], reviewer, editor)
        before = len(sent_to(reviewer))
        notify_beat(at(minute))
        if len(sent_to(reviewer)) > before:
            sent_at.append(minute)

    assert sent_at == [15, 35]  # the third came 5 minutes after the first email: it waits its own window
    assert [m.body.count("* edna assigned you") for m in sent_to(reviewer)] == [2, 1]


def test_the_consumer_run_twice_over_the_same_events_emails_once(reviewer: User, editor: User) -> None:
    claim = claim_at(0)
    assigned_at(0, claim, reviewer, editor)
    with time_machine.travel(at(1), tick=False):
        events.dispatch(names=[notifications.CONSUMER])
        EventCursor.objects.filter(name=notifications.CONSUMER).update(position=0)  # as after a crash
        events.dispatch(names=[notifications.CONSUMER])

    assert Notification.objects.filter(user=reviewer).count() == 1
    beats(30)
    assert len(sent_to(reviewer)) == 1


def test_a_verdict_decided_before_the_batch_goes_out_is_left_out(
    reviewer: User, editor: User, editor2: User
) -> None:
    claim = claim_at(0)
    assigned_at(0, claim, reviewer, editor)
    with time_machine.travel(at(1), tick=False):
        propose(claim, reviewer)
    notify_beat(at(2))
    with time_machine.travel(at(5), tick=False):
        review.do_approve_verdict(claim_id=claim.pk, version=None, actor=Actor(user=editor2))

    beats(30)

    assert sent_to(editor) == []  # it no longer awaits anybody's approval
    assert NotificationEmail.objects.get(user=editor).state == EmailState.EMPTY


def test_a_person_who_turned_notifications_off_hears_nothing(reviewer: User, editor: User) -> None:
    subscriptions.do_update_subscription(user_id=reviewer.pk, changes={"notify": False})
    claim = claim_at(0)
    assigned_at(0, claim, reviewer, editor)

    beats(30)

    assert sent_to(reviewer) == []
    assert not Notification.objects.filter(user=reviewer).exists()


def test_a_notification_email_carries_its_own_one_click_unsubscribe(reviewer: User, editor: User) -> None:
    claim = claim_at(0)
    assigned_at(0, claim, reviewer, editor)
    beats(15)

    message = parsed(sent_to(reviewer)[0])

    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].strip().split(">")[0].lstrip("<")
    Client(enforce_csrf_checks=True).post(link.removeprefix(SITE))
    subscription = subscriptions.access_subscription(user_id=reviewer.pk)
    assert (subscription.notify, subscription.frequency) == (False, "daily")
