"""Soak: a desk's mixed load for a bounded time, with the services failing in windows.

    python bench/soak.py postgres://postgres@127.0.0.1:5432/factcheck_soak_bench \\
        [--minutes 10] [--rate 6] [--max-requests 20000] [--workers 2] [--drain 600]

Everything on 127.0.0.1: a private redis-server (so it can be killed), gunicorn
(2 workers), 2 Celery workers and beat against PostgreSQL (a database with
"bench" in its name, recreated), an SMTP server (aiosmtpd) and a webhook
receiver in this process. Three threads send about ``--rate`` requests a
second, at most ``--max-requests``: articles from a CMS key (retried on 503 as
a CMS would), the review queue, claim detail, and reviewers' work through
their personal keys (take the next claim, add primary evidence, give a
verdict), whose events become webhooks to the receiver. Faults, as fractions
of the run:

- 0.15-0.25 the webhook receiver is down (deliveries retried, then sent);
- 0.30-0.40 the SMTP server is down while every reviewer's digest is sent;
- 0.50-0.55 Redis is killed (SIGKILL, no persistence), then started again;
- 0.65-0.70 every PostgreSQL session of the database is terminated each second.

The three threads number their articles alike, so about two of three article
POSTs give another thread's article a new body (a new revision to extract, the
earlier one superseded): a CMS revising its stories.

The load stops at 0.9; then the run waits (``--drain`` seconds at most) for
every article, delivery and digest to settle, and says when the articles and
when everything had. It passes with zero 5xx outside the windows (each window
counts 10 s more for recovery), POSTed = stored = extracted articles, every
delivery succeeded, none with a bad signature, every digest sent once, every
fault injected and every process alive. Beside that it reports the webhook
backlog (deliveries pending, tasks left in each queue, duplicates at the
receiver) and the extraction tasks the workers received against the revisions
there were to extract. The last stdout line is JSON; the exit code is 0 when
it passes.
"""

from __future__ import annotations

import argparse
import email
import itertools
import json
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest_corpus import ArticleMaker, read_sources
from bench.stack import Services, django_setup, free_port, log, manage, prepare, run_env
from bench.webhooks import Receiver
from tests.fault_services import RedisServer

# Beat's sweeps every 15 s instead of every minute, so a window's aftermath settles within the run.
# Not shorter: beat's "send what is due" pass queues every due webhook delivery again, even one whose
# task is only waiting in a backed-up queue (the compare-and-set sends each once, but every copy costs
# a task). Articles waiting in the extraction queue hold a lease: the sweeper leaves them alone.
FAST_SWEEPS = """
for _name in ("sweep-event-log", "sweep-stale-articles", "send-due-webhooks", "send-due-notifications"):
    CELERY_BEAT_SCHEDULE[_name] = {**CELERY_BEAT_SCHEDULE[_name], "schedule": 15.0}
EXTRACTION_STALE_SECONDS = 120
WEBHOOK_RETRY_SCHEDULE = (10, 20, 40, 80, 160, 320)
"""
WINDOWS = {"receiver": (0.15, 0.25), "smtp": (0.30, 0.40), "redis": (0.50, 0.55), "database": (0.65, 0.70)}
GRACE_SECONDS = 10.0
REVIEWERS = ("rita", "ravi", "rosa")


@dataclass
class Tally:
    started: float = field(default_factory=time.monotonic)
    results: list[tuple[float, str, int]] = field(default_factory=list)
    posted: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int) -> None:
        with self.lock:
            self.results.append((time.monotonic() - self.started, kind, status))


class Load:
    """The request mix; ``step`` sends one action (one to four requests)."""

    def __init__(self, base: str, cms_key: str, reviewer_keys: list[str], tally: Tally, seed: int) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.cms = {"Authorization": f"Bearer {cms_key}"}
        self.reviewers = [{"Authorization": f"Bearer {k}"} for k in reviewer_keys]
        self.tally = tally
        self.maker = ArticleMaker(read_sources(None), seed)
        self.seed = seed
        self.serial = itertools.count()
        self.claim_ids: list[int] = []

    def call(
        self, kind: str, method: str, url: str, headers: dict[str, str], **kw: Any
    ) -> httpx.Response | None:
        try:
            response = self.http.request(method, url, headers=headers, **kw)
        except httpx.HTTPError:
            self.tally.note(kind, 0)
            return None
        self.tally.note(kind, response.status_code)
        return response

    def step(self) -> None:
        action = random.choices(["ingest", "queue", "detail", "review"], weights=[3, 3, 2, 1])[0]
        getattr(self, action)()

    def ingest(self) -> None:
        n = next(self.serial)
        data = self.maker.article(n)
        # Each thread numbers its own articles; one POST in five sends an earlier article of the
        # thread again with a new body, as a CMS does when an editor corrects a story (a revision).
        revise = n >= 5 and random.random() < 0.2
        number = random.randrange(n) if revise else n
        data.update(external_id=f"soak-{self.seed}-{number}", published_at=None)
        for _attempt in range(5):  # a CMS retries a 503 or a refused connection after a pause
            response = self.call("ingest", "POST", "/api/v1/articles/", self.cms, json=data)
            if response is not None and response.status_code in (200, 201):
                with self.tally.lock:
                    self.tally.posted.add(data["external_id"])
                return
            if response is not None and response.status_code < 500:
                return
            time.sleep(float(response.headers.get("Retry-After", 2)) if response is not None else 2)

    def queue(self) -> None:
        response = self.call("queue", "GET", "/api/v1/claims/?status=new&ordering=-priority", self.cms)
        if response is not None and response.status_code == 200:
            self.claim_ids = [c["id"] for c in response.json()["results"]] or self.claim_ids

    def detail(self) -> None:
        if self.claim_ids:
            self.call("detail", "GET", f"/api/v1/claims/{random.choice(self.claim_ids)}/", self.cms)

    def review(self) -> None:
        who = random.choice(self.reviewers)
        taken = self.call("take", "POST", "/api/v1/claims/next/", who)
        if taken is None or taken.status_code != 200:
            return
        claim = taken.json()["id"]
        evidence = {"url": f"https://stats.example.org/{claim}.csv", "primary": True, "stance": "supports"}
        if (
            added := self.call("evidence", "POST", f"/api/v1/claims/{claim}/evidence/", who, json=evidence)
        ) is None:
            return
        current = self.call("detail", "GET", f"/api/v1/claims/{claim}/", who)
        if added.status_code != 201 or current is None or current.status_code != 200:
            return
        verdict = {
            "verdict": "verified",
            "rationale": "The office's table says so.",
            "version": current.json()["version"],
        }
        self.call("verdict", "POST", f"/api/v1/claims/{claim}/verdict/", who, json=verdict)


def in_window(t: float, total: float) -> bool:
    return any(a * total <= t <= b * total + GRACE_SECONDS for a, b in WINDOWS.values())


class Faults(threading.Thread):
    """Opens and closes each window at its time."""

    def __init__(
        self, total: float, receiver: Receiver, smtp: MailServer, redis: RedisServer, database_url: str
    ) -> None:
        super().__init__(daemon=True)
        self.total, self.receiver, self.smtp, self.redis, self.database_url = (
            total,
            receiver,
            smtp,
            redis,
            database_url,
        )
        self.done: list[str] = []
        self.started = time.monotonic()

    def at(self, fraction: float) -> None:
        time.sleep(max(0.0, self.started + fraction * self.total - time.monotonic()))

    def run(self) -> None:
        try:
            self.inject()
        except Exception as exc:  # reported in the result: a run whose faults did not happen proves nothing
            self.done.append(f"fault injection failed: {exc!r}")
            raise

    def inject(self) -> None:
        import psycopg

        self.at(WINDOWS["receiver"][0])
        port = self.receiver.stop()
        self.done.append("receiver down")
        self.at(WINDOWS["receiver"][1])
        self.receiver.start(port)
        self.at(WINDOWS["smtp"][0])
        self.smtp.stop()
        send_digests()
        self.done.append("smtp down, digests sent")
        self.at(WINDOWS["smtp"][1])
        self.smtp.start()
        self.at(WINDOWS["redis"][0])
        self.redis.stop()
        self.done.append("redis killed")
        self.at(WINDOWS["redis"][1])
        self.redis.start()
        self.at(WINDOWS["database"][0])
        terminated = 0
        while time.monotonic() < self.started + WINDOWS["database"][1] * self.total:
            with psycopg.connect(self.database_url, autocommit=True) as admin:
                row = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
            terminated += int(row[0]) if row else 0
            time.sleep(1)
        self.done.append(f"database sessions terminated: {terminated}")


def send_digests() -> None:
    """Every reviewer's digest made and queued now (while the mail server is down)."""
    from django.db import connection

    from claims import background
    from digests import sending

    connection.close()
    for due in sending.do_make_runs(force=True, usernames=list(REVIEWERS)):
        if due.run_id is not None:
            background.enqueue(sending.SEND_DIGEST, due.run_id)


def settle(tally: Tally, drain: float) -> dict[str, Any]:
    """Wait for articles, deliveries and digests to settle; return what the database says."""
    from django.db import connection

    started = time.monotonic()
    deadline = started + drain
    articles_settled: float | None = None
    while True:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE extraction_status = 'done'),"
                " count(*) FILTER (WHERE extraction_status = 'failed'), coalesce(sum(revision), 0)"
                " FROM claims_article WHERE external_id LIKE 'soak-%%'"
            )
            stored, extracted, failed, revisions = cursor.fetchone()
            cursor.execute("SELECT state, count(*) FROM webhooks_webhookdelivery GROUP BY 1")
            deliveries = dict(cursor.fetchall())
            cursor.execute("SELECT state, count(*) FROM digests_digestrun GROUP BY 1")
            digests = dict(cursor.fetchall())
        if articles_settled is None and stored == extracted + failed:
            articles_settled = time.monotonic() - started
        busy = (
            stored > extracted + failed
            or deliveries.get("pending")
            or digests.get("pending")
            or digests.get("sending")
        )
        if not busy or time.monotonic() > deadline:
            return {
                "stored": stored,
                "extracted": extracted,
                "failed": failed,
                "revisions": int(revisions),
                "deliveries": deliveries,
                "digests": digests,
                "articles_settled_in_s": None if articles_settled is None else round(articles_settled),
                "settled_in_s": None if busy else round(time.monotonic() - started),
            }
        log(f"settling: {extracted + failed}/{stored} articles, deliveries {deliveries}, digests {digests}")
        time.sleep(5)


def queued_tasks(redis_url: str, prefix: str) -> dict[str, int]:
    """Messages waiting in each queue of the run's broker (its keys carry the run's prefix)."""
    import redis as redis_client
    from django.conf import settings

    client = redis_client.Redis.from_url(redis_url)
    return {name: int(client.llen(prefix + name)) for name in settings.TASK_QUEUE_NAMES}


def tasks_received(logdir: Path, task: str) -> int:
    """How many ``task`` messages the workers received (retries included), from their logs."""
    pattern = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] received")
    return sum(len(pattern.findall(path.read_text(errors="replace"))) for path in logdir.glob("worker*.log"))


def setup_people(env: dict[str, str], receiver: Receiver) -> tuple[str, list[str]]:
    from django.contrib.auth.models import Group, User
    from standardwebhooks import Webhook

    from integrations import scopes
    from integrations.services import create_integration
    from webhooks import endpoints

    cms, cms_key = create_integration(name="cms", scopes=[*scopes.CMS_DEFAULT])
    endpoint = endpoints.do_create_endpoint(integration=cms, url=receiver.url("/hook"), events=[])
    receiver.secrets["/hook"] = Webhook(endpoint.secret)
    keys = []
    for name in REVIEWERS:
        User.objects.create_user(username=name, email=f"{name}@example.org").groups.add(
            Group.objects.get_or_create(name="reviewer")[0]
        )
        keys.append(
            manage(
                env, "createapitoken", f"{name}-key", "--user", name, "--scopes", "claims:read,claims:review"
            ).split()[-1]
        )
    return cms_key, keys


class Mailbox:
    """An SMTP handler keeping each message's recipients and subject (a digest sent twice repeats both)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, ...]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content or b"")
        self.received.append((*envelope.rcpt_tos, str(message["Subject"])))
        return "250 Message accepted for delivery"


class MailServer:
    """aiosmtpd on a fixed port; a stopped controller cannot start again, so each start makes one."""

    def __init__(self, handler: Mailbox) -> None:
        self.handler = handler
        self.port = free_port()
        self.controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def run(args: argparse.Namespace, logdir: Path) -> dict[str, Any]:
    total = args.minutes * 60.0
    redis = RedisServer(logdir).start()
    smtp_handler = Mailbox()
    smtp = MailServer(smtp_handler)
    smtp.start()
    tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    prefix = f"soak-{tag}:"
    env = run_env(
        args.database_url,
        redis.url,
        logdir,
        prefix=prefix,
        extra=FAST_SWEEPS,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        EMAIL_RETRY_BASE_SECONDS="3",
        REQUIRE_SECOND_REVIEW="0",
        API_THROTTLE_RATE="100000/min",
    )
    prepare(env, args.database_url, keep=False)
    django_setup(env)
    receiver = Receiver()
    cms_key, reviewer_keys = setup_people(env, receiver)
    services = Services(env, logdir)
    tally = Tally()
    faults: Faults | None = None
    try:
        port = free_port()
        services.start_web(port, 2)
        services.start_queue_workers(
            args.workers, ("factcheck", "extraction", "events", "webhooks", "email", "maintenance"), "soak"
        )
        services.start_beat()
        log(f"soak: {args.minutes} min, about {args.rate} requests/s; logs in {logdir}")
        tally = Tally()
        faults = Faults(total, receiver, smtp, redis, args.database_url)
        faults.start()
        stop_at = tally.started + 0.9 * total
        pause = 3 / args.rate  # three threads

        def worker(seed: int) -> None:
            load = Load(f"http://127.0.0.1:{port}", cms_key, reviewer_keys, tally, seed)
            while time.monotonic() < stop_at and len(tally.results) < args.max_requests:
                load.step()
                time.sleep(pause * random.uniform(0.5, 1.5))

        threads = [threading.Thread(target=worker, args=(seed,), daemon=True) for seed in (1, 2, 3)]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            services.check_alive()
            elapsed = time.monotonic() - tally.started
            log(
                f"{elapsed:.0f} s: {len(tally.results)} requests, {len(tally.posted)} articles; {faults.done}"
            )
            time.sleep(15)
        faults.join(timeout=total)
        db = settle(tally, args.drain)
        queued = queued_tasks(redis.url, prefix)
        alive = all(p.poll() is None for p in services.started())
    finally:
        services.stop()
        smtp.stop()
        redis.stop()
        receiver.stop()
    statuses = Counter(status for _, _, status in tally.results)
    outside = [
        (round(t, 1), kind, s)
        for t, kind, s in tally.results
        if (s >= 500 or s == 0) and not in_window(t, total)
    ]
    inside = sum(1 for t, _, s in tally.results if (s >= 500 or s == 0) and in_window(t, total))
    seen = receiver.seen
    sent = Counter(smtp_handler.received)
    result = {
        "minutes": args.minutes,
        "requests": len(tally.results),
        "requests_by_kind": dict(Counter(kind for _, kind, _ in tally.results)),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors_outside_windows": len(outside),
        "errors_in_windows": inside,
        "posted": len(tally.posted),
        **{k: db[k] for k in ("stored", "extracted", "failed", "revisions")},
        "extract_tasks_received": tasks_received(logdir, "claims.tasks.extract_article"),
        "articles_settled_in_s": db["articles_settled_in_s"],
        "settled_in_s": db["settled_in_s"],
        "deliveries": db["deliveries"],
        "webhooks_received": sum(seen.values()),
        "webhook_duplicates": sum(n - 1 for n in seen.values()),
        "bad_signatures": receiver.bad_signatures,
        "queued_tasks_at_end": queued,
        "digests": db["digests"],
        "emails_received": sum(sent.values()),
        "email_duplicates": sum(n - 1 for n in sent.values()),
        "faults": faults.done if faults else [],
        "processes_alive": alive,
        "logs": str(logdir),
    }
    for line in outside[:10]:
        log(f"error outside a window: {line}")
    result["ok"] = bool(
        faults is not None
        and len(faults.done) == len(WINDOWS)
        and not outside
        and len(tally.posted) == db["stored"] == db["extracted"]
        and set(db["deliveries"]) == {"succeeded"}
        and receiver.bad_signatures == 0
        and set(db["digests"]) <= {"sent", "empty"}
        and result["email_duplicates"] == 0
        and alive
    )
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("database_url")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=6.0, help="requests per second, about")
    ap.add_argument("--max-requests", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--drain", type=float, default=600.0, help="seconds to wait for everything to settle")
    args = ap.parse_args()
    if not 2 <= args.minutes <= 60 or not 0.5 <= args.rate <= 50 or not 1 <= args.max_requests <= 100_000:
        raise SystemExit("--minutes 2..60, --rate 0.5..50, --max-requests 1..100000")
    logdir = Path(tempfile.mkdtemp(prefix="soak-bench-"))
    try:
        result = run(args, logdir)
    except (RuntimeError, KeyboardInterrupt) as exc:
        log(f"stopped: {exc!r}; everything started was stopped; logs in {logdir}")
        return 1
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
