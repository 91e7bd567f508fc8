"""Digests over real SMTP: a local server (aiosmtpd) on 127.0.0.1 receives them through Django's SMTP
backend, and the test reads the message and its headers back; a server that refuses one recipient fails
that digest with its reason while the others go out; a server that is not there is retried, then failed."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.contrib.auth.models import User

from digests.models import DigestRun, EmailState
from tests.test_outbound import unused_port

from .test_digests_support import SITE, beat, found_claim, utc

DIGEST_AT = utc("2031-03-06 08:00")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class Handler:
    """An SMTP server's handler: keeps what it receives; refuses the addresses in ``refuse``."""

    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Handler]:
    """A real SMTP server on a free port of 127.0.0.1, and Django sending to it."""
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=unused_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "Claim tracker <desk@claims.example.org>"
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def news(db: None) -> None:
    with time_machine.travel(utc("2031-03-05 12:00"), tick=False):
        found_claim("Unemployment fell to 3.5% in March, the lowest since 1974.", speaker="Jane Smith")


def test_a_digest_goes_over_smtp_with_both_parts_and_every_header(
    smtp_server: Handler, news: None, reviewer: User
) -> None:
    beat(DIGEST_AT)

    (received,) = smtp_server.received
    assert received.sender == "desk@claims.example.org"
    assert received.recipients == ["rita@example.org"]
    message = received.message
    assert message["To"] == "rita <rita@example.org>"
    assert message["From"] == "Claim tracker <desk@claims.example.org>"
    assert message["Subject"] == "Claim tracker daily digest, Thursday 6 March: 1 new claim"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith(f"<{SITE}/digests/unsubscribe/")
    assert unsubscribe.endswith(">, <mailto:desk@claims.example.org?subject=unsubscribe>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert str(message["Message-ID"]).endswith("@claims.example.org>")
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert "Unemployment fell to 3.5% in March" in plain.get_content()
    assert "said by Jane Smith" in plain.get_content()
    assert 'style="' in html.get_content() and "<style" not in html.get_content()
    assert DigestRun.objects.get().state == EmailState.SENT


def test_a_recipient_the_server_refuses_fails_that_digest_with_the_reason_and_the_others_go_out(
    smtp_server: Handler, news: None, reviewer: User, reviewer2: User, editor: User
) -> None:
    smtp_server.refuse = {"ravi@example.org"}

    beat(DIGEST_AT)

    assert sorted(r.recipients[0] for r in smtp_server.received) == ["edna@example.org", "rita@example.org"]
    runs = {run.user.username: run for run in DigestRun.objects.select_related("user")}
    assert {name: run.state for name, run in runs.items()} == {
        "rita": EmailState.SENT,
        "ravi": EmailState.FAILED,
        "edna": EmailState.SENT,
    }
    assert runs["ravi"].error == (
        "The mail server refused the recipient: ravi@example.org: 550 5.1.1 <ravi@example.org>: "
        "Recipient address rejected: mailbox unavailable"
    )
    assert runs["ravi"].attempts == 1  # refused for good: not retried


def test_a_mail_server_that_is_not_there_is_retried_then_the_digest_is_failed(
    settings: Any, news: None, reviewer: User
) -> None:
    from factcheck.celery import app

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", unused_port(), 2
    app.conf.task_eager_propagates = False  # eager retries re-apply only when errors do not propagate
    try:
        beat(DIGEST_AT)
    finally:
        app.conf.task_eager_propagates = True

    run = DigestRun.objects.get()
    assert run.state == EmailState.FAILED
    assert run.attempts == settings.EMAIL_SEND_RETRIES + 1
    assert run.error.startswith(
        "Gave up after 5 retries: Could not reach the mail server: ConnectionRefusedError"
    )
