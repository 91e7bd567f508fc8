"""The event log is the outbox: every change writes one event, and consumers read them by cursor,
each event exactly once, even when the dispatch after the commit is lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, connections, transaction

from claims import background, events, tasks, workflow
from claims.actors import Actor
from claims.events import EventType
from claims.models import Article, Claim, ClaimEvent, EventCursor

Seen = list[int]


@pytest.fixture
def consumer() -> Iterator[Seen]:
    """A consumer that notes every event id it is handed."""
    seen: Seen = []

    def handle(batch: Sequence[ClaimEvent]) -> None:
        seen.extend(event.pk for event in batch)

    events.register_consumer(events.Consumer(name="test-notes", handle=handle))
    yield seen
    events.unregister_consumer("test-notes")


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """The enqueue after the commit fails, as it does when the broker is unreachable."""
    real = background.enqueue

    def enqueue(task_name: str, *args: Any) -> None:
        if task_name == background.DISPATCH_EVENTS:
            raise ConnectionError("broker unreachable")
        real(task_name, *args)

    monkeypatch.setattr(background, "enqueue", enqueue)


def take_a_claim(reviewer: User) -> ClaimEvent:
    claim = Claim.objects.create(text="Exports rose 4% in May.", score=0.8)
    workflow.do_take_next(actor=Actor(user=reviewer))
    return ClaimEvent.objects.get(claim=claim, action=EventType.TAKEN)


# --- Every change writes one event


def test_an_article_tells_its_story_from_arrival_to_extraction(ingest: Callable[..., Article]) -> None:
    article = ingest(
        "Exports rose 4% in May, the statistics office said on Tuesday.\n\n"
        "The finance minister said inflation would fall below 3% next year.",
        external_id="a-1",
    )
    story = list(ClaimEvent.objects.filter(article=article).order_by("pk"))

    assert [e.action for e in story] == [EventType.ARTICLE_RECEIVED, EventType.ARTICLE_EXTRACTED]
    assert story[1].data["claims"] == article.appearances.count() > 0
    assert (story[1].from_status, story[1].to_status) == ("running", "done")
    created = ClaimEvent.objects.filter(action=EventType.CREATED, data__article=article.pk)
    assert created.count() == story[1].data["new_claims"]
    assert all(e.pk < story[1].pk for e in created)


def test_a_new_body_is_a_revision_and_the_same_body_again_is_nothing(
    ingest: Callable[..., Article],
) -> None:
    first = ingest("Exports rose 4% in May, the statistics office said.", external_id="a-2")
    ingest("Exports rose 4% in May, the statistics office said.", external_id="a-2")
    ingest("Exports rose 5% in May, the statistics office said.", external_id="a-2")

    actions = list(ClaimEvent.objects.filter(article=first).order_by("pk").values_list("action", "data"))
    assert [a for a, _ in actions] == [
        EventType.ARTICLE_RECEIVED,
        EventType.ARTICLE_EXTRACTED,
        EventType.ARTICLE_REVISED,
        EventType.ARTICLE_EXTRACTED,
    ]
    assert actions[2][1]["revision"] == 2


def test_an_article_left_with_no_text_fails_with_an_event_saying_why(ingest: Callable[..., Article]) -> None:
    article = ingest("Subscribe now!\nSign up for our newsletter.\nSupport us: donate today.")

    failed = ClaimEvent.objects.get(article=article, action=EventType.ARTICLE_FAILED)
    assert article.extraction_status == "failed"
    assert failed.data["error"] == article.extraction_error != ""
    assert events.describe_event(failed).startswith("Extraction failed: ")


def test_a_merge_made_with_a_personal_key_keeps_the_key_in_the_audit_trail(
    editor: User, make_claim: Any
) -> None:
    from rest_framework.test import APIClient

    from integrations.services import create_integration

    _, key = create_integration(name="edna-script", username=editor.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    source, target = make_claim(), make_claim()

    response = client.post(f"/api/v1/claims/{source.pk}/merge/", {"into": target.pk}, format="json")

    assert response.status_code == 200, response.content
    merged = ClaimEvent.objects.filter(action__in=[EventType.MERGED, EventType.MERGED_INTO])
    assert {(e.actor_id, e.integration.name if e.integration else None) for e in merged} == {
        (editor.pk, "edna-script")
    }


# --- Consumers read by cursor


@pytest.mark.django_db(transaction=True)
def test_a_lost_dispatch_is_delivered_by_the_sweep_exactly_once(
    reviewer: User, consumer: Seen, broker_down: None
) -> None:
    event = take_a_claim(reviewer)  # committed; the dispatch after the commit failed
    assert consumer == []

    tasks.dispatch_events()  # what beat runs every minute
    tasks.dispatch_events()

    assert consumer.count(event.pk) == 1
    assert EventCursor.objects.get(name="test-notes").position == ClaimEvent.objects.latest("pk").pk


@pytest.mark.django_db(transaction=True)
def test_the_dispatch_after_the_commit_delivers_without_waiting_for_the_sweep(
    reviewer: User, consumer: Seen
) -> None:
    event = take_a_claim(reviewer)

    assert consumer.count(event.pk) == 1
    tasks.dispatch_events()
    assert consumer.count(event.pk) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_reaches_no_consumer(reviewer: User, consumer: Seen) -> None:
    Claim.objects.create(text="Exports rose 4% in May.", score=0.8)
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.do_take_next(actor=Actor(user=reviewer))
        raise RuntimeError("the request failed after the transition")

    tasks.dispatch_events()
    assert consumer == []
    assert not ClaimEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_priority_consumer_recomputes_a_verdict_the_lost_dispatch_missed(
    reviewer: User, editor: User, broker_down: None
) -> None:
    from claims import review
    from claims.models import Evidence

    claim = Claim.objects.create(
        text="Exports rose 4% in May.", score=0.5, status="in_review", assignee=reviewer
    )
    Evidence.objects.create(claim=claim, url="https://stats.example.org/may", primary=True)
    with override_second_review(False):
        review.do_propose_verdict(
            claim_id=claim.pk,
            version=1,
            value="disputed",
            rationale="The office says 2%.",
            actor=Actor(user=reviewer),
        )
    claim.refresh_from_db()
    assert claim.priority_parts == {}

    tasks.dispatch_events()

    claim.refresh_from_db()
    assert claim.priority_parts["checkworthiness"] == 20.0


def override_second_review(value: bool) -> Any:
    from django.test import override_settings

    return override_settings(REQUIRE_SECOND_REVIEW=value)


@pytest.mark.django_db(transaction=True)
def test_a_failing_consumer_is_retried_then_skips_the_event_and_never_blocks_the_others(
    reviewer: User, consumer: Seen, broker_down: None
) -> None:
    attempts: list[int] = []

    def broken(batch: Sequence[ClaimEvent]) -> None:
        attempts.extend(e.pk for e in batch)
        raise RuntimeError("endpoint down")

    events.register_consumer(events.Consumer(name="test-broken", handle=broken))
    try:
        event = take_a_claim(reviewer)
        for _ in range(events.MAX_ATTEMPTS):
            tasks.dispatch_events()
            assert consumer.count(event.pk) == 1  # the healthy consumer got it the first time
        cursor = EventCursor.objects.get(name="test-broken")
        assert cursor.position == event.pk
        assert cursor.last_error.startswith(f"skipped after {events.MAX_ATTEMPTS} attempts: event {event.pk}")
        tried = attempts.count(event.pk)  # each dispatch: the batch, then the event alone
        assert tried == 2 * events.MAX_ATTEMPTS
        tasks.dispatch_events()
        assert attempts.count(event.pk) == tried  # skipped for good
    finally:
        events.unregister_consumer("test-broken")


def test_a_transaction_asks_for_one_dispatch_however_many_events_it_records(
    make_claim: Any, django_capture_on_commit_callbacks: Any
) -> None:
    claim = make_claim()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for _ in range(5):
            events.record_event(EventType.REOPENED, claim=claim)
    assert len(callbacks) == 1


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A broker that holds the tasks sent to it (nothing runs until the test says so)."""
    sent: list[str] = []
    monkeypatch.setattr(background, "enqueue", lambda task_name, *args: sent.append(task_name))
    cache.delete(events.DISPATCH_PENDING_KEY)
    yield sent
    cache.delete(events.DISPATCH_PENDING_KEY)


@pytest.mark.django_db(transaction=True)
def test_commits_in_a_burst_share_one_dispatch_and_every_event_reaches_the_consumers(
    make_claim: Any, consumer: Seen, queued: list[str]
) -> None:
    claim = make_claim()
    burst = [events.record_event(EventType.REOPENED, claim=claim) for _ in range(3)]  # three commits

    assert queued == [background.DISPATCH_EVENTS]  # one dispatch waits in the queue for all three
    tasks.dispatch_events()  # the worker runs it
    assert consumer == [event.pk for event in burst]

    later = events.record_event(EventType.REOPENED, claim=claim)  # after the dispatch began: a new one
    assert queued == [background.DISPATCH_EVENTS] * 2
    tasks.dispatch_events()
    assert consumer == [event.pk for event in [*burst, later]]


@pytest.mark.django_db(transaction=True)
def test_a_dispatch_that_could_not_be_queued_leaves_the_next_commit_free_to_ask_again(
    make_claim: Any, consumer: Seen, broker_down: None
) -> None:
    claim = make_claim()
    events.record_event(EventType.REOPENED, claim=claim)  # the enqueue failed: beat will deliver it

    assert cache.get(events.DISPATCH_PENDING_KEY) is None
    assert consumer == []


def test_beat_sweeps_the_event_log_every_minute() -> None:
    sweep = [
        job for job in settings.CELERY_BEAT_SCHEDULE.values() if job["task"] == "claims.tasks.dispatch_events"
    ]
    assert sweep and sweep[0]["schedule"] == 60.0


# --- On PostgreSQL: commit order and concurrent dispatchers


def _in_thread(target: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_event_ids_follow_commit_order_so_a_cursor_never_skips_a_late_commit(make_claim: Any) -> None:
    claim = make_claim()
    recorded: dict[str, tuple[int, float]] = {}
    first_recorded = threading.Event()

    def slow() -> None:
        with transaction.atomic():
            event = events.record_event(EventType.REOPENED, claim=claim, reason="slow")
            first_recorded.set()
            time.sleep(0.5)
            # the moment just before the commit: taken after it, a busy machine could run the
            # quick thread to its end first, between this thread's commit and its clock read
            recorded["slow"] = (event.pk, time.monotonic())

    def quick() -> None:
        first_recorded.wait(5)
        with transaction.atomic():
            event = events.record_event(EventType.DISMISSED, claim=claim, reason="quick")
        recorded["quick"] = (event.pk, time.monotonic())

    threads = [_in_thread(slow), _in_thread(quick)]
    for thread, errors in threads:
        thread.join(10)
        assert not errors, errors

    # The quick transaction started its event while the slow one was open: it waited until the
    # slow one committed, and its event got the later id, so a cursor that read the quick one
    # has read the slow one.
    assert recorded["slow"][0] < recorded["quick"][0]
    assert recorded["slow"][1] <= recorded["quick"][1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_hand_each_event_to_a_consumer_once(make_claim: Any) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def handle(batch: Sequence[ClaimEvent]) -> None:
        time.sleep(0.05)  # long enough for the other dispatcher to arrive meanwhile
        with lock:
            seen.extend(e.pk for e in batch)

    claim = make_claim()
    with transaction.atomic():
        for _ in range(30):
            events.record_event(EventType.REOPENED, claim=claim)
    events.register_consumer(events.Consumer(name="test-race", handle=handle))
    try:

        def race() -> None:
            events.dispatch(names=["test-race"])

        threads = [_in_thread(race) for _ in range(2)]
        for thread, errors in threads:
            thread.join(20)
            assert not errors, errors
    finally:
        events.unregister_consumer("test-race")

    assert sorted(seen) == sorted(ClaimEvent.objects.values_list("pk", flat=True))
    assert connection.vendor == "postgresql"
