"""Webhook fan-out and the events feed: events recorded at a set rate, delivered to 10 endpoints.

    python bench/webhooks.py postgres://postgres@127.0.0.1:5432/factcheck_webhooks_bench \\
        [--events 3000] [--rate 1000] [--endpoints 10] [--workers 2] [--concurrency 2] \\
        [--redis redis://127.0.0.1:6379/3] [--timeout 900] [--profile 200]

Recreates the database (its name must contain "bench"), starts ``--workers``
Celery workers on the ``events`` and ``webhooks`` queues, beat and gunicorn, and an
HTTP/1.1 receiver in this process with ``--endpoints`` webhook endpoints on it
(subscribed to claim.created). This process then records ``--events``
claim.created events through the event log at ``--rate`` per second (what
filing does), and waits until every delivery succeeded. The receiver checks
the Standard Webhooks signature of every message and counts duplicates.

Deliveries go out per endpoint in batches (webhooks/drain.py): the events
worker writes each batch of events' deliveries in one insert and queues one
``drain_endpoint`` task per endpoint; the workers' logs say how many drain
tasks ran.

Reported: the offered and the delivered rate in events/s (an event is
delivered when all its endpoints have it: deliveries / endpoints over the
time from the first event to the last delivery), the latency from the event's
commit to its delivery (p50, p95), the CPU seconds the workers, this process
(the recorder and the receiver) and every PostgreSQL process on the machine
spent from the first event to the last delivery, and the events feed's
throughput (GET /api/v1/events/ paged by cursor, 100 and 1,000 a page).
``--profile N`` then sends N deliveries again in this process, as drains of
their endpoints, under cProfile (the drain's thread and its sending threads
together) and prints where a delivery's time goes. The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

# The project first: bench/ would otherwise shadow the webhooks app with this very file.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import (
    Services,
    count,
    django_setup,
    drop_keys,
    free_port,
    log,
    manage,
    prepare,
    run_env,
)


class Receiver:
    """A keep-alive HTTP/1.1 server: checks each message's signature, notes (path, webhook-id)."""

    def __init__(self, port: int = 0) -> None:
        self.secrets: dict[str, Any] = {}
        self.seen: Counter[tuple[str, str]] = Counter()
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                ok = receiver.check(self.path, body, headers)
                self.send_response(200 if ok else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.handler = Handler
        self.start(port or free_port())

    def start(self, port: int) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self.handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> int:
        """Close the port (connections are refused until ``start``); returns the port."""
        port = int(self.httpd.server_address[1])
        self.httpd.shutdown()
        self.httpd.server_close()
        return port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def check(self, path: str, body: bytes, headers: dict[str, str]) -> bool:
        try:
            self.secrets[path].verify(body, headers)
        except Exception:
            with self.lock:
                self.bad_signatures += 1
            return False
        with self.lock:
            self.seen[(path, headers["webhook-id"])] += 1
        return True


def record_events(claim_ids: list[int], total: int, rate: float) -> float:
    """Record ``total`` claim.created events, ``rate`` a second in batches of a tenth of a second's worth,
    each batch one transaction and one insert (as filing records an article's claims); returns the
    seconds taken."""
    from django.db import transaction

    from claims.event_types import EventType
    from claims.events import new_event, record_events
    from claims.models import Claim

    claims = list(Claim.objects.filter(pk__in=claim_ids))
    batch = max(1, int(rate / 10))
    started = time.monotonic()
    for done in range(0, total, batch):
        with transaction.atomic():
            record_events(
                [
                    new_event(EventType.CREATED, claim=claims[i % len(claims)], data={"bench": i})
                    for i in range(done, min(total, done + batch))
                ]
            )
        ahead = started + (done + batch) / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    return time.monotonic() - started


def make_claims(n: int) -> list[int]:
    from claims.matching import fingerprint, normalize
    from claims.models import Claim

    ids = []
    for i in range(n):
        text = f"Exports from region {i} rose {i % 17 + 1}.{i % 9}% in {1990 + i % 30}, the office said."
        claim = Claim.objects.create(
            text=text, normalized_text=normalize(text), fingerprint=fingerprint(text)
        )
        ids.append(claim.pk)
    return ids


LATENCY_SQL = """
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.95) WITHIN GROUP (ORDER BY s),
       extract(epoch FROM max(delivered_at) - min(created_at))
FROM (SELECT d.delivered_at, e.created_at, extract(epoch FROM d.delivered_at - e.created_at) AS s
      FROM webhooks_webhookdelivery d JOIN claims_claimevent e ON e.id = d.event_id
      WHERE d.state = 'succeeded') x
"""


def feed_throughput(base: str, key: str, limit: int, seconds: float = 8.0) -> dict[str, Any]:
    """Page through the events feed by cursor (from the start, again at the end) for ``seconds``."""
    times: list[float] = []
    events = 0
    after = 0
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            response = client.get("/api/v1/events/", params={"after": after, "limit": limit})
            times.append(time.perf_counter() - t0)
            response.raise_for_status()
            page = response.json()
            events += len(page["results"])
            after = page["cursor"] if page["next"] else 0
    times.sort()
    return {
        "page_size": limit,
        "pages": len(times),
        "events_per_s": round(events / sum(times), 1),
        "p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
    }


def profile_deliveries(n: int) -> None:
    """Send ``n`` succeeded deliveries again in this process, as drains of their endpoints, under
    cProfile timing each thread's CPU; print where it goes (the sending threads' profiles merged into the
    drain's; the receiver's threads are not profiled)."""
    from django.utils import timezone

    from webhooks import delivery, drain
    from webhooks.models import WebhookDelivery

    ids = list(WebhookDelivery.objects.filter(state="succeeded").values_list("pk", flat=True)[:n])
    WebhookDelivery.objects.filter(pk__in=ids).update(
        state="pending", attempts=0, next_attempt_at=timezone.now()
    )
    endpoint_ids = sorted(
        set(WebhookDelivery.objects.filter(pk__in=ids).values_list("endpoint_id", flat=True))
    )
    profiles: list[cProfile.Profile] = []
    local = threading.local()
    send = delivery.send

    def profiled_send(*args: Any) -> Any:
        if not hasattr(local, "profile"):
            local.profile = cProfile.Profile(time.thread_time)
            profiles.append(local.profile)
        local.profile.enable()
        try:
            return send(*args)
        finally:
            local.profile.disable()

    delivery.send = profiled_send  # type: ignore[assignment]
    prof = cProfile.Profile(
        time.thread_time
    )  # CPU time of each thread: waits for the receiver are not counted
    t0, cpu0 = time.perf_counter(), time.process_time()
    prof.enable()
    for endpoint_id in endpoint_ids:
        drain.do_drain(endpoint_id=endpoint_id)
    prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    delivery.send = send
    log(
        f"profile: {len(ids)} deliveries to {len(endpoint_ids)} endpoints, {1000 * wall / len(ids):.2f} ms "
        f"wall and {1000 * cpu / len(ids):.2f} ms of this process's CPU (sender and receiver) per delivery "
        "under cProfile"
    )
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    for thread_profile in profiles:
        stats.add(thread_profile)
    per_delivery = 1000 * stats.total_tt / len(ids)  # type: ignore[attr-defined]
    log(f"profile: the sender's own CPU (drain and sending threads) {per_delivery:.2f} ms a delivery")
    stats.sort_stats("cumulative").print_stats(40)
    log(out.getvalue().split("\n\n", 1)[-1][:10000])


def cpu_seconds(sessions: set[int] | None = None, user: str | None = None) -> float:
    """CPU seconds (user + system) of the processes in these sessions, or of this user's processes, with
    their children that ended (counted in their parent's: a PostgreSQL backend that exits, a pool
    process that is replaced)."""
    tick = os.sysconf("SC_CLK_TCK")
    uid = None
    if user is not None:
        import pwd

        uid = pwd.getpwnam(user).pw_uid
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if uid is not None and entry.stat().st_uid != uid:
                continue
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if sessions is not None and int(fields[3]) not in sessions:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def drain_tasks(logdir: Path) -> dict[str, int]:
    """How many webhook tasks of each kind the workers took from the queue, from their logs."""
    ran: Counter[str] = Counter()
    for path in logdir.glob("worker*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if line.endswith(" received") and "Task webhooks.tasks." in line:
                ran[line.split("Task webhooks.tasks.", 1)[1].split("[", 1)[0]] += 1
    return dict(ran)


def run(args: argparse.Namespace, logdir: Path) -> dict[str, Any]:
    tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    prefix = f"webhooks-bench-{tag}:"
    # the feed is read as fast as it serves: the product's 600/min per key would measure the throttle
    env = run_env(
        args.database_url,
        args.redis,
        logdir,
        prefix=prefix,
        WEBHOOK_TIMEOUT="10",
        API_THROTTLE_RATE="100000/min",
    )
    prepare(env, args.database_url, keep=False)
    key = manage(env, "createapitoken", "feed-reader").split()[-1]
    django_setup(env)
    from standardwebhooks import Webhook

    from integrations.services import create_integration
    from webhooks import endpoints

    receiver = Receiver()
    cms, _ = create_integration(name="cms")
    for n in range(args.endpoints):
        path = f"/hook/{n}"
        endpoint = endpoints.do_create_endpoint(
            integration=cms, url=receiver.url(path), events=["claim.created"]
        )
        receiver.secrets[path] = Webhook(endpoint.secret)
    claim_ids = make_claims(100)
    services = Services(env, logdir)
    try:
        port = free_port()
        services.start_web(port, 2)
        services.start_queue_workers(args.workers, ("events", "webhooks"), "hooks", args.concurrency)
        services.start_beat()  # retries are sent by beat's pass, as in production
        log(f"recording {args.events} events at {args.rate}/s to {args.endpoints} endpoints; logs: {logdir}")
        workers = {p.pid for p in services.workers}
        cpu_before = (cpu_seconds(workers), time.process_time(), cpu_seconds(user="postgres"))
        recorded_in = record_events(claim_ids, args.events, args.rate)
        wanted = args.events * args.endpoints
        deadline = time.monotonic() + args.timeout
        while (
            done := count("SELECT count(*) FROM webhooks_webhookdelivery WHERE state = 'succeeded'")
        ) < wanted:
            services.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out with {done}/{wanted} deliveries")
            log(f"delivered {done}/{wanted}")
            time.sleep(2)
        cpu_after = (cpu_seconds(workers), time.process_time(), cpu_seconds(user="postgres"))
        cpu = {
            name: round(after - before, 1)
            for name, before, after in zip(
                ("workers", "bench_process", "postgres_all"), cpu_before, cpu_after, strict=True
            )
        }
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(LATENCY_SQL)
            p50, p95, span = (float(v or 0) for v in cursor.fetchone() or (0, 0, 0))
            cursor.execute("SELECT state, count(*) FROM webhooks_webhookdelivery GROUP BY 1")
            states = {str(state): int(n) for state, n in cursor.fetchall()}
        feeds = [feed_throughput(f"http://127.0.0.1:{port}", key, limit) for limit in (100, 1000)]
        received = (sum(receiver.seen.values()), sum(n - 1 for n in receiver.seen.values()))
        if args.profile:  # sends some again: after the receiver's counts are taken
            profile_deliveries(args.profile)
    finally:
        services.stop()
        drop_keys(args.redis, prefix)
        receiver.httpd.shutdown()
    return {
        "events": args.events,
        "endpoints": args.endpoints,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "offered_events_per_s": round(args.events / recorded_in, 1),
        "delivered_events_per_s": round(args.events / span, 1) if span else None,
        "deliveries_per_s": round(wanted / span, 1) if span else None,
        "latency_p50_s": round(p50, 2),
        "latency_p95_s": round(p95, 2),
        "received": received[0],
        "duplicates": received[1],
        "bad_signatures": receiver.bad_signatures,
        "delivery_states": states,
        "webhook_tasks": drain_tasks(logdir),
        "cpu_seconds": cpu,
        "feed": feeds,
        "logs": str(logdir),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("database_url")
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--rate", type=float, default=1000.0, help="events recorded per second")
    ap.add_argument("--endpoints", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--profile", type=int, default=0, metavar="N")
    args = ap.parse_args()
    if not 1 <= args.events <= 100_000 or not 1 <= args.endpoints <= 50 or not 1 <= args.workers <= 8:
        raise SystemExit("--events 1..100000, --endpoints 1..50, --workers 1..8")
    logdir = Path(tempfile.mkdtemp(prefix="webhooks-bench-"))
    try:
        result = run(args, logdir)
    except (RuntimeError, KeyboardInterrupt) as exc:
        log(f"\nstopped: {exc!r}; everything started was stopped; logs in {logdir}")
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
