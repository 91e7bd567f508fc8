"""Evidence archived when it is added: through the event log, one guarded fetch, every outcome on the row.

Evidence links point at a real HTTP server on 127.0.0.1 (see tests/test_outbound.py),
so ALLOW_PRIVATE_URLS is on unless a test is about the guard.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from claims import background, events
from claims.models import Claim, ClaimEvent, EventCursor, Evidence
from snapshots import archive, tasks
from snapshots.models import EvidenceSnapshot
from tests.test_outbound import LocalServer, article_page, serving, unused_port

pytestmark = pytest.mark.django_db

FIGURES = (
    "The unemployment rate was 4.1 percent in March 2025, the statistics office reported.",
    "The number of people in work rose by 120,000 over the quarter to 33.2 million.",
    "Vacancies fell for the eleventh consecutive period, to 781,000.",
)
PAGE = article_page("Labour market overview, March 2025", *FIGURES)


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    with serving() as server:
        yield server


@pytest.fixture(autouse=True)
def _allow_private(settings: Any) -> None:
    settings.ALLOW_PRIVATE_URLS = True


@pytest.fixture
def held(reviewer: User, make_claim: Any) -> Claim:
    """A claim Rita is reviewing."""
    claim: Claim = make_claim(status=Claim.Status.IN_REVIEW, assignee=reviewer)
    return claim


@pytest.fixture
def add_evidence(
    reviewer: User, client_for: Any, held: Claim, django_capture_on_commit_callbacks: Any
) -> Callable[..., EvidenceSnapshot]:
    """Add evidence through the API, as a reviewer does, and return its snapshot once taken.

    Tests run in a transaction that never commits, so the after-commit work
    (the event dispatch, then the queued fetch) is run here explicitly. The
    event log asks for one dispatch per transaction, and the test's transaction
    already holds that request after the first evidence, so each later one
    queues the dispatch itself, as its own commit would.
    """
    client = client_for(reviewer)

    def add(url: str, **fields: Any) -> EvidenceSnapshot:
        payload = {"url": url, "title": "Labour force survey", "primary": True, "stance": "refutes", **fields}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/api/v1/claims/{held.pk}/evidence/", payload, format="json")
        assert response.status_code == 201, response.content
        with django_capture_on_commit_callbacks(execute=True):
            background.enqueue(background.DISPATCH_EVENTS)
        return EvidenceSnapshot.objects.get(evidence_id=response.json()["id"])

    return add


# --- Taken when evidence is added


def test_adding_evidence_archives_the_page(local_server: LocalServer, add_evidence: Any) -> None:
    url = local_server.add("/labour/2025-03", PAGE)

    snapshot = add_evidence(url)

    assert snapshot.state == "done"
    assert (snapshot.http_status, snapshot.final_url, snapshot.content_type) == (200, url, "text/html")
    assert snapshot.sha256 == hashlib.sha256(PAGE.encode()).hexdigest()
    assert snapshot.size == len(PAGE.encode())
    assert FIGURES[0] in snapshot.text and FIGURES[2] in snapshot.text
    assert "All rights reserved" not in snapshot.text
    assert (snapshot.error, snapshot.attempts) == ("", 1)
    assert snapshot.fetched_at is not None
    assert local_server.paths() == ["/labour/2025-03"]


def test_the_commit_that_adds_the_evidence_is_all_it_takes(
    local_server: LocalServer,
    reviewer: User,
    client_for: Any,
    held: Claim,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Nothing but the API request: its commit dispatches the event, the dispatch queues the fetch."""
    url = local_server.add("/labour", PAGE)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(reviewer).post(
            f"/api/v1/claims/{held.pk}/evidence/", {"url": url, "primary": True}, format="json"
        )

    assert EvidenceSnapshot.objects.get(evidence_id=response.json()["id"]).state == "done"


def test_the_archive_records_where_a_redirect_led(local_server: LocalServer, add_evidence: Any) -> None:
    target = local_server.add("/data/labour-2025-03.html", PAGE)
    short = local_server.redirect("/s/abc", "/data/labour-2025-03.html", status=301)

    snapshot = add_evidence(short)

    assert (snapshot.state, snapshot.final_url) == ("done", target)


def test_a_text_file_is_kept_as_it_is(local_server: LocalServer, add_evidence: Any) -> None:
    csv = "month,rate\n2025-01,4.4\n2025-02,4.4\n2025-03,4.1\n"
    url = local_server.add("/labour.csv", csv, content_type="text/csv; charset=utf-8")

    snapshot = add_evidence(url)

    assert (snapshot.state, snapshot.text, snapshot.note) == ("done", csv.strip(), "")


def test_a_text_page_with_nul_bytes_past_its_start_is_archived_without_them(
    local_server: LocalServer, add_evidence: Any
) -> None:
    text = "month,rate\n" * 1000 + "2025-03,4.1\x00\n"
    url = local_server.add("/late_nul.txt", text, content_type="text/plain; charset=utf-8")

    snapshot = add_evidence(url)

    assert (snapshot.state, snapshot.note) == ("done", "NUL bytes removed from the text")
    assert snapshot.text.endswith("2025-03,4.1") and "\x00" not in snapshot.text


@pytest.mark.parametrize("url", ["http://127.0.0.1/a\u0001b", "http://127.0.0.1/a\u007fb"])
def test_evidence_with_a_control_character_in_its_url_is_400(
    reviewer: User, client_for: Any, held: Claim, url: str
) -> None:
    response = client_for(reviewer).post(
        f"/api/v1/claims/{held.pk}/evidence/", {"url": url, "title": "T"}, format="json"
    )

    assert (response.status_code, response.json()["error"]) == (400, "invalid")
    assert "control character" in response.json()["fields"]["url"][0]
    assert not Evidence.objects.exists()


def test_a_stored_source_url_with_a_control_character_fails_with_the_reason(
    held: Claim, reviewer: User
) -> None:
    evidence = Evidence.objects.create(claim=held, url="http://127.0.0.1/a\u0001b", added_by=reviewer)
    snapshot = EvidenceSnapshot.objects.create(evidence=evidence)

    taken = archive.do_take_snapshot(snapshot_id=snapshot.pk)

    assert taken is not None and taken.state == "failed"
    assert "control character" in taken.error


def test_a_pdf_is_archived_by_its_checksum_without_text(local_server: LocalServer, add_evidence: Any) -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4
    url = local_server.add("/report.pdf", pdf, content_type="application/pdf")

    snapshot = add_evidence(url)

    assert (snapshot.state, snapshot.sha256, snapshot.text) == ("done", hashlib.sha256(pdf).hexdigest(), "")
    assert snapshot.note == "binary content (application/pdf): its SHA-256 is kept, no text"


# --- Failures end on the row


def test_an_unreachable_source_fails_with_the_reason(add_evidence: Any) -> None:
    port = unused_port()

    snapshot = add_evidence(f"http://127.0.0.1:{port}/gone")

    assert snapshot.state == "failed"
    assert snapshot.error.startswith(f"could not fetch 127.0.0.1:{port}:")
    assert snapshot.sha256 == "" and snapshot.fetched_at is not None


def test_a_source_that_does_not_answer_in_time_fails_with_the_reason(
    local_server: LocalServer, add_evidence: Any, settings: Any
) -> None:
    settings.OUTBOUND_READ_TIMEOUT = 0.2
    url = local_server.add("/slow", PAGE, delay=1.0)

    snapshot = add_evidence(url)

    assert (snapshot.state, snapshot.error) == (
        "failed",
        f"timed out reading from 127.0.0.1:{local_server.port}",
    )


def test_an_error_status_fails_with_the_status(local_server: LocalServer, add_evidence: Any) -> None:
    snapshot = add_evidence(local_server.url("/missing"))

    assert (snapshot.state, snapshot.http_status, snapshot.error) == ("failed", 404, "HTTP 404 Not Found")


def test_with_private_urls_refused_a_loopback_source_is_never_fetched(
    local_server: LocalServer, add_evidence: Any, settings: Any
) -> None:
    settings.ALLOW_PRIVATE_URLS = False
    url = local_server.add("/internal", PAGE)

    snapshot = add_evidence(url)

    assert (snapshot.state, snapshot.error) == (
        "failed",
        "refused to connect: 127.0.0.1 is a loopback address",
    )
    assert local_server.requests == []


def test_the_task_reports_a_failure_instead_of_raising(local_server: LocalServer, held: Claim) -> None:
    evidence = Evidence.objects.create(claim=held, url=local_server.url("/missing"))
    snapshot = EvidenceSnapshot.objects.create(evidence=evidence)

    assert tasks.take_snapshot.delay(snapshot.pk).get() == "failed"
    assert tasks.take_snapshot.delay(snapshot.pk).get() == "failed"  # no longer pending: left alone
    assert local_server.paths() == ["/missing"]


# --- Exactly once, through the event log


def test_the_consumer_creates_one_snapshot_per_evidence_however_often_it_sees_the_event(
    local_server: LocalServer,
    add_evidence: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    snapshot = add_evidence(local_server.add("/p", PAGE))
    event = ClaimEvent.objects.get(action="evidence_added")
    queued: list[tuple[str, tuple[Any, ...]]] = []
    monkeypatch.setattr(background, "enqueue", lambda name, *args: queued.append((name, args)))

    with django_capture_on_commit_callbacks(execute=True):
        archive.snapshot_new_evidence([event, event])

    assert EvidenceSnapshot.objects.filter(evidence_id=snapshot.evidence_id).count() == 1
    assert queued == []


def test_the_snapshots_consumer_is_registered_for_evidence_events_only() -> None:
    consumer = {c.name: c for c in events.consumers()}["snapshots"]

    assert consumer.types == frozenset({events.EventType.EVIDENCE_ADDED})


def test_the_migration_starts_the_cursor_after_the_events_already_logged(held: Claim) -> None:
    """Evidence added before the upgrade is archived on request, not all at once by the first dispatch."""
    for n in range(3):
        events.record_event(events.EventType.EVIDENCE_ADDED, claim=held, data={"evidence": 10_000 + n})
    EventCursor.objects.filter(name="snapshots").delete()
    migration = importlib.import_module("snapshots.migrations.0002_start_snapshots_cursor")

    migration.start_snapshots_cursor(apps, None)

    last = ClaimEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert EventCursor.objects.get(name="snapshots").position == last


def test_the_sweep_takes_again_a_snapshot_whose_fetch_was_lost(
    local_server: LocalServer, held: Claim
) -> None:
    url = local_server.add("/p", PAGE)
    lost = EvidenceSnapshot.objects.create(evidence=Evidence.objects.create(claim=held, url=url))
    fresh = EvidenceSnapshot.objects.create(evidence=Evidence.objects.create(claim=held, url=url + "?2"))
    EvidenceSnapshot.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    assert tasks.sweep_pending_snapshots.delay().get() == 1

    assert EvidenceSnapshot.objects.get(pk=lost.pk).state == "done"
    assert EvidenceSnapshot.objects.get(pk=fresh.pk).state == "pending"


def test_a_snapshot_whose_fetch_never_finishes_is_given_up(local_server: LocalServer, held: Claim) -> None:
    evidence = Evidence.objects.create(claim=held, url=local_server.add("/p", PAGE))
    snapshot = EvidenceSnapshot.objects.create(evidence=evidence, attempts=archive.MAX_ATTEMPTS)

    archive.do_take_snapshot(snapshot_id=snapshot.pk)

    snapshot.refresh_from_db()
    assert (snapshot.state, snapshot.error) == ("failed", "gave up after 3 attempts that never finished")
    assert local_server.requests == []


# --- Shown on the claim page


def claim_page(user: User, claim: Claim) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/claims/{claim.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_claim_page_shows_the_archived_copy_and_why_an_archive_failed(
    local_server: LocalServer, add_evidence: Any, reviewer: User, held: Claim
) -> None:
    done = add_evidence(local_server.add("/labour", PAGE))
    add_evidence(local_server.url("/missing"))

    page = claim_page(reviewer, held)

    assert f"archived copy of {timezone.localtime(done.fetched_at):%Y-%m-%d %H:%M}" in page
    assert '<details class="small" data-snapshot="done">' in page
    assert FIGURES[1] in page
    assert "archive failed: HTTP 404 Not Found" in page


def test_a_snapshot_still_pending_is_shown_as_archiving(reviewer: User, held: Claim) -> None:
    evidence = Evidence.objects.create(claim=held, url="https://stats.example.org/a")
    EvidenceSnapshot.objects.create(evidence=evidence)

    assert 'data-snapshot="pending">archiving…' in claim_page(reviewer, held)


def test_the_claim_page_reads_all_snapshots_in_one_query(reviewer: User, held: Claim) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            claim_page(reviewer, held)
        return len(captured)

    def add_archived(n: int) -> None:
        evidence = Evidence.objects.create(claim=held, url=f"https://stats.example.org/{n}")
        EvidenceSnapshot.objects.create(evidence=evidence, state="done", text="x", fetched_at=timezone.now())

    add_archived(0)
    one = queries()
    for n in range(1, 8):
        add_archived(n)

    assert queries() == one


# --- The API and the command


def test_the_api_gives_an_evidence_items_snapshot(
    local_server: LocalServer, add_evidence: Any, reviewer: User, client_for: Any
) -> None:
    snapshot = add_evidence(local_server.add("/labour", PAGE))

    body = client_for(reviewer).get(f"/api/v1/evidence/{snapshot.evidence_id}/snapshot/").json()

    assert (body["state"], body["sha256"], body["http_status"]) == ("done", snapshot.sha256, 200)
    assert FIGURES[0] in body["text"]


def test_the_api_answers_404_for_evidence_without_a_snapshot_and_401_without_login(
    reviewer: User, client_for: Any
) -> None:
    response = client_for(reviewer).get("/api/v1/evidence/999999/snapshot/")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert APIClient().get("/api/v1/evidence/1/snapshot/").status_code == 401


def test_snapshot_evidence_archives_evidence_that_has_none(local_server: LocalServer, held: Claim) -> None:
    evidence = Evidence.objects.create(claim=held, url=local_server.add("/old", PAGE))
    out = StringIO()

    call_command("snapshot_evidence", "--missing", stdout=out)

    snapshot = EvidenceSnapshot.objects.get(evidence=evidence)
    assert snapshot.state == "done"
    assert out.getvalue() == (
        "1 evidence item(s) had no snapshot.\n"
        f"evidence {evidence.pk} {evidence.url}: archived ({snapshot.sha256[:12]})\n"
    )


def test_snapshot_evidence_fails_when_every_snapshot_fails(local_server: LocalServer, held: Claim) -> None:
    Evidence.objects.create(claim=held, url=local_server.url("/missing"))

    with pytest.raises(CommandError, match="Every snapshot failed"):
        call_command("snapshot_evidence", "--missing", stdout=StringIO())

    local_server.add("/missing", PAGE)
    out = StringIO()
    call_command("snapshot_evidence", "--retry-failed", stdout=out)
    assert EvidenceSnapshot.objects.get().state == "done"
    assert out.getvalue().startswith("1 failed snapshot(s) will be tried again.\n")
