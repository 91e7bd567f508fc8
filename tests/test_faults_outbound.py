"""The outside world down: a mail server that is not there while a real worker sends a digest (retried,
then sent exactly once when it is back), and a webhook receiver that is not there at all (retried,
then a dead delivery the CMS sees in the API, sent again by hand once the receiver is back)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims import background
from claims.event_types import EventType
from claims.events import record_event
from claims.models import Claim
from digests import sending, tasks
from digests.models import DigestRun, EmailState
from factcheck.celery import app
from integrations import scopes
from integrations.services import create_integration
from webhooks import endpoints
from webhooks import tasks as webhook_tasks
from webhooks.models import WebhookDelivery

from .fault_services import start_celery, unused_port
from .test_digests_smtp import Handler
from .test_digests_support import found_claim
from .test_webhooks import Receiver, later
from .test_worker import _database_url
from .test_worker_faults import stop, wait_for

State = WebhookDelivery.State


# --- SMTP


def run_of(pk: int) -> DigestRun:
    return DigestRun.objects.get(pk=pk)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_digest_sent_while_the_mail_server_is_down_is_retried_and_sent_exactly_once_when_it_is_back(
    reviewer: User, tmp_path: Path, settings: Any
) -> None:
    port = unused_port()  # nothing listens here yet: the mail server is down
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(
        DATABASE_URL=_database_url(),
        REDIS_URL=django_settings.REDIS_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        EMAIL_RETRY_BASE_SECONDS="1",  # 15 s in production
    )
    found_claim("Unemployment fell to 3.5% in March, the lowest since 1974.", speaker="Jane Smith")
    (due,) = sending.do_make_runs(force=True, usernames=[reviewer.username])
    assert due.run_id is not None
    run_id = due.run_id
    app.conf.task_always_eager = False
    app.control.purge()
    log = tmp_path / "worker.log"
    worker = start_celery(env, log, "worker", "--pool=solo", "-Q", "email")
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    try:
        background.enqueue(sending.SEND_DIGEST, run_id)
        wait_for(
            lambda: run_of(run_id).attempts >= 1 and run_of(run_id).state == "pending", seconds=60, log=log
        )
        assert "Could not reach the mail server: ConnectionRefusedError" in run_of(run_id).error
        assert handler.received == []

        controller.start()  # the mail server is back; the next retry finds it
        wait_for(lambda: run_of(run_id).state == EmailState.SENT, seconds=60, log=log)
    finally:
        stop(worker)
        controller.stop()

    run = run_of(run_id)
    assert run.attempts >= 2 and run.error == ""
    (received,) = handler.received
    assert received.recipients == [reviewer.email]
    plain = received.message.get_body(preferencelist=("plain",))
    assert plain is not None and "Unemployment fell to 3.5% in March" in plain.get_content()
    # The same run queued again (a beat that fired twice, a redelivered message) sends nothing.
    app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    assert tasks.send_digest.apply(args=(run_id,)).result == EmailState.SENT
    assert len(handler.received) == 1


# --- Webhooks


def test_a_receiver_that_is_not_there_gets_retries_then_a_dead_delivery_the_cms_sees_and_can_send_again(
    make_claim: Callable[..., Claim], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_TIMEOUT = 2.0
    settings.WEBHOOK_DISABLE_AFTER_HOURS = 365 * 24  # about the delivery here, not the endpoint
    cms, key = create_integration(name="cms", scopes=[*scopes.CMS_DEFAULT, scopes.WEBHOOKS_MANAGE])
    cms_client = APIClient()
    cms_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    port = unused_port()  # nothing listens here: the receiver is down
    endpoint = endpoints.do_create_endpoint(
        integration=cms, url=f"http://127.0.0.1:{port}/hook", events=["claim.created"]
    )
    with django_capture_on_commit_callbacks(execute=True):  # the dispatch and first attempt
        event = record_event(EventType.CREATED, claim=make_claim())

    retries = len(django_settings.WEBHOOK_RETRY_SCHEDULE)
    for n in range(1, retries + 1):
        with later(days=2 * n):
            assert webhook_tasks.send_due_deliveries() == 1

    listed = cms_client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/")
    assert listed.status_code == 200
    (shown,) = listed.json()["results"]
    assert (shown["state"], shown["attempts"], shown["next_attempt_at"]) == ("dead", retries + 1, None)
    assert shown["last_status_code"] is None
    assert f"could not post to 127.0.0.1:{port}" in shown["last_error"]
    with later(days=30):
        assert webhook_tasks.send_due_deliveries() == 0  # dead: never retried by itself

    receiver = Receiver(port)  # back
    try:
        sent = cms_client.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{shown['id']}/redeliver/")
        assert sent.status_code == 200
        assert (sent.json()["state"], sent.json()["last_status_code"]) == ("succeeded", 200)
        (request,) = receiver.received
        assert request.headers["webhook-id"] == str(event.pk)
    finally:
        receiver.httpd.shutdown()
        receiver.httpd.server_close()
