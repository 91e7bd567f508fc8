"""End-to-end ingest: articles POSTed to gunicorn, extracted and filed by real Celery workers.

    python bench/ingest.py postgres://postgres@127.0.0.1:5432/factcheck_ingest_bench \\
        [--articles 2000] [--workers 2] [--concurrency 1] [--redis redis://127.0.0.1:6379/14] \\
        [--keep] [--no-embeddings] [--corpus DIR] [--seed 1] [--timeout 1800] [--profile N]

Recreates the database (its name must contain "bench"; ``--keep`` reuses it),
migrates it, creates an API key (``manage.py createapitoken``), starts gunicorn
on a free 127.0.0.1 port with DEBUG=0 and ``--workers`` separate Celery workers
(``celery -A factcheck worker -Q extraction,events,maintenance --pool=prefork
--concurrency=1 -n ...``), and POSTs the articles from 4 threads. Throughput:
articles over the time from the first POST to the last article reaching done
or failed (read from the database). Worker memory: RSS summed over each
worker's processes, once 20 articles are done (warm-up) and at the end.
Everything it started is stopped at the end, on errors and on Ctrl-C. Its
Redis keys carry a prefix of the run's own (deleted at the end), so runs that
share a Redis database never take each other's tasks.

Articles come from seeds/*.txt (and ``--corpus`` *.txt), deterministic for a
``--seed`` (bench/ingest_corpus.py says how they vary).

``--no-embeddings`` sets ``MATCH_EMBEDDINGS = False`` (matching on tokens and
figures alone, no MiniLM) through a settings module in a temporary folder.
``--profile N`` then ingests N more articles in this process (tasks eager)
under cProfile and prints where the time goes. The last stdout line is JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest_corpus import ArticleMaker, read_sources  # noqa: E402

QUEUES = ("extraction", "events", "maintenance")
WARMUP = 20
POST_THREADS = 4
# --- Processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        p = stack.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                stack += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return pids


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        total_kb = 0
        for p in process_tree(pid):
            try:
                status = Path(f"/proc/{p}/status").read_text()
            except OSError:
                continue
            m = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            total_kb += int(m.group(1)) if m else 0
        return total_kb / 1024
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20
    except psutil.Error:
        return 0.0


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its descendants: what the work cost, however busy
    the machine was (wall time on a shared machine also counts waiting for a core).

    Descendants that ended count too, through their parent's children times: a Celery pool process
    is replaced after ``CELERY_MAX_TASKS_PER_CHILD`` tasks, and counting only the live ones lost the
    CPU of every replaced process (most of a long run's)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        total = 0.0
        for p in [proc, *proc.children(recursive=True)]:
            times = p.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        return total
    except psutil.Error:
        return 0.0


class Stack:
    """gunicorn and the Celery workers, each in its own process group, stopped together."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    def _spawn(self, argv: list[str], log: str) -> subprocess.Popen[bytes]:
        with (self.logdir / log).open("wb") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def start_web(self, port: int, workers: int) -> None:
        argv = [sys.executable, "-m", "gunicorn", "factcheck.wsgi", "--bind", f"127.0.0.1:{port}"]
        self.web = self._spawn([*argv, "--workers", str(workers), "--timeout", "120"], "gunicorn.log")
        wait_until(lambda: http_status(f"http://127.0.0.1:{port}/healthz") == 200, 60, "gunicorn /healthz")

    def start_workers(self, count: int, concurrency: int, tag: str) -> None:
        for n in range(1, count + 1):
            argv = [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "-Q", ",".join(QUEUES)]
            argv += ["--pool=prefork", f"--concurrency={concurrency}", "-n", f"bench{n}-{tag}@%h"]
            self.workers.append(self._spawn([*argv, "--loglevel=INFO"], f"worker{n}.log"))
        for n in range(1, count + 1):
            log = self.logdir / f"worker{n}.log"
            wait_until(lambda log=log: " ready." in log.read_text(errors="replace"), 90, f"worker {n} ready")

    def started(self) -> list[subprocess.Popen[bytes]]:
        return [*self.workers, *([self.web] if self.web else [])]

    def check_alive(self) -> None:
        for p in self.started():
            if p.poll() is not None:
                raise RuntimeError(f"process {p.args!r} exited with {p.returncode}; logs in {self.logdir}")

    def stop(self) -> None:
        procs = [p for p in self.started() if p.poll() is None]
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        for p in self.started():
            with contextlib.suppress(ProcessLookupError):  # pool children a killed main process left
                os.killpg(p.pid, signal.SIGKILL)


def wait_until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"timed out waiting for {what}")


# --- HTTP -----------------------------------------------------------------------------

# Loopback only: never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str) -> int:
    try:
        with _opener.open(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def post_article(url: str, key: str, payload: dict[str, Any]) -> tuple[int, int | None, str, int]:
    """(status, article id, error, 429 answers); waits as Retry-After says, retries 5xx a few times."""
    data = json.dumps(payload).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    status, error, throttled, failures = 0, "", 0, 0
    while failures < 3 and throttled < 100:
        req = urllib.request.Request(url, data=data, method="POST", headers=headers)
        try:
            with _opener.open(req, timeout=60) as resp:
                return int(resp.status), int(json.loads(resp.read())["id"]), "", throttled
        except urllib.error.HTTPError as exc:
            status, error = exc.code, exc.read()[:300].decode(errors="replace")
            if exc.code == 429:  # the API's throttle (API_THROTTLE_RATE): wait as told, then again
                throttled += 1
                time.sleep(min(60.0, float(exc.headers.get("Retry-After") or 1)))
                continue
            if exc.code < 500:
                break
        except OSError as exc:
            status, error = 0, str(exc)
        failures += 1
        time.sleep(0.5 * failures)
    return status, None, error, throttled


class Poster(threading.Thread):
    """POSTs every payload from a small thread pool, in the background."""

    def __init__(self, url: str, key: str, payloads: list[dict[str, Any]]) -> None:
        super().__init__(daemon=True)
        self.url, self.key, self.payloads = url, key, payloads
        self.ids: list[int] = []
        self.errors: list[str] = []
        self.finished_at: float | None = None
        self.throttled = 0
        self.lock = threading.Lock()

    def one(self, payload: dict[str, Any]) -> None:
        status, article_id, error, throttled = post_article(self.url, self.key, payload)
        with self.lock:
            self.throttled += throttled
        if article_id is not None and status in (200, 201):
            self.ids.append(article_id)  # list.append is atomic
        else:
            self.errors.append(f"{payload['external_id']}: HTTP {status} {error}")

    def run(self) -> None:
        with ThreadPoolExecutor(POST_THREADS) as pool:
            list(pool.map(self.one, self.payloads))
        self.finished_at = time.time()


# --- Database -------------------------------------------------------------------------


def check_loopback(url: str) -> None:
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"{url}: the bench talks to 127.0.0.1 only")


def ensure_database(url: str, keep: bool) -> None:
    import psycopg

    check_loopback(url)
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name) or "bench" not in name:
        raise SystemExit(f"database {name!r}: a dedicated one, [A-Za-z0-9_] with 'bench' in the name")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not keep:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def drop_keys(redis_url: str, prefix: str) -> None:
    """Delete what this run left in Redis: every key under its own prefix."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


class Progress:
    """Counts of this run's articles by extraction status, read from the database."""

    def __init__(self, url: str, integration: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        row = self.conn.execute(
            "SELECT id FROM integrations_integration WHERE name = %s", [integration]
        ).fetchone()
        assert row is not None, integration
        self.integration_id = int(row[0])
        self.deadlocks_before = self.deadlocks()

    def deadlocks(self) -> int:
        """Deadlocks PostgreSQL detected (and broke by failing a transaction) in this database."""
        sql = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        return int((self.conn.execute(sql).fetchone() or (0,))[0] or 0)

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT extraction_status, count(*) FROM claims_article WHERE integration_id = %s GROUP BY 1",
            [self.integration_id],
        ).fetchall()
        return {str(s): int(n) for s, n in rows}

    def summary(self) -> dict[str, Any]:
        row = self.conn.execute(SUMMARY_SQL, {"i": self.integration_id}).fetchone()
        assert row is not None
        out = dict(zip(SUMMARY_KEYS, row, strict=True))
        errors = self.conn.execute(
            "SELECT split_part(extraction_error, E'\\n', 1), count(*) FROM claims_article"
            " WHERE integration_id = %s AND extraction_status = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 3",
            [self.integration_id],
        ).fetchall()
        out["mean_body_kb"] = round(float(out["mean_body_kb"] or 0) / 1000, 2)
        out["last_done_epoch"] = float(out["last_done_epoch"] or 0) or None
        return {**out, "failed_reasons": [f"{n} x {e[:120]}" for e, n in errors]}


SUMMARY_KEYS = ["last_done_epoch", "extractor_version", "mean_body_kb", "retried_articles", "deliveries"]
SUMMARY_KEYS += ["appearances", "claims_used", "claims_total"]
SUMMARY_SQL = """
WITH mine AS (SELECT * FROM claims_article WHERE integration_id = %(i)s)
SELECT extract(epoch FROM max(updated_at)), max(extractor_version), avg(length(body)),
       count(*) FILTER (WHERE extraction_attempts > 1), sum(extraction_attempts),
       (SELECT count(*) FROM claims_appearance WHERE article_id IN (SELECT id FROM mine)),
       (SELECT count(DISTINCT claim_id) FROM claims_appearance WHERE article_id IN (SELECT id FROM mine)),
       (SELECT count(*) FROM claims_claim)
FROM mine
"""


# --- Run ------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


SETTINGS_MODULE = """from factcheck.settings import *  # noqa: F403
from factcheck.settings import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {{**CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": "{prefix}"}}
CACHES = {{"default": {{**CACHES["default"], "KEY_PREFIX": "{prefix}cache"}}}}
"""


def base_env(args: argparse.Namespace, logdir: Path, prefix: str) -> dict[str, str]:
    """The processes' environment, with a settings module of the run's own in ``logdir``.

    Its Redis keys carry a prefix of their own (kombu's ``global_keyprefix``, and the
    cache's ``KEY_PREFIX``), so runs that share a Redis database never take each other's
    tasks or cache entries.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "MATCH_"))}
    module = SETTINGS_MODULE.format(prefix=prefix)
    module += "MATCH_EMBEDDINGS = False\n" if args.no_embeddings else ""
    (logdir / "bench_ingest_settings.py").write_text(module)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        LOG_LEVEL="INFO",
        DJANGO_SETTINGS_MODULE="bench_ingest_settings",
        PYTHONPATH=f"{logdir}:{ROOT}",
        STATIC_ROOT=str(logdir / "static"),
    )
    if args.max_tasks_per_child:
        env["CELERY_MAX_TASKS_PER_CHILD"] = str(args.max_tasks_per_child)
    return env


def worker_log_problems(logdir: Path) -> list[str]:
    found = []
    for path in sorted(logdir.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if re.search(r"\b(ERROR|CRITICAL)\b|Traceback|WorkerLostError", line):
                found.append(f"{path.name}: {line[:200]}")
    return found


def run(args: argparse.Namespace, payloads: list[dict[str, Any]], logdir: Path) -> dict[str, Any]:
    check_loopback(args.redis)
    tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    prefix = f"ingest-bench-{tag}-{secrets.token_hex(3)}:"
    env = base_env(args, logdir, prefix)
    ensure_database(args.database_url, args.keep)
    log("migrating")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")  # DEBUG=0: the server refuses to start without them
    integration = f"ingest-bench-{tag}"
    key = manage(env, "createapitoken", integration).split()[-1]
    stack = Stack(env, logdir)
    try:
        port = free_port()
        stack.start_web(port, args.web_workers)
        stack.start_workers(args.workers, args.concurrency, tag)
        log(f"gunicorn on 127.0.0.1:{port}, {args.workers} workers; logs in {logdir}")
        progress = Progress(args.database_url, integration)
        poster = Poster(f"http://127.0.0.1:{port}/api/v1/articles/", key, payloads)
        pids = [p.pid for p in stack.workers]
        rss_start: list[float] | None = None
        warm = (0, sum(tree_cpu_seconds(pid) for pid in pids))
        rss_peak = 0.0
        timeline: list[list[float]] = []  # [articles done, seconds, worker RSS MB] at every tenth
        deadline = time.monotonic() + args.timeout
        measured = [p.pid for p in stack.started()]  # the workers, then gunicorn
        cpu_start = [tree_cpu_seconds(pid) for pid in measured]
        started = time.time()
        poster.start()
        while True:
            stack.check_alive()
            counts = progress.counts()
            finished = counts.get("done", 0) + counts.get("failed", 0)
            rss = [tree_rss_mb(pid) for pid in pids]
            rss_peak = max(rss_peak, sum(rss))
            if rss_start is None and finished >= min(WARMUP, len(payloads)):
                rss_start = rss
                # the models are loaded by now: CPU from here on is the steady per-article cost
                warm = (finished, sum(tree_cpu_seconds(pid) for pid in pids))
            elapsed = time.time() - started
            if finished >= len(payloads) * (len(timeline) + 1) / 10:
                timeline.append([finished, round(elapsed, 1), round(sum(rss), 1)])
            n, sent = len(payloads), len(poster.ids) + len(poster.errors)
            rate = finished / max(elapsed, 1e-9)
            bar = f"posted {sent}/{n}  done {finished}/{n}  failed {counts.get('failed', 0)}  {rate:.2f}/s"
            sys.stderr.write(f"\r{bar}  worker RSS {sum(rss):.0f} MB  {elapsed:.0f} s ")
            if poster.finished_at is not None and finished >= len(poster.ids):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out after {args.timeout} s with {finished} articles done")
            time.sleep(0.5)
        log("")
        rss_end = [tree_rss_mb(pid) for pid in pids]
        cpu = [tree_cpu_seconds(pid) - before for pid, before in zip(measured, cpu_start, strict=True)]
        steady_done = finished - warm[0]
        steady_cpu = sum(tree_cpu_seconds(pid) for pid in pids) - warm[1]
        summary = progress.summary()
        last = summary.pop("last_done_epoch") or time.time()
        posted_at = poster.finished_at or time.time()
        seconds = max(last, posted_at) - started
    finally:
        stack.stop()
        drop_keys(args.redis, prefix)
    time.sleep(1)  # the workers' database sessions report their statistics as they end
    deadlocks = progress.deadlocks() - progress.deadlocks_before
    problems = worker_log_problems(logdir)
    for line in problems[:10]:
        log(f"log: {line}")
    for line in poster.errors[:5]:
        log(f"POST failed: {line}")
    done = len(poster.ids)
    start_mb, end_mb = sum(rss_start or [0.0]), sum(rss_end)
    return {
        "articles": done,
        "seconds": round(seconds, 1),
        "articles_per_s": round(done / seconds, 2) if seconds else None,
        "workers": args.workers,
        "rss_start_mb": round(start_mb, 1),
        "rss_end_mb": round(end_mb, 1),
        "rss_growth_pct": round(100 * (end_mb - start_mb) / start_mb, 1) if start_mb else None,
        "failed": progress.counts().get("failed", 0),
        "extractor_version": summary.pop("extractor_version"),
        "embeddings": not args.no_embeddings,
        "post_errors": len(poster.errors),
        "post_throttled": poster.throttled,
        "post_seconds": round(posted_at - started, 1),
        "rss_per_worker_mb": [[round(a, 1) for a in rss_start or []], [round(b, 1) for b in rss_end]],
        "rss_peak_mb": round(rss_peak, 1),
        # CPU per article: the Celery workers (extraction, dispatch) and gunicorn (the POSTs)
        "worker_cpu_ms_per_article": round(1000 * sum(cpu[:-1]) / max(done, 1), 1),
        "web_cpu_ms_per_article": round(1000 * cpu[-1] / max(done, 1), 1),
        # the same for the workers after the warm-up (models loaded in each process)
        "worker_cpu_ms_per_article_warm": round(1000 * steady_cpu / steady_done, 1) if steady_done else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **summary,
        "deadlocks": deadlocks,
        "timeline": timeline,
        "log_problems": len(problems),
        "logs": str(logdir),
    }


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("database_url")
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2, help="separate Celery worker processes")
    ap.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    ap.add_argument("--web-workers", type=int, default=2, help="gunicorn workers")
    ap.add_argument(
        "--redis", default="redis://127.0.0.1:6379/14", help="a Redis database for the bench alone"
    )
    ap.add_argument("--keep", action="store_true", help="reuse the database as it is")
    ap.add_argument("--no-embeddings", action="store_true", help="match without the MiniLM model")
    ap.add_argument("--corpus", type=Path, help="more source articles: *.txt files under DIR")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds for the whole run")
    ap.add_argument("--max-tasks-per-child", type=int, default=0, help="override the shipped 1000")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="then profile N articles in process")
    args = ap.parse_args()
    if not 1 <= args.articles <= 100_000 or not 1 <= args.workers <= 8 or not 1 <= args.concurrency <= 8:
        raise SystemExit("--articles 1..100000, --workers 1..8, --concurrency 1..8")

    maker = ArticleMaker(read_sources(args.corpus), args.seed)
    payloads = [maker.article(i) for i in range(args.articles)]
    assert len({p["external_id"] for p in payloads}) == len(payloads)
    log(
        f"{len(payloads)} articles, mean {sum(len(p['body']) for p in payloads) / len(payloads) / 1e3:.1f} KB"
    )
    logdir = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = run(args, payloads, logdir)
        if args.profile:
            from bench.ingest_profile import profile

            profile(args, maker, args.profile)
    except KeyboardInterrupt:
        log("\ninterrupted; everything started was stopped")
        return 130
    except RuntimeError as exc:
        log(f"\nerror: {exc}; everything started was stopped")
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
