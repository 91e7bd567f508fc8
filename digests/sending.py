"""Digests out: who is due, one run row per person and period, and sending each run once.

Beat runs ``do_queue_due_digests`` every 15 minutes. It makes the default
subscription of everybody who has none (one bulk insert), works out in each
subscriber's time zone whether their digest is due (``digests.schedule``), and
inserts one ``DigestRun`` per due (person, kind, period) in one transaction,
before anything is sent. The unique constraint on (person, kind, period) makes
a second pass, or a second beat, find the row and queue nothing. Each new run
is then sent by its own task on the ``email`` queue (``do_send_digest``).

A digest covers what happened since the end of the person's last digest that
went out (or had nothing to say), at most two periods back; the first one
covers one period.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from claims import background

from . import content, mailer, rendering, schedule, selectors, subscriptions
from .models import DigestRun, DigestSubscription, EmailState
from .selectors import Window

logger = logging.getLogger(__name__)

SEND_DIGEST = "digests.tasks.send_digest"
# A run made this long ago and never attempted lost its task (the broker was down): queued again.
# Long enough that a backed-up email queue at 08:00 is not queued twice.
REQUEUE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Due:
    """A subscriber whose digest is due for a period, and the run made for it (None: made before)."""

    subscription: DigestSubscription
    period: schedule.Period
    run_id: int | None = None

    @property
    def username(self) -> str:
        return self.subscription.user.get_username()


def window_for(*, period: schedule.Period, last_end: datetime | None, now: datetime) -> Window:
    """From the end of the last digest (at most two periods back; one period for the first) to now."""
    if last_end is not None and now - 2 * period.length <= last_end < now:
        return Window(start=last_end, end=now)
    return Window(start=now - period.length, end=now)


def zone_of(subscription: DigestSubscription) -> Any:
    try:
        return schedule.zone(subscription.time_zone)
    except KeyError:
        # Only the checks write time zones; a zone the tz database later dropped falls back, never crashes.
        return schedule.zone(settings.TIME_ZONE)


def subscriptions_of(*, usernames: Sequence[str] = ()) -> list[DigestSubscription]:
    """Every active subscription, and the unsaved defaults of people who have no row yet."""
    saved = list(selectors.active_subscriptions(usernames=usernames))
    missing = selectors.users_without_subscription()
    if usernames:
        missing = missing.filter(username__in=usernames)
    defaults = []
    for user in missing:
        subscription = subscriptions.default_subscription(user_id=user.pk)
        subscription.user = user
        defaults.append(subscription)
    return saved + defaults


def due_subscriptions(
    *, now: datetime, force: bool = False, usernames: Sequence[str] = ()
) -> tuple[list[Due], list[Due]]:
    """(due, already made) at ``now``; ``force`` treats every active subscription as due now."""
    candidates: list[Due] = []
    for subscription in subscriptions_of(usernames=usernames):
        frequency = subscription.frequency
        tz = zone_of(subscription)
        finder = schedule.current_period if force else schedule.due_period
        period = finder(kind=frequency, hour=subscription.hour, weekday=subscription.weekday, tz=tz, now=now)
        if period is not None:
            candidates.append(Due(subscription=subscription, period=period))
    made = selectors.existing_runs(keys={(due.period.kind, due.period.key) for due in candidates})
    todo = [d for d in candidates if (d.subscription.user_id, d.period.kind, d.period.key) not in made]
    done = [d for d in candidates if (d.subscription.user_id, d.period.kind, d.period.key) in made]
    return todo, done


def plan_windows(dues: Sequence[Due], *, now: datetime) -> dict[int, Window]:
    """The window of each due subscriber's digest, from their last runs (one query per kind)."""
    windows: dict[int, Window] = {}
    for kind in (schedule.DAILY, schedule.WEEKLY):
        of_kind = [due for due in dues if due.period.kind == kind]
        ends = selectors.last_digest_ends(user_ids=[due.subscription.user_id for due in of_kind], kind=kind)
        for due in of_kind:
            user_id = due.subscription.user_id
            windows[user_id] = window_for(period=due.period, last_end=ends.get(user_id), now=now)
    return windows


def do_make_runs(
    *, now: datetime | None = None, force: bool = False, usernames: Sequence[str] = ()
) -> list[Due]:
    """Insert the run of every due subscriber (committed before anything is sent); returns them all.

    Each returned ``Due`` carries the id of the run this call made, or None when the period's
    run existed already (sent, or being sent by another pass).
    """
    now = now or timezone.now()
    subscriptions.ensure_subscriptions()
    todo, done = due_subscriptions(now=now, force=force, usernames=usernames)
    windows = plan_windows(todo, now=now)
    with transaction.atomic():
        DigestRun.objects.bulk_create(
            [
                DigestRun(
                    user_id=due.subscription.user_id,
                    kind=due.period.kind,
                    period=due.period.key,
                    window_start=windows[due.subscription.user_id].start,
                    window_end=windows[due.subscription.user_id].end,
                )
                for due in todo
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
    made = {
        (user_id, kind, period): pk
        for pk, user_id, kind, period in DigestRun.objects.filter(
            window_end=now,
            state=EmailState.PENDING,
            attempts=0,
            user_id__in=[d.subscription.user_id for d in todo],
        ).values_list("pk", "user_id", "kind", "period")
    }
    runs = [
        Due(d.subscription, d.period, made.get((d.subscription.user_id, d.period.kind, d.period.key)))
        for d in todo
    ]
    return runs + list(done)


def do_queue_due_digests(*, now: datetime | None = None) -> int:
    """Beat, every 15 minutes: make the due runs and queue each one's sending; returns how many."""
    runs = [due.run_id for due in do_make_runs(now=now) if due.run_id is not None]
    stale = (now or timezone.now()) - REQUEUE_AFTER
    lost = DigestRun.objects.filter(state=EmailState.PENDING, attempts=0, created_at__lt=stale)
    made = set(runs)
    runs += [pk for pk in lost.values_list("pk", flat=True)[:1000] if pk not in made]
    mailer.sweep_interrupted(DigestRun, now=now)
    for run_id in runs:
        try:
            background.enqueue(SEND_DIGEST, run_id)
        except Exception:
            # The broker is down: the run stays pending and the next pass queues it again.
            logger.exception("could not queue digest run %s", run_id)
    return len(runs)


# --- One digest


def build_for(
    *, user_id: int, kind: str, window: Window, now: datetime | None = None
) -> tuple[content.Digest, DigestSubscription] | None:
    """The digest a person would get for this window, or None when they cannot get one now."""
    user = selectors.recipient(user_id=user_id)
    if user is None or not user.is_active or not user.email:
        return None
    subscription = selectors.subscription_for(user_id=user_id) or subscriptions.default_subscription(
        user_id=user_id
    )
    digest = content.build_digest(
        user=user, subscription=subscription, kind=kind, window=window, now=now or timezone.now()
    )
    return digest, subscription


def do_send_digest(*, run_id: int) -> str:
    """Send one run's digest if nobody else is; returns its state. Raises TransientFailure to be retried."""
    if not mailer.claim(DigestRun, run_id):
        return mailer.state_of(DigestRun, run_id)
    run = DigestRun.objects.get(pk=run_id)
    try:
        built = build_for(user_id=run.user_id, kind=run.kind, window=Window(run.window_start, run.window_end))
        if built is None or built[1].frequency == DigestSubscription.Frequency.OFF:
            why = "The digest was turned off." if built else "The person has no email address or is inactive."
            mailer.finish(DigestRun, run_id, state=EmailState.EMPTY, error=why)
            return EmailState.EMPTY
        digest, _ = built
        if digest.empty:
            mailer.finish(DigestRun, run_id, state=EmailState.EMPTY)
            return EmailState.EMPTY
        message = rendering.digest_message(digest)
        mailer.deliver(message)
    except mailer.PermanentFailure as exc:
        mailer.finish(DigestRun, run_id, state=EmailState.FAILED, error=exc.reason)
        logger.warning("digest run %s failed: %s", run_id, exc.reason)
        return EmailState.FAILED
    except mailer.TransientFailure as exc:
        mailer.release(DigestRun, run_id, error=exc.reason)
        raise
    except Exception as exc:
        logger.exception("digest run %s could not be built", run_id)
        mailer.finish(DigestRun, run_id, state=EmailState.FAILED, error=f"{type(exc).__name__}: {exc}")
        return EmailState.FAILED
    mailer.finish(DigestRun, run_id, state=EmailState.SENT, subject=digest.subject, items=digest.item_count)
    return EmailState.SENT


def do_fail_digest(*, run_id: int, reason: str) -> None:
    """After the last retry: the run is failed with the mail server's last words."""
    mailer.fail(DigestRun, run_id, reason=f"Gave up after {settings.EMAIL_SEND_RETRIES} retries: {reason}")
