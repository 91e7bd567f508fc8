"""Redis restarted under the running product: gunicorn keeps taking articles while it is gone (they
are stored, pending), the worker and beat reconnect when it is back, and the sweeper sends the
articles whose tasks were never queued, so each is extracted exactly once. Redis here is a private
redis-server without persistence, killed and started again on the same port: everything it held
is lost, as in a crash.

Redis is killed once while the worker is idle and once in the middle of an extraction. In the
second case the worker may fail to acknowledge the interrupted task ("Couldn't ack ...
ConnectionError"); it then reconnects and goes on, and the article is extracted once. A worker that
stopped consuming after such a loss was seen in 2 of 5 runs of an earlier test at load average
17-20; it was not seen again in 51 runs of this shape with kombu 5.7.0 and redis-py 8.1 (whose
transport keeps its poll callback across reconnects), and this test guards it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from claims.event_types import EventType
from claims.models import Article, ClaimEvent
from integrations.services import create_integration

from .fault_services import Gunicorn, RedisServer, start_celery
from .test_worker import _database_url
from .test_worker_faults import ARTICLE, long_article, status_of, stop, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# The product's settings, with beat sweeping every 2 s instead of every minute (what is swept,
# and how, is the product's own), and articles counted stale after 3 s instead of 10 minutes.
FAST_SWEEPS = """from factcheck.test_settings import *  # noqa: F403
from factcheck.test_settings import CELERY_BEAT_SCHEDULE

SWEEP = "sweep-stale-articles"
CELERY_BEAT_SCHEDULE = {SWEEP: {**CELERY_BEAT_SCHEDULE[SWEEP], "schedule": 2.0}}
EXTRACTION_STALE_SECONDS = 3
"""


class Stack:
    def __init__(self, tmp_path: Path) -> None:
        self.logs = tmp_path
        self.redis = RedisServer(tmp_path).start()
        (tmp_path / "fast_sweeps.py").write_text(FAST_SWEEPS)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
        env.update(
            DATABASE_URL=_database_url(),
            REDIS_URL=self.redis.url,
            DJANGO_SETTINGS_MODULE="fast_sweeps",
            PYTHONPATH=f"{tmp_path}{os.pathsep}{settings.BASE_DIR}",
        )
        # Extraction and the sweeper; the event log's dispatch is not this test's subject.
        queues = "extraction,maintenance"
        self.worker = start_celery(env, tmp_path / "worker.log", "worker", "--pool=solo", "-Q", queues)
        self.beat = start_celery(env, tmp_path / "beat.log", "beat", f"--schedule={tmp_path / 'beat'}")
        self.web = Gunicorn(env, tmp_path)

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        self.web.stop()
        stop(self.worker)
        stop(self.beat)
        self.redis.stop()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path)
    yield running
    running.stop()


def post(stack: Stack, key: str, external_id: str) -> dict[str, Any]:
    response = httpx.post(
        stack.web.url("/api/v1/articles/"),
        json={"external_id": external_id, "body": ARTICLE.replace("4%", f"{len(external_id)}%")},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_worker_and_beat_survive_a_redis_restart_and_articles_posted_meanwhile_are_extracted_once(
    stack: Stack, tmp_path: Path
) -> None:
    _, key = create_integration(name="cms-redis-faults")
    log = tmp_path / "worker.log"
    before = post(stack, key, "before")["id"]
    wait_for(lambda: status_of(before) == "done", seconds=90, log=log)
    time.sleep(1)  # the task acknowledged, the worker idle between two sweeps

    stack.redis.stop()
    during = [post(stack, key, name) for name in ("during-1", "during-22")]
    assert {a["extraction_status"] for a in during} == {"pending"}  # stored; the task could not be queued
    listed = httpx.get(stack.web.url("/api/v1/claims/"), headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200  # the rate limit's counter is in Redis too: it lets requests through
    wait_for(lambda: "Connection to broker lost" in stack.log("worker"), seconds=120, log=log)

    stack.redis.start()
    pending = [int(a["id"]) for a in during]
    wait_for(lambda: all(status_of(pk) == "done" for pk in pending), seconds=90, log=log)
    after = post(stack, key, "after")["id"]
    wait_for(lambda: status_of(after) == "done", seconds=60, log=log)

    assert stack.worker.poll() is None and stack.beat.poll() is None
    ids = [before, *pending, after]
    extracted = ClaimEvent.objects.filter(article_id__in=ids, action=EventType.ARTICLE_EXTRACTED)
    assert sorted(extracted.values_list("article_id", flat=True)) == sorted(ids)
    assert Article.objects.filter(extraction_status="done").count() == len(ids)


def test_redis_killed_mid_extraction_leaves_a_worker_that_extracts_the_interrupted_article_and_the_next_once(
    stack: Stack, tmp_path: Path
) -> None:
    _, key = create_integration(name="cms-redis-mid-task")
    log = tmp_path / "worker.log"
    response = httpx.post(
        stack.web.url("/api/v1/articles/"),
        json={"external_id": "long", "body": long_article(400)},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    interrupted = response.json()["id"]
    wait_for(lambda: status_of(interrupted) == "running", seconds=60, log=log)
    stack.redis.stop()
    time.sleep(3)
    stack.redis.start()
    wait_for(lambda: status_of(interrupted) == "done", seconds=90, log=log)
    after = post(stack, key, "after")["id"]
    wait_for(lambda: status_of(after) == "done", seconds=30, log=log)
    ids = [interrupted, after]
    extracted = ClaimEvent.objects.filter(article_id__in=ids, action=EventType.ARTICLE_EXTRACTED)
    assert sorted(extracted.values_list("article_id", flat=True)) == sorted(ids)
