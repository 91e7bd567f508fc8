"""Webhook fan-out in batches: each endpoint's deliveries are drained by one task that claims a batch,
sends it concurrently and records it at once. Real PostgreSQL, a real keep-alive HTTP receiver on
127.0.0.1, and (for the queue) the real Redis broker."""

from __future__ import annotations

import ast
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from claims import events
from claims.event_types import EventType
from claims.events import new_event, record_events
from claims.models import Claim, ClaimEvent
from factcheck.celery import app
from integrations.services import create_integration
from webhooks import drain, endpoints, lease, payloads, queueing, tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint

from .test_webhooks import later

pytestmark = [pytest.mark.postgres]
State = WebhookDelivery.State


@dataclass(frozen=True)
class Message:
    path: str
    webhook_id: str
    body: bytes
    signed: bool


class Receiver:
    """A keep-alive HTTP/1.1 server with one secret per path; ``status`` decides each answer."""

    def __init__(self, status: Callable[[Message, int], int] = lambda message, seen: 200) -> None:
        self.hooks: dict[str, Webhook] = {}
        self.messages: list[Message] = []
        self.status = status
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    receiver.hooks[self.path].verify(body, headers)
                    signed = True
                except Exception:
                    signed = False
                message = Message(self.path, headers.get("webhook-id", ""), body, signed)
                with receiver.lock:
                    seen = sum(
                        1
                        for m in receiver.messages
                        if (m.path, m.webhook_id) == (self.path, message.webhook_id)
                    )
                    receiver.messages.append(message)
                if receiver.delay:
                    time.sleep(receiver.delay)
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(receiver.status(message, seen) if signed else 400)
                    for name, value in receiver.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def endpoint(self, name: str) -> WebhookEndpoint:
        integration, _ = create_integration(name=f"cms-{name}")
        path = f"/hook/{name}"
        port = self.httpd.server_address[1]
        created = endpoints.do_create_endpoint(
            integration=integration, url=f"http://127.0.0.1:{port}{path}", events=["claim.created"]
        )
        self.hooks[path] = Webhook(created.secret)
        return created

    def counts(self) -> Counter[tuple[str, str]]:
        return Counter((m.path, m.webhook_id) for m in self.messages)


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_TIMEOUT = 5.0
    server = Receiver()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def claims(n: int) -> list[Claim]:
    return [Claim.objects.create(text=f"Exports from region {i} rose {i % 9 + 1}% in May.") for i in range(n)]


def record_created(subjects: list[Claim]) -> list[ClaimEvent]:
    """What filing does: claim.created events written in one transaction; its commit dispatches them."""
    with transaction.atomic():
        return record_events([new_event(EventType.CREATED, claim=claim) for claim in subjects])


def pending_deliveries(endpoint: WebhookEndpoint, subjects: list[Claim]) -> list[WebhookDelivery]:
    """Due deliveries written straight to the table, as the consumer writes them, and no drain queued."""
    with transaction.atomic():
        logged = record_events([new_event(EventType.CREATED, claim=claim) for claim in subjects])
        bodies = payloads.event_bodies(logged)
        return WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                endpoint=endpoint,
                event=event,
                type="claim.created",
                message_id=str(event.pk),
                payload=str(bodies[event.pk]),
                next_attempt_at=event.created_at,
            )
            for event in logged
        )


# --- Fan-out


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_events_reaches_every_endpoint_exactly_once_each_signed(receiver: Receiver) -> None:
    hooks = [receiver.endpoint(name) for name in ("a", "b", "c", "d")]

    logged = record_created(claims(60))  # real commits: the dispatch, then each endpoint's drain

    assert receiver.counts() == Counter(
        {(f"/hook/{name}", str(event.pk)): 1 for name in "abcd" for event in logged}
    )
    assert all(message.signed for message in receiver.messages)
    assert WebhookDelivery.objects.filter(state=State.SUCCEEDED, attempts=1).count() == 60 * len(hooks)
    sent = json.loads(receiver.messages[0].body)
    assert sent["type"] == "claim.created" and sent["data"]["id"] in {c.claim_id for c in logged}


@pytest.mark.django_db
def test_the_consumer_writes_a_batch_of_events_in_as_many_statements_as_one_event(
    receiver: Receiver,
) -> None:
    for name in ("a", "b", "c"):
        receiver.endpoint(name)
    few = record_created(claims(2))
    many = record_created(claims(40))

    with CaptureQueriesContext(connection) as for_few:
        queueing.queue_deliveries(few)
    with CaptureQueriesContext(connection) as for_many:
        queueing.queue_deliveries(many)

    assert WebhookDelivery.objects.count() == 3 * (2 + 40)
    assert len(for_many.captured_queries) == len(for_few.captured_queries)
    inserts = [q for q in for_many.captured_queries if q["sql"].startswith('INSERT INTO "webhooks_')]
    assert len(inserts) == 1


@pytest.mark.django_db(transaction=True)
def test_two_drains_of_one_endpoint_at_once_never_send_a_delivery_twice(
    receiver: Receiver, settings: Any
) -> None:
    settings.WEBHOOK_DRAIN_BATCH = 10
    settings.WEBHOOK_DRAIN_CONCURRENCY = 4
    receiver.delay = 0.01  # every batch takes a while, so the two drains overlap
    hook = receiver.endpoint("a")
    written = pending_deliveries(hook, claims(120))
    start = threading.Barrier(2)
    attempted: list[int] = []

    def run() -> None:
        try:
            start.wait()
            attempted.append(drain.do_drain(endpoint_id=hook.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(attempted) == len(written) and min(attempted) > 0  # both drains sent some
    assert set(receiver.counts().values()) == {1}
    assert len(receiver.counts()) == len(written)
    assert WebhookDelivery.objects.filter(state=State.SUCCEEDED, attempts=1).count() == len(written)


@pytest.mark.django_db(transaction=True)
def test_a_receiver_answering_500_to_some_messages_gets_those_retried_and_the_rest_succeed(
    receiver: Receiver,
) -> None:
    # The first attempt at every third event fails; any later attempt succeeds.
    receiver.status = lambda message, seen: 500 if int(message.webhook_id) % 3 == 0 and seen == 0 else 200
    hook = receiver.endpoint("a")

    logged = record_created(claims(30))

    failing = {str(e.pk) for e in logged if e.pk % 3 == 0}
    assert failing and len(failing) < len(logged)
    retried = WebhookDelivery.objects.filter(state=State.PENDING)
    assert set(retried.values_list("message_id", flat=True)) == failing
    assert set(retried.values_list("attempts", "last_status_code")) == {(1, 500)}
    assert WebhookDelivery.objects.filter(state=State.SUCCEEDED).count() == len(logged) - len(failing)
    assert tasks.send_due_deliveries() == 0  # the retries wait their 30 s

    with later(minutes=1):
        assert tasks.send_due_deliveries() == len(failing)

    assert WebhookDelivery.objects.filter(state=State.SUCCEEDED).count() == len(logged)
    counts = receiver.counts()
    assert {webhook_id for (_, webhook_id), n in counts.items() if n == 2} == failing
    assert {n for (_, webhook_id), n in counts.items() if webhook_id not in failing} == {1}
    first, second = (m for m in receiver.messages if m.webhook_id == min(failing))
    assert first.body == second.body
    hook.refresh_from_db()
    assert hook.failing_since is None and hook.active


@pytest.mark.django_db
def test_a_retry_a_drain_scheduled_waits_for_the_next_pass_even_when_the_receiver_says_now(
    receiver: Receiver,
) -> None:
    receiver.status = lambda message, seen: 429
    receiver.headers = {"Retry-After": "0"}
    hook = receiver.endpoint("a")
    pending_deliveries(hook, claims(1))

    assert drain.do_drain(endpoint_id=hook.pk) == 1
    assert len(receiver.messages) == 1

    pending = WebhookDelivery.objects.get()
    assert (pending.state, pending.attempts, pending.last_status_code) == (State.PENDING, 1, 429)
    with later(minutes=1):
        assert tasks.send_due_deliveries() == 1
    assert len(receiver.messages) == 2


# --- The queue


def queued_drains(endpoint_ids: set[int]) -> list[int]:
    """The drain tasks for these endpoints waiting in the broker's webhooks queue."""
    broker = redis.Redis.from_url(django_settings.REDIS_URL)
    found = []
    for raw in broker.lrange("webhooks", 0, -1):
        headers = json.loads(raw)["headers"]
        if headers["task"] == queueing.DRAIN:
            (endpoint_id,) = ast.literal_eval(headers["argsrepr"])
            if endpoint_id in endpoint_ids:
                found.append(endpoint_id)
    return sorted(found)


@pytest.fixture
def broker_queue(settings: Any) -> Iterator[None]:
    """Tasks go to the real Redis broker (not run in-process); what this test queued is removed after."""
    app.conf.task_always_eager = False
    app.control.purge()
    yield
    app.control.purge()
    app.conf.task_always_eager = True


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_queue_holds_one_drain_per_endpoint_however_often_events_come_and_beat_runs(
    receiver: Receiver, broker_queue: None
) -> None:
    hooks = [receiver.endpoint(name) for name in ("a", "b", "c")]
    ids = {hook.pk for hook in hooks}
    subjects = claims(5)

    for _ in range(4):
        record_created(subjects)
        events.dispatch()  # the consumer, as the events worker runs it: a drain request per endpoint
        tasks.send_due_deliveries()  # and beat, meanwhile

    assert WebhookDelivery.objects.filter(state=State.PENDING).count() == 4 * 5 * len(hooks)
    assert queued_drains(ids) == sorted(ids)
    assert receiver.messages == []


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_drain_out_of_time_queues_itself_again_for_the_rest(
    receiver: Receiver, broker_queue: None, settings: Any
) -> None:
    settings.WEBHOOK_DRAIN_SECONDS = 0  # one batch, then the rest in a task of its own
    settings.WEBHOOK_DRAIN_BATCH = 5
    hook = receiver.endpoint("a")
    pending_deliveries(hook, claims(12))

    assert drain.do_drain(endpoint_id=hook.pk) == 5

    assert len(receiver.messages) == 5
    assert WebhookDelivery.objects.filter(state=State.PENDING).count() == 7
    assert queued_drains({hook.pk}) == [hook.pk]
    assert tasks.send_due_deliveries() == 7
    assert queued_drains({hook.pk}) == [hook.pk]  # beat sees it queued: no second one


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_drain_lost_with_the_broker_is_queued_again_by_beat_once_its_lease_runs_out(
    receiver: Receiver, broker_queue: None, settings: Any
) -> None:
    settings.WEBHOOK_DRAIN_LEASE_SECONDS = 1
    hook = receiver.endpoint("a")
    pending_deliveries(hook, claims(3))
    assert tasks.send_due_deliveries() == 3
    assert queued_drains({hook.pk}) == [hook.pk]

    app.control.purge()  # the broker lost its messages; the lease still says a drain is queued
    assert tasks.send_due_deliveries() == 3
    assert queued_drains({hook.pk}) == []

    time.sleep(1.2)
    assert tasks.send_due_deliveries() == 3
    assert queued_drains({hook.pk}) == [hook.pk]
    assert tasks.send_due_deliveries() == 3
    assert queued_drains({hook.pk}) == [hook.pk]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_drain_that_could_not_be_queued_holds_no_lease(
    receiver: Receiver, broker_queue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = receiver.endpoint("a")
    pending_deliveries(hook, claims(2))

    def broker_down(task_name: str, *args: Any) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(queueing.background, "enqueue", broker_down)
    with pytest.raises(ConnectionError):
        tasks.send_due_deliveries()
    assert not lease.held(queueing.drain_lease(hook.pk))

    monkeypatch.undo()
    tasks.send_due_deliveries()
    assert queued_drains({hook.pk}) == [hook.pk]
