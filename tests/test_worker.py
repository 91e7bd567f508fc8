"""End to end with the real thing: an article POSTed through the API is extracted
by a separate Celery worker process over Redis, writing to PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from claims.models import Appearance, Article
from factcheck.celery import app
from integrations.services import create_integration

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker process using the test database and the configured broker."""
    app.control.purge()
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def test_a_real_worker_extracts_an_article_posted_through_the_api(worker, seed_texts, tmp_path):
    app.conf.task_always_eager = False
    _, key = create_integration(name="cms-worker-test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = client.post(
        "/api/v1/articles/",
        {"external_id": "wire-1", "outlet": "Wire", "body": seed_texts["001_7e8dc7e681b72be7.txt"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    article_id = response.json()["id"]
    assert response.json()["extraction_status"] == "pending"

    deadline = time.monotonic() + 90
    status = "pending"
    while time.monotonic() < deadline and status in ("pending", "running"):
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        time.sleep(0.5)
        status = Article.objects.get(pk=article_id).extraction_status
    assert status == "done", (tmp_path / "worker.log").read_text()

    claims = client.get("/api/v1/claims/", {"article": article_id}).json()
    assert claims["count"] > 0
    text = client.get(f"/api/v1/articles/{article_id}/").json()["text"]
    for appearance in Appearance.objects.filter(article_id=article_id):
        assert text[appearance.start : appearance.end] == appearance.text


def test_a_real_worker_sweeps_up_an_event_whose_dispatch_was_lost(worker, reviewer, monkeypatch, tmp_path):
    """The broker is unreachable at the commit; the next sweep, run by the worker, still delivers."""
    from django.test import override_settings

    from claims import background, review, tasks
    from claims.actors import Actor
    from claims.models import Claim, ClaimEvent, EventCursor, Evidence

    app.conf.task_always_eager = False
    real_enqueue = background.enqueue

    def lost(task_name, *args):
        if task_name == background.DISPATCH_EVENTS:
            raise ConnectionError("broker unreachable")
        real_enqueue(task_name, *args)

    monkeypatch.setattr(background, "enqueue", lost)
    claim = Claim.objects.create(
        text="Exports rose 4% in May.", score=0.5, status="in_review", assignee=reviewer
    )
    Evidence.objects.create(claim=claim, url="https://stats.example.org/may", primary=True)
    with override_settings(REQUIRE_SECOND_REVIEW=False):
        review.do_propose_verdict(
            claim_id=claim.pk,
            version=1,
            value="disputed",
            rationale="The office says 2%.",
            actor=Actor(user=reviewer),
        )
    event = ClaimEvent.objects.get(claim=claim, action="verdict_published")
    assert Claim.objects.get(pk=claim.pk).priority_parts == {}

    tasks.dispatch_events.delay()  # what beat sends every minute

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        cursor = EventCursor.objects.filter(name="priority").first()
        if cursor and cursor.position >= event.pk:
            break
        time.sleep(0.3)
    assert Claim.objects.get(pk=claim.pk).priority_parts.get("checkworthiness") == 20.0, (
        tmp_path / "worker.log"
    ).read_text()
