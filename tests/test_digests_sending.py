"""When digests go out: each person's own hour and time zone, weekly days, daylight-saving changes;
once per period however often beat fires or a worker retries; a mail server that is down; the command."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.db import connections

from digests import mailer, sending, subscriptions, tasks
from digests.models import DigestRun, DigestSubscription, EmailState

from .test_digests_support import beat, found_claim, sent_to, utc


def something_new(at: str) -> None:
    """A claim found at ``at`` (UTC), so the digest after it has something to say."""
    with time_machine.travel(utc(at), tick=False):
        found_claim(f"Exports rose {utc(at).day}% in the month to {at}, the trade office said.")


def every_quarter_hour(start: datetime, end: datetime) -> Iterator[datetime]:
    moment = start
    while moment <= end:
        yield moment
        moment += timedelta(minutes=15)


def arrivals(users: list[User], start: str, end: str) -> dict[str, list[datetime]]:
    """Run beat every 15 minutes from ``start`` to ``end`` (UTC); when each person got a digest."""
    got: dict[str, list[datetime]] = {user.username: [] for user in users}
    for moment in every_quarter_hour(utc(start), utc(end)):
        before = {user.username: len(sent_to(user)) for user in users}
        beat(moment)
        for user in users:
            if len(sent_to(user)) > before[user.username]:
                got[user.username].append(moment)
    return got


def schedule(user: User, **changes: Any) -> None:
    subscriptions.do_update_subscription(user_id=user.pk, changes=changes)


# --- Time zones


def test_a_daily_digest_comes_at_the_chosen_hour_in_the_subscribers_time_zone(reviewer: User) -> None:
    schedule(reviewer, time_zone="Europe/Berlin", hour=8)
    something_new("2031-03-05 12:00")

    got = arrivals([reviewer], "2031-03-06 05:00", "2031-03-06 18:00")

    assert got == {"rita": [utc("2031-03-06 07:00")]}  # 08:00 in Berlin (UTC+1 in March)
    assert DigestRun.objects.get(user=reviewer).period == "2031-03-06"


def test_people_in_different_time_zones_each_get_theirs_at_their_own_eight(
    reviewer: User, reviewer2: User, editor: User
) -> None:
    schedule(reviewer, time_zone="Asia/Tokyo")
    schedule(reviewer2, time_zone="America/New_York")
    schedule(editor, time_zone="Europe/Berlin")
    # New York had its digest for 5 March at 13:00 UTC (08:00 there); it is past 08:00 there all evening.
    DigestRun.objects.create(
        user=reviewer2,
        kind="daily",
        period="2031-03-05",
        state=EmailState.SENT,
        window_start=utc("2031-03-04 13:00"),
        window_end=utc("2031-03-05 13:00"),
    )
    something_new("2031-03-05 14:00")

    got = arrivals([reviewer, reviewer2, editor], "2031-03-05 23:00", "2031-03-06 15:00")

    assert got == {
        "rita": [utc("2031-03-05 23:00")],  # 08:00 on 6 March in Tokyo (UTC+9)
        "edna": [utc("2031-03-06 07:00")],  # Berlin, UTC+1
        "ravi": [utc("2031-03-06 13:00")],  # New York, UTC-5 until 9 March
    }
    periods = set(DigestRun.objects.values_list("user__username", "period"))
    assert periods == {
        ("rita", "2031-03-06"),
        ("edna", "2031-03-06"),
        ("ravi", "2031-03-05"),
        ("ravi", "2031-03-06"),
    }


def test_everybody_starts_with_the_daily_digest_at_eight_in_time_zone(settings: Any, reviewer: User) -> None:
    settings.TIME_ZONE = "Europe/Lisbon"  # UTC+0 in winter
    assert not DigestSubscription.objects.filter(user=reviewer).exists()
    something_new("2031-03-05 12:00")

    got = arrivals([reviewer], "2031-03-06 06:00", "2031-03-06 10:00")

    assert got == {"rita": [utc("2031-03-06 08:00")]}
    subscription = DigestSubscription.objects.get(user=reviewer)
    assert (subscription.frequency, subscription.hour, subscription.time_zone) == (
        "daily",
        8,
        "Europe/Lisbon",
    )


# --- Weekly


def test_a_weekly_digest_comes_once_a_week_on_the_chosen_day_and_hour(reviewer: User) -> None:
    schedule(reviewer, frequency="weekly", weekday="friday", hour=9, time_zone="UTC")
    something_new("2031-03-03 12:00")  # Monday of ISO week 10
    something_new("2031-03-10 12:00")  # Monday of week 11

    moments = [
        "2031-03-06 09:00",  # Thursday: not yet
        "2031-03-07 08:45",  # Friday, before the hour
        "2031-03-07 09:00",  # due
        "2031-03-07 17:00",
        "2031-03-09 23:45",  # Sunday night, same week
        "2031-03-10 09:00",  # Monday of week 11: Friday not reached
        "2031-03-14 09:15",  # Friday of week 11
        "2031-03-14 10:00",
    ]
    got = []
    for at in moments:
        before = len(sent_to(reviewer))
        beat(utc(at))
        if len(sent_to(reviewer)) > before:
            got.append(at)

    assert got == ["2031-03-07 09:00", "2031-03-14 09:15"]
    assert list(DigestRun.objects.order_by("id").values_list("period", flat=True)) == ["2031-W10", "2031-W11"]
    second = sent_to(reviewer)[1].body
    assert "month to 2031-03-10" in second and "month to 2031-03-03" not in second


# --- Daylight-saving changes


def test_an_hour_skipped_by_the_spring_forward_change_still_sends_once(reviewer: User) -> None:
    schedule(reviewer, time_zone="Europe/Berlin", hour=2)
    something_new("2031-03-29 12:00")

    # On 30 March 2031 Berlin's clocks jump from 02:00 to 03:00: there is no 02:00 that day.
    got = arrivals([reviewer], "2031-03-29 23:00", "2031-03-30 12:00")

    assert got == {"rita": [utc("2031-03-30 01:00")]}  # 03:00 CEST, the first moment after the gap
    assert DigestRun.objects.get(user=reviewer).period == "2031-03-30"


def test_an_hour_repeated_by_the_fall_back_change_sends_once(reviewer: User) -> None:
    schedule(reviewer, time_zone="Europe/Berlin", hour=2)
    something_new("2031-10-25 12:00")

    # On 26 October 2031 Berlin's clocks go from 03:00 back to 02:00: 02:00 comes twice.
    got = arrivals([reviewer], "2031-10-25 22:00", "2031-10-26 06:00")

    assert got == {"rita": [utc("2031-10-26 00:00")]}  # the first 02:00 (CEST)


def test_eight_oclock_stays_eight_oclock_across_a_daylight_saving_change(reviewer2: User) -> None:
    schedule(reviewer2, time_zone="America/New_York")
    for day in ("2031-03-07", "2031-03-08", "2031-03-09"):
        something_new(f"{day} 20:00")

    got = arrivals([reviewer2], "2031-03-08 10:00", "2031-03-10 14:00")

    # EST (UTC-5) on Saturday and Sunday morning; EDT (UTC-4) from Sunday 9 March 02:00.
    assert got == {"ravi": [utc("2031-03-08 13:00"), utc("2031-03-09 12:00"), utc("2031-03-10 12:00")]}


# --- Once per period


DIGEST_AT = utc("2031-03-06 08:00")


def test_a_beat_that_fires_twice_sends_once(reviewer: User) -> None:
    something_new("2031-03-05 12:00")

    beat(DIGEST_AT)
    beat(DIGEST_AT)
    beat(DIGEST_AT + timedelta(minutes=15))

    assert len(sent_to(reviewer)) == 1
    assert DigestRun.objects.get(user=reviewer).state == EmailState.SENT


def test_a_worker_that_runs_the_same_send_again_does_not_send_twice(reviewer: User) -> None:
    something_new("2031-03-05 12:00")
    beat(DIGEST_AT)
    run = DigestRun.objects.get(user=reviewer)

    assert tasks.send_digest.delay(run.pk).get() == EmailState.SENT
    assert len(sent_to(reviewer)) == 1
    assert DigestRun.objects.get(pk=run.pk).attempts == 1


def test_a_digest_left_sending_by_a_stopped_worker_is_failed_not_sent_again(reviewer: User) -> None:
    something_new("2031-03-05 12:00")
    with time_machine.travel(DIGEST_AT, tick=False):
        run = DigestRun.objects.create(
            user=reviewer,
            kind="daily",
            period="2031-03-06",
            window_start=DIGEST_AT - timedelta(days=1),
            window_end=DIGEST_AT,
        )
        assert mailer.claim(DigestRun, run.pk)  # the worker took it, then died

    beat(DIGEST_AT + timedelta(hours=1))

    run.refresh_from_db()
    assert run.state == EmailState.FAILED
    assert "interrupted" in run.error
    assert sent_to(reviewer) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_the_same_moment_in_two_processes_send_once(
    django_user_model: type[User], settings: Any
) -> None:
    rita = django_user_model.objects.create_user("rita", email="rita@example.org")
    something_new("2031-03-05 12:00")
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def race() -> None:
        try:
            start.wait(5)
            sending.do_queue_due_digests(now=DIGEST_AT)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(sent_to(rita)) == 1
    assert DigestRun.objects.filter(user=rita).count() == 1


# --- A mail server that is down


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., list[float]]]:
    """Makes the next sends fail as given (then succeed); returns the retry countdowns asked for.

    Tasks run in-process, where a retry runs at once, as a worker would run it after its countdown.
    """
    from factcheck.celery import app

    # Eager retries re-apply only when errors do not propagate (Celery's eager apply).
    app.conf.task_eager_propagates = False
    countdowns: list[float] = []
    real_send = EmailBackend.send_messages
    real_countdown = mailer.retry_countdown

    def script(*failures: BaseException) -> list[float]:
        queue = list(failures)

        def send_messages(self: EmailBackend, messages: Any) -> int:
            if queue:
                raise queue.pop(0)
            return real_send(self, messages)

        def countdown(retries: int) -> float:
            countdowns.append(real_countdown(retries))
            return countdowns[-1]

        monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
        monkeypatch.setattr(mailer, "retry_countdown", countdown)
        return countdowns

    yield script
    app.conf.task_eager_propagates = True


def test_a_mail_server_that_comes_back_gets_the_digest_once(
    reviewer: User, mail_server: Callable[..., list[float]]
) -> None:
    something_new("2031-03-05 12:00")
    countdowns = mail_server(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))

    beat(DIGEST_AT)

    run = DigestRun.objects.get(user=reviewer)
    assert (run.state, run.attempts) == (EmailState.SENT, 2)
    assert len(sent_to(reviewer)) == 1
    assert len(countdowns) == 1 and 7.5 <= countdowns[0] <= 15


def test_a_mail_server_that_stays_down_is_retried_with_backoff_then_the_digest_is_failed(
    reviewer: User, mail_server: Callable[..., list[float]], settings: Any
) -> None:
    something_new("2031-03-05 12:00")
    refusals = [smtplib.SMTPResponseException(421, b"4.3.2 Service shutting down")] * 10
    countdowns = mail_server(*refusals)

    beat(DIGEST_AT)

    run = DigestRun.objects.get(user=reviewer)
    assert run.state == EmailState.FAILED
    assert run.attempts == settings.EMAIL_SEND_RETRIES + 1
    assert run.error == "Gave up after 5 retries: The mail server answered 421 4.3.2 Service shutting down"
    assert len(countdowns) == 5
    assert [round(c / (15 * 2**n), 2) >= 0.5 for n, c in enumerate(countdowns)] == [True] * 5
    assert sent_to(reviewer) == []


def test_a_permanent_refusal_fails_the_digest_at_once_without_retrying(
    reviewer: User, reviewer2: User, mail_server: Callable[..., list[float]]
) -> None:
    something_new("2031-03-05 12:00")
    countdowns = mail_server(smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam"))

    beat(DIGEST_AT)

    failed = DigestRun.objects.get(state=EmailState.FAILED)
    assert failed.attempts == 1
    assert failed.error == "The mail server answered 554 5.7.1 Message rejected as spam"
    assert countdowns == []
    assert DigestRun.objects.filter(state=EmailState.SENT).count() == 1  # the other person's went out
    assert len(mail.outbox) == 1


# --- manage.py send_digests


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("send_digests", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_send_digests_dry_run_prints_the_plain_text_and_sends_and_writes_nothing(
    reviewer: User, editor: User
) -> None:
    something_new("2031-03-05 12:00")

    with time_machine.travel(DIGEST_AT + timedelta(minutes=5), tick=False):
        output = run_command("--dry-run", "--user", "rita")

    assert "=== rita: daily digest for 2031-03-06 to rita@example.org" in output
    assert "Subject: Claim tracker daily digest, Thursday 6 March: 1 new claim" in output
    assert "NEW CLAIMS (1)" in output and "month to 2031-03-05 12:00" in output
    assert "edna" not in output
    assert mail.outbox == []
    assert not DigestRun.objects.exists()
    assert not DigestSubscription.objects.exists()


def test_send_digests_sends_what_is_due_and_not_what_is_not(reviewer: User, editor: User) -> None:
    schedule(editor, hour=17)
    something_new("2031-03-05 12:00")

    with time_machine.travel(DIGEST_AT + timedelta(minutes=5), tick=False):
        output = run_command()

    assert "rita: daily digest for 2031-03-06: sent, 1 item(s)" in output
    assert "edna" not in output
    assert output.strip().endswith("1 sent")
    assert [m.to for m in mail.outbox] == [["rita <rita@example.org>"]]


def test_send_digests_now_sends_before_the_hour_but_still_once_per_period(
    reviewer: User, editor: User
) -> None:
    something_new("2031-03-05 12:00")

    with time_machine.travel(utc("2031-03-06 05:00"), tick=False):
        first = run_command("--now", "--user", "rita")
        second = run_command("--now", "--user", "rita")

    assert "rita: daily digest for 2031-03-06: sent, 1 item(s)" in first
    assert "rita: daily digest for 2031-03-06: already made for this period, not sent again" in second
    assert len(mail.outbox) == 1


def test_send_digests_refuses_an_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="No user named ghost"):
        run_command("--user", "ghost")


# --- Beat and queues


def test_beat_looks_for_due_digests_every_quarter_hour_and_emails_go_out_on_the_email_queue(
    settings: Any,
) -> None:
    from factcheck.celery import app

    assert settings.CELERY_BEAT_SCHEDULE["send-due-digests"] == {
        "task": "digests.tasks.send_due_digests",
        "schedule": 15 * 60.0,
    }
    assert settings.CELERY_BEAT_SCHEDULE["send-due-notifications"]["schedule"] == 60.0
    for name in (
        "digests.tasks.send_due_digests",
        "digests.tasks.send_digest",
        "digests.tasks.send_due_notifications",
        "digests.tasks.send_notification_email",
    ):
        assert name in app.tasks
        assert app.amqp.router.route({}, name, (1,), {})["queue"].name == "email"
