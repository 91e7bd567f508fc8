"""The desk's day as locust users, for bench/load.py (which starts everything and runs locust headless).

    FACTCHECK_BENCH_KEY=... FACTCHECK_BENCH_CLAIMS=1-500 \\
        locust -f bench/locustfile.py --headless --host http://127.0.0.1:PORT -u 8 -r 8 -t 30s Desk

The user class named last chooses the load: ``Desk`` (ingest, the queue, claim
detail, similar and the events feed, weighted as a desk and a CMS use them),
``QueueOnly`` (the review queue alone) or ``Bare`` (a bare DRF ListAPIView over
the same table and page size, served by the same gunicorn: the framework's ceiling).
"""

from __future__ import annotations

import itertools
import os
import random
import uuid

from locust import FastHttpUser, between, task

KEY = os.environ.get("FACTCHECK_BENCH_KEY", "")
LOW, _, HIGH = os.environ.get("FACTCHECK_BENCH_CLAIMS", "1-1").partition("-")
CLAIM_IDS = range(int(LOW), int(HIGH or LOW) + 1)
QUEUE = "/api/v1/claims/?status=new&ordering=-priority"
SENTENCES = [
    "Unemployment fell to 3.5% in March, the lowest since 1974.",
    "Exports rose 4% in May, the statistics office said on Tuesday.",
    "The minister said inflation would fall below 3% next year.",
    "Crime in the capital dropped by a fifth over two years.",
]
_serial = itertools.count()


class Base(FastHttpUser):
    abstract = True
    wait_time = between(0.05, 0.2)

    def get(self, url: str, name: str) -> None:
        self.client.get(url, name=name, headers={"Authorization": f"Bearer {KEY}"})


class Desk(Base):
    """Reviewers reading the queue and claims, and a CMS posting articles and reading the feed."""

    @task(4)
    def queue(self) -> None:
        self.get(QUEUE, "queue")

    @task(3)
    def claim_detail(self) -> None:
        self.get(f"/api/v1/claims/{random.choice(CLAIM_IDS)}/", "claim detail")

    @task(1)
    def similar(self) -> None:
        self.get(f"/api/v1/claims/similar/?limit=5&text={random.choice(SENTENCES)}", "similar")

    @task(2)
    def events_feed(self) -> None:
        self.get(f"/api/v1/events/?after={random.randint(0, 50)}&limit=100", "events feed")

    @task(1)
    def ingest(self) -> None:
        body = f"{random.choice(SENTENCES)}\n\n{random.choice(SENTENCES)} ({uuid.uuid4().hex[:8]})"
        external_id = f"load-{os.getpid()}-{next(_serial)}"
        payload = {"external_id": external_id, "body": body}
        self.client.post(
            "/api/v1/articles/", json=payload, name="ingest", headers={"Authorization": f"Bearer {KEY}"}
        )


class QueueOnly(Base):
    @task
    def queue(self) -> None:
        self.get(QUEUE, "queue")


class Bare(Base):
    @task
    def bare(self) -> None:
        self.get("/bench/bare-claims/", "bare ListAPIView")
