"""Webhooks end to end against a real receiver on 127.0.0.1 (so ALLOW_PRIVATE_URLS is on): signed,
retried (the clock moved forward, then what beat runs), failed, dead, disabled; the API and the command."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from claims import background, events
from claims.event_types import EventType
from claims.events import record_event
from claims.models import Claim, ClaimEvent
from integrations import scopes
from integrations.models import Integration
from integrations.services import create_integration
from webhooks import delivery as delivery_service
from webhooks import endpoints, payloads, queueing, tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint

State = WebhookDelivery.State
PRIMARY = {"url": "https://stats.example.org/labour.csv", "title": "Survey", "primary": True}


# --- A receiver


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A real HTTP server that notes every POST and answers from a script (the last reply repeats)."""

    def __init__(self, port: int = 0) -> None:
        self.script: list[Reply] = [Reply()]
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append(Received(self.path, headers, body))
                reply = receiver.script.pop(0) if len(receiver.script) > 1 else receiver.script[0]
                if reply.delay:
                    time.sleep(reply.delay)
                with suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def answer(self, *replies: Reply) -> None:
        self.script = list(replies)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def allow_private(settings: Any) -> None:
    settings.ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_TIMEOUT = 2.0


@pytest.fixture
def api_key(db: None) -> str:
    """The CMS key of these tests also manages its webhooks (a scope it is not given by default)."""
    _, key = create_integration(name="cms", scopes=[*scopes.CMS_DEFAULT, scopes.WEBHOOKS_MANAGE])
    return key


@pytest.fixture
def cms(api_key: str) -> Integration:
    return Integration.objects.get(name="cms")


@pytest.fixture
def endpoint(cms: Integration, receiver: Receiver, allow_private: None) -> WebhookEndpoint:
    return endpoints.do_create_endpoint(integration=cms, url=receiver.url(), events=["claim.created"])


@pytest.fixture
def emit(
    make_claim: Callable[..., Claim], django_capture_on_commit_callbacks: Any
) -> Callable[[], ClaimEvent]:
    """Record a claim.created event and run what its commit triggers (dispatch, then delivery)."""

    def do() -> ClaimEvent:
        with django_capture_on_commit_callbacks(execute=True):
            event = record_event(EventType.CREATED, claim=make_claim())
        return event

    return do


def only_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.get()


def later(**delta: float) -> Any:
    return time_machine.travel(datetime.now(UTC) + timedelta(**delta), tick=False)


# --- The verdict reaches the receiver


def test_a_published_verdict_reaches_the_receiver_once_signed_with_the_claim_as_get_returns_it(
    cms_client: APIClient,
    client_for: Any,
    reviewer: User,
    make_claim: Callable[..., Claim],
    receiver: Receiver,
    allow_private: None,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.REQUIRE_SECOND_REVIEW = False
    created = cms_client.post(
        "/api/v1/webhooks/", {"url": receiver.url(), "events": ["claim.verdict"]}, format="json"
    )
    assert created.status_code == 201, created.json()
    secret = created.json()["secret"]
    claim = make_claim(status=Claim.Status.IN_REVIEW, assignee=reviewer)
    rita = client_for(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        rita.post(f"/api/v1/claims/{claim.pk}/evidence/", PRIMARY, format="json")
        version = Claim.objects.get(pk=claim.pk).version
        answer = rita.post(
            f"/api/v1/claims/{claim.pk}/verdict/",
            {"verdict": "disputed", "rationale": "The survey says 4.1%.", "version": version},
            format="json",
        )
    assert answer.status_code == 200

    assert len(receiver.received) == 1
    request = receiver.received[0]
    body = Webhook(secret).verify(request.body, request.headers)
    event = ClaimEvent.objects.get(claim=claim, action=EventType.VERDICT_PUBLISHED)
    assert request.headers["webhook-id"] == str(event.pk)
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("FactcheckClaimTracker/")
    assert set(body) == {"type", "timestamp", "data"}
    assert body["type"] == "claim.verdict"
    assert datetime.fromisoformat(body["timestamp"]) == event.created_at
    data = body["data"]
    assert data.pop("rationale") == "The survey says 4.1%."
    assert [e["url"] for e in data.pop("evidence")] == [PRIMARY["url"]]
    assert data == rita.get(f"/api/v1/claims/{claim.pk}/").json()
    assert data["verdict"] == "disputed"
    assert only_delivery().state == State.SUCCEEDED


def test_an_extracted_article_and_its_new_claims_are_sent_as_get_returns_them(
    cms: Integration,
    cms_client: APIClient,
    receiver: Receiver,
    allow_private: None,
    ingest: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoints.do_create_endpoint(integration=cms, url=receiver.url())
    article = ingest("Unemployment fell to 3.9% in March, the statistics office said on Tuesday.")
    with django_capture_on_commit_callbacks(execute=True):
        events.dispatch()  # in a test transaction the extraction's own dispatch is folded into the first

    sent = [json.loads(r.body) for r in receiver.received]
    by_type = {body["type"]: body["data"] for body in sent}
    assert set(by_type) == {"article.extracted", "claim.created"}
    assert by_type["article.extracted"] == cms_client.get(f"/api/v1/articles/{article.pk}/").json()
    claim = by_type["claim.created"]
    assert claim == cms_client.get(f"/api/v1/claims/{claim['id']}/").json()


# --- Retries


def test_a_500_is_retried_later_with_the_same_id_and_bytes_and_then_succeeds(
    endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent]
) -> None:
    receiver.answer(Reply(500, b"boom"), Reply(200))
    event = emit()

    delivery = only_delivery()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.PENDING, 1, 500)
    assert delivery.response_excerpt == "boom"
    assert delivery.next_attempt_at is not None
    wait = (delivery.next_attempt_at - delivery.created_at).total_seconds()
    assert 30 * 0.8 - 1 <= wait <= 30 * 1.2 + 1
    assert tasks.send_due_deliveries() == 0  # not due yet

    with later(minutes=1):
        assert tasks.send_due_deliveries() == 1

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (State.SUCCEEDED, 2, 200)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(event.pk)
    assert first.body == second.body
    assert int(second.headers["webhook-timestamp"]) > int(first.headers["webhook-timestamp"])


def test_a_429_with_retry_after_is_tried_again_when_the_receiver_asked(
    endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent]
) -> None:
    receiver.answer(Reply(429, headers={"Retry-After": "300"}))
    started = datetime.now(UTC)
    emit()

    delivery = only_delivery()
    assert delivery.state == State.PENDING
    assert delivery.next_attempt_at is not None
    assert abs((delivery.next_attempt_at - started).total_seconds() - 300) < 5


def test_retry_after_may_be_an_http_date_and_is_capped(settings: Any) -> None:
    settings.WEBHOOK_MAX_RETRY_AFTER = 3600
    soon = datetime.now(UTC) + timedelta(minutes=10)
    wait = delivery_service.parse_retry_after(soon.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert wait is not None and 595 <= wait <= 600
    assert delivery_service.parse_retry_after("soon") is None
    assert delivery_service._delay(1, 10**9) == timedelta(hours=1)


@pytest.mark.parametrize("status", [404, 410, 400])
def test_a_4xx_fails_without_retry(
    endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent], status: int
) -> None:
    receiver.answer(Reply(status, b"gone"))
    emit()

    delivery = only_delivery()
    assert (delivery.state, delivery.last_status_code, delivery.next_attempt_at) == (
        State.FAILED,
        status,
        None,
    )
    with later(days=3):
        assert tasks.send_due_deliveries() == 0
    assert len(receiver.received) == 1


def test_a_redirect_is_a_failure_and_not_followed(
    endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent]
) -> None:
    receiver.answer(Reply(302, b"", headers={"Location": receiver.url("/elsewhere")}))
    emit()

    delivery = only_delivery()
    assert (delivery.state, delivery.last_status_code) == (State.FAILED, 302)
    assert "redirects are not followed" in delivery.last_error
    assert [r.path for r in receiver.received] == ["/hook"]


def test_a_receiver_that_hangs_times_out_and_is_retried(
    endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent], settings: Any
) -> None:
    settings.WEBHOOK_TIMEOUT = 0.4
    receiver.answer(Reply(200, delay=3.0))

    started = time.monotonic()
    emit()

    assert time.monotonic() - started < 2.5
    delivery = only_delivery()
    assert delivery.state == State.PENDING
    assert delivery.last_status_code is None
    assert "timed out" in delivery.last_error
    assert delivery.next_attempt_at is not None


def test_a_huge_answer_is_cut_to_an_excerpt(
    endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent]
) -> None:
    receiver.answer(Reply(200, b"x" * (10 * 1024 * 1024)))
    started = time.monotonic()
    emit()

    assert time.monotonic() - started < 5
    delivery = only_delivery()
    assert delivery.state == State.SUCCEEDED
    assert len(delivery.response_excerpt) == 1000


def test_after_the_last_retry_the_delivery_is_dead(
    endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent], settings: Any
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 365 * 24  # this test is about the delivery, not the endpoint
    receiver.answer(Reply(503))
    emit()

    retries = len(django_settings.WEBHOOK_RETRY_SCHEDULE)
    for n in range(1, retries + 1):
        with later(days=2 * n):
            assert tasks.send_due_deliveries() == 1

    delivery = only_delivery()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (State.DEAD, retries + 1, None)
    assert len(receiver.received) == retries + 1


def test_an_endpoint_failing_past_the_window_is_disabled_and_the_admins_are_told(
    endpoint: WebhookEndpoint,
    receiver: Receiver,
    emit: Callable[[], ClaimEvent],
    admin_user: User,
    settings: Any,
) -> None:
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 72
    receiver.answer(Reply(500))
    emit()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None and endpoint.disabled_at is None

    with later(hours=73):
        tasks.send_due_deliveries()

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_at is not None
    assert "failed" in endpoint.disabled_reason
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [admin_user.email]
    assert endpoint.url in mail.outbox[0].subject
    # Disabled: nothing more is sent until someone turns it on again.
    with later(days=5):
        assert tasks.send_due_deliveries() == 0


def test_a_success_ends_the_failing_window(
    endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent]
) -> None:
    receiver.answer(Reply(500), Reply(200))
    emit()
    with later(minutes=5):
        tasks.send_due_deliveries()

    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.active


# --- The consumer


def test_the_consumer_queues_one_delivery_per_endpoint_and_event_however_often_it_runs(
    cms: Integration, receiver: Receiver, allow_private: None, make_claim: Any
) -> None:
    for url in (receiver.url("/a"), receiver.url("/b")):
        endpoints.do_create_endpoint(integration=cms, url=url)
    # Subscribed to another type: nothing is queued for it.
    endpoints.do_create_endpoint(integration=cms, url=receiver.url("/c"), events=["claim.merged"])
    event = record_event(EventType.CREATED, claim=make_claim())

    queueing.queue_deliveries([event])
    queueing.queue_deliveries([event])

    assert WebhookDelivery.objects.filter(event=event).count() == 2
    assert set(WebhookDelivery.objects.values_list("message_id", flat=True)) == {str(event.pk)}


def test_every_webhook_type_comes_from_one_mapping_and_beat_sends_what_is_due() -> None:
    assert set(payloads.TYPE_NAMES) == {
        "article.extracted",
        "article.failed",
        "claim.created",
        "claim.verdict",
        "claim.reopened",
        "claim.repeated",
        "claim.merged",
    }
    jobs = [
        job
        for job in django_settings.CELERY_BEAT_SCHEDULE.values()
        if str(job["task"]).startswith("webhooks.")
    ]
    assert jobs == [{"task": "webhooks.tasks.send_due_deliveries", "schedule": 60.0}]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_whose_enqueue_was_lost_is_sent_by_beat(
    receiver: Receiver, allow_private: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real commits: the event's dispatch runs after its commit, the delivery's enqueue fails."""
    integration, _ = create_integration(name="wire")
    endpoints.do_create_endpoint(integration=integration, url=receiver.url())
    real = background.enqueue

    def enqueue(task_name: str, *args: Any) -> None:
        if task_name == queueing.DRAIN:
            raise ConnectionError("broker unreachable")
        real(task_name, *args)

    monkeypatch.setattr(background, "enqueue", enqueue)
    event = record_event(EventType.CREATED, claim=Claim.objects.create(text="Exports rose 4% in May."))
    assert only_delivery().state == State.PENDING and receiver.received == []

    monkeypatch.setattr(background, "enqueue", real)
    assert tasks.send_due_deliveries() == 1

    assert only_delivery().state == State.SUCCEEDED
    assert [r.headers["webhook-id"] for r in receiver.received] == [str(event.pk)]


# --- The API


def test_the_secret_is_shown_only_at_creation(
    cms_client: APIClient, receiver: Receiver, allow_private: None
) -> None:
    created = cms_client.post(
        "/api/v1/webhooks/", {"url": receiver.url(), "description": "CMS"}, format="json"
    ).json()
    assert created["secret"].startswith("whsec_")
    assert created["integration"] == "cms" and created["events"] == []

    shown = cms_client.get(f"/api/v1/webhooks/{created['id']}/").json()
    listed = cms_client.get("/api/v1/webhooks/").json()
    assert "secret" not in shown
    assert [e["id"] for e in listed["results"]] == [created["id"]]
    assert "secret" not in listed["results"][0]


@pytest.mark.parametrize(
    ("payload", "field_name"),
    [
        ({"url": "ftp://example.org/hook"}, "url"),
        ({"url": "http://127.0.0.1:9/hook"}, "url"),
        ({"url": "http://10.0.0.5/hook"}, "url"),
        ({"url": "https://example.org/" + "a" * 2000}, "url"),
        ({}, "url"),
        ({"url": "https://93.184.216.34/hook", "events": ["claim.deleted"]}, "events"),
        ({"url": "https://93.184.216.34/hook", "events": "claim.created"}, "events"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    cms_client: APIClient, payload: dict[str, Any], field_name: str
) -> None:
    response = cms_client.post("/api/v1/webhooks/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert list(response.json()["fields"]) == [field_name]
    assert not WebhookEndpoint.objects.exists()


def test_another_integrations_endpoint_is_not_found_and_people_without_the_admin_role_are_refused(
    cms_client: APIClient, receiver: Receiver, allow_private: None, client_for: Any, editor: User
) -> None:
    other, _ = create_integration(name="wire")
    theirs = endpoints.do_create_endpoint(integration=other, url=receiver.url())

    for method in ("get", "patch", "delete"):
        assert getattr(cms_client, method)(f"/api/v1/webhooks/{theirs.pk}/").status_code == 404
    assert cms_client.post(f"/api/v1/webhooks/{theirs.pk}/test/").status_code == 404
    assert cms_client.get("/api/v1/webhooks/").json()["results"] == []
    refused = client_for(editor).get("/api/v1/webhooks/")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert client_for(editor).post("/api/v1/webhooks/", {}, format="json").status_code == 403
    assert receiver.received == []


def test_an_admin_manages_every_endpoint(
    client_for: Any, admin_user: User, cms: Integration, receiver: Receiver, allow_private: None
) -> None:
    admin = client_for(admin_user)
    assert admin.post("/api/v1/webhooks/", {"url": receiver.url()}, format="json").status_code == 400
    created = admin.post("/api/v1/webhooks/", {"url": receiver.url(), "integration": "cms"}, format="json")
    assert created.status_code == 201 and created.json()["integration"] == "cms"

    pk = created.json()["id"]
    patched = admin.patch(
        f"/api/v1/webhooks/{pk}/", {"events": ["claim.verdict"], "active": False}, format="json"
    )
    assert patched.status_code == 200
    assert (patched.json()["events"], patched.json()["active"]) == (["claim.verdict"], False)
    refused = admin.patch(f"/api/v1/webhooks/{pk}/", {"active": "no"}, format="json")
    assert (refused.status_code, list(refused.json()["fields"])) == (400, ["active"])
    assert admin.delete(f"/api/v1/webhooks/{pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_a_test_ping_is_sent_now_and_can_be_redelivered_with_the_same_id(
    cms_client: APIClient, receiver: Receiver, allow_private: None
) -> None:
    created = cms_client.post("/api/v1/webhooks/", {"url": receiver.url()}, format="json").json()

    ping = cms_client.post(f"/api/v1/webhooks/{created['id']}/test/")

    assert ping.status_code == 200
    sent = ping.json()
    assert (sent["type"], sent["state"], sent["last_status_code"], sent["attempts"]) == (
        "ping",
        "succeeded",
        200,
        1,
    )
    assert sent["webhook_id"].startswith("ping_")
    body = Webhook(created["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)
    assert body["type"] == "ping" and body == sent["payload"]

    again = cms_client.post(f"/api/v1/webhooks/{created['id']}/deliveries/{sent['id']}/redeliver/")

    assert again.status_code == 200 and again.json()["attempts"] == 2
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == sent["webhook_id"]
    assert first.body == second.body
    listed = cms_client.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()["results"]
    assert [(d["id"], d["attempts"], d["state"]) for d in listed] == [(sent["id"], 2, "succeeded")]
    missing = cms_client.post(f"/api/v1/webhooks/{created['id']}/deliveries/999999/redeliver/")
    assert missing.status_code == 404


def test_the_deliveries_list_shows_what_the_receiver_said_and_when_the_next_retry_is(
    cms_client: APIClient, endpoint: WebhookEndpoint, receiver: Receiver, emit: Callable[[], ClaimEvent]
) -> None:
    receiver.answer(Reply(503, b"maintenance"))
    event = emit()

    (row,) = cms_client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()["results"]

    assert (row["event"], row["type"], row["state"], row["attempts"]) == (
        event.pk,
        "claim.created",
        "pending",
        1,
    )
    assert (row["last_status_code"], row["response_excerpt"]) == (503, "maintenance")
    assert row["next_attempt_at"] and row["duration_ms"] is not None


# --- createwebhook


def test_createwebhook_prints_the_secret_last(
    cms: Integration, receiver: Receiver, allow_private: None
) -> None:
    out = StringIO()
    call_command(
        "createwebhook", "cms", receiver.url(), "--events", "claim.verdict,claim.repeated", stdout=out
    )

    secret = out.getvalue().split()[-1]
    endpoint = WebhookEndpoint.objects.get()
    assert secret == endpoint.secret and secret.startswith("whsec_")
    assert endpoint.events == ["claim.verdict", "claim.repeated"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody", "https://93.184.216.34/hook"], "No integration named"),
        (["cms", "ftp://example.org/"], "only http and https"),
        (["cms", "https://93.184.216.34/hook", "--events", "claim.nope"], "Unknown webhook type"),
    ],
)
def test_createwebhook_refuses_bad_input_clearly(cms: Integration, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("createwebhook", *args, stdout=StringIO())
