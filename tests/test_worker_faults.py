"""Faults on the real services: the broker unreachable at ingest, a worker killed mid-extraction,
the same task delivered twice. Nothing is lost and nothing is filed twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from claims import sweeper, tasks
from claims.events import EventType
from claims.models import Appearance, Article, ClaimEvent
from factcheck.celery import app
from integrations.services import create_integration

from .test_worker import _database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def start_worker(log: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--loglevel=INFO", *extra],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "worker.log"


@pytest.fixture
def cms() -> APIClient:
    app.conf.task_always_eager = False
    app.control.purge()
    _, key = create_integration(name="cms-faults")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def wait_for(condition: Callable[[], bool], *, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting after {seconds} s\n{log.read_text() if log.exists() else ''}")


def status_of(article_id: int) -> str:
    return Article.objects.get(pk=article_id).extraction_status


@pytest.fixture
def broker_unreachable() -> Iterator[Callable[[], None]]:
    """Point this process's producer at a port where nothing listens; the returned call restores it."""
    saved = app.conf.broker_url

    def reset_pools() -> None:
        # The app caches its connection and producer pools; they are rebuilt from broker_url.
        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]

    app.conf["broker_url"] = "redis://127.0.0.1:1/0"
    app.conf["broker_connection_timeout"] = 1
    reset_pools()

    def restore() -> None:
        app.conf["broker_url"] = saved
        reset_pools()

    yield restore
    restore()


ARTICLE = (
    "Exports rose 4% in May, the statistics office said on Tuesday.\n\n"
    "The finance minister said inflation would fall below 3% next year."
)


def test_with_the_broker_down_an_article_is_stored_and_extracted_once_the_broker_is_back(
    cms: APIClient, broker_unreachable: Callable[[], None], log: Path
) -> None:
    response = cms.post("/api/v1/articles/", {"external_id": "down-1", "body": ARTICLE}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["extraction_status"] == "pending"
    article_id = response.json()["id"]
    again = cms.post("/api/v1/articles/", {"external_id": "down-1", "body": ARTICLE}, format="json")
    assert again.status_code == 200 and Article.objects.count() == 1

    broker_unreachable()
    worker = start_worker(log, "--pool=solo")
    try:
        with override_settings(EXTRACTION_STALE_SECONDS=0):
            assert sweeper.do_sweep_stale_articles().requeued == 1  # what beat runs every minute
        wait_for(lambda: status_of(article_id) == "done", seconds=90, log=log)
    finally:
        stop(worker)
    assert ClaimEvent.objects.filter(article_id=article_id, action=EventType.ARTICLE_EXTRACTED).count() == 1


def long_article(sentences: int) -> str:
    """Distinct check-worthy sentences (no line repeats, so none of it reads as boilerplate)."""
    regions = ["North", "South", "East", "West", "Central"]
    return "\n\n".join(
        f"Exports from the {regions[i % 5]} region {i} rose {i % 17 + 1}.{i % 9}% in {1990 + i % 30}, "
        f"the statistics office said, after {i * 37 % 1000 + 100} new firms opened."
        for i in range(sentences)
    )


def test_a_worker_process_killed_mid_extraction_has_the_task_redelivered_and_filed_once(
    cms: APIClient, log: Path
) -> None:
    worker = start_worker(log, "--pool=prefork", "--concurrency=1")
    try:
        response = cms.post(
            "/api/v1/articles/", {"external_id": "kill-1", "body": long_article(400)}, format="json"
        )
        assert response.status_code == 201
        article_id = response.json()["id"]
        wait_for(lambda: status_of(article_id) == "running", seconds=60, log=log)

        children = subprocess.run(
            ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True
        ).stdout.split()
        assert children, log.read_text()
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)

        wait_for(lambda: status_of(article_id) == "done", seconds=240, log=log)
    finally:
        stop(worker)

    article = Article.objects.get(pk=article_id)
    assert article.extraction_attempts == 2, log.read_text()
    assert ClaimEvent.objects.filter(article=article, action=EventType.ARTICLE_EXTRACTED).count() == 1
    appearances = Appearance.objects.filter(article=article)
    assert appearances.count() == appearances.values("start").distinct().count() > 0
    created = ClaimEvent.objects.filter(action=EventType.CREATED, data__article=article_id)
    assert created.count() == created.values("claim").distinct().count()


def test_the_same_task_delivered_twice_creates_no_duplicate_claims_or_appearances(
    cms: APIClient, log: Path
) -> None:
    worker = start_worker(log, "--pool=solo")
    try:
        response = cms.post("/api/v1/articles/", {"external_id": "dup-1", "body": ARTICLE}, format="json")
        article_id = response.json()["id"]
        tasks.extract_article.delay(article_id, 1)
        tasks.extract_article.delay(article_id, 1)
        wait_for(lambda: status_of(article_id) == "done", seconds=60, log=log)
        time.sleep(2)  # let the duplicate deliveries finish too
    finally:
        stop(worker)

    assert ClaimEvent.objects.filter(article_id=article_id, action=EventType.ARTICLE_EXTRACTED).count() == 1
    appearances = Appearance.objects.filter(article_id=article_id)
    assert appearances.count() == appearances.values("claim").distinct().count() > 0
    assert ClaimEvent.objects.filter(action=EventType.CREATED).count() == appearances.count()


def test_a_whole_worker_killed_mid_extraction_is_redelivered_after_the_visibility_timeout(
    cms: APIClient, log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "5")  # minutes in production (see settings)
    worker = start_worker(log, "--pool=solo")
    try:
        body = {"external_id": "kill-2", "body": long_article(400)}
        article_id = cms.post("/api/v1/articles/", body, format="json").json()["id"]
        wait_for(lambda: status_of(article_id) == "running", seconds=60, log=log)
        worker.kill()  # SIGKILL: the message was never acknowledged
        worker.wait()
        started = time.monotonic()
        worker = start_worker(log, "--pool=prefork", "--concurrency=1")
        wait_for(lambda: status_of(article_id) == "done", seconds=240, log=log)
        print(f"redelivered and extracted {time.monotonic() - started:.0f} s after the restart")
    finally:
        stop(worker)

    assert Article.objects.get(pk=article_id).extraction_attempts == 2
    assert ClaimEvent.objects.filter(article_id=article_id, action=EventType.ARTICLE_EXTRACTED).count() == 1
