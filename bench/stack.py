"""What the load, soak and webhook benchmarks share: the product's processes on loopback.

Process management (gunicorn, workers, stopping everything) comes from
bench/ingest.py's ``Stack``; this module adds workers on any queues, beat,
the run's own settings module, and Django in the bench process itself (to
create the data a run needs and to count what happened, straight from the
database).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import (  # noqa: E402
    Stack,
    check_loopback,
    drop_keys,
    ensure_database,
    free_port,
    http_status,
    log,
    manage,
    wait_until,
    worker_log_problems,
)

__all__ = [
    "ROOT",
    "Services",
    "check_loopback",
    "django_setup",
    "drop_keys",
    "ensure_database",
    "free_port",
    "http_status",
    "log",
    "manage",
    "prepare",
    "run_env",
    "wait_until",
    "worker_log_problems",
]

# The benches load the API, not the dashboard: static files are served uncollected (as in the test
# settings), which saves the minutes collectstatic spends compressing them on a busy machine.
SETTINGS = """from factcheck.settings import *  # noqa: F403
from factcheck.settings import CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS, STORAGES

CELERY_BROKER_TRANSPORT_OPTIONS = {{**CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": "{prefix}"}}
_PLAIN = "django.contrib.staticfiles.storage.StaticFilesStorage"
STORAGES = {{**STORAGES, "staticfiles": {{"BACKEND": _PLAIN}}}}
{extra}
"""


def run_env(
    database_url: str, redis_url: str, logdir: Path, *, prefix: str, extra: str = "", **variables: str
) -> dict[str, str]:
    """The processes' environment: DEBUG off, the run's own settings module (Redis keys under ``prefix``)."""
    check_loopback(database_url)
    check_loopback(redis_url)
    (logdir / "bench_run_settings.py").write_text(SETTINGS.format(prefix=prefix, extra=extra))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "MATCH_"))}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        LOG_LEVEL="INFO",
        DJANGO_SETTINGS_MODULE="bench_run_settings",
        PYTHONPATH=f"{logdir}{os.pathsep}{ROOT}",
        STATIC_ROOT=str(logdir / "static"),
        ALLOW_PRIVATE_URLS="1",  # the webhook receiver is on 127.0.0.1
        **variables,
    )
    return env


def prepare(env: dict[str, str], database_url: str, *, keep: bool) -> None:
    """A fresh (or, with ``keep``, the existing) bench database, migrated."""
    ensure_database(database_url, keep)
    log("migrating")
    manage(env, "migrate", "--noinput")


def django_setup(env: dict[str, str]) -> None:
    """Django in this process, on the run's database and settings, tasks sent to the run's broker."""
    os.environ.update({k: v for k, v in env.items() if k not in {"PYTHONPATH"}})
    for path in reversed(env["PYTHONPATH"].split(os.pathsep)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the progress


class Services(Stack):
    """gunicorn, Celery workers on chosen queues, and beat, each in its own process group."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        super().__init__(env, logdir)
        self.beat: subprocess.Popen[bytes] | None = None

    def start_queue_workers(
        self, count: int, queues: tuple[str, ...], tag: str, concurrency: int = 1
    ) -> None:
        for n in range(1, count + 1):
            argv = [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "-Q", ",".join(queues)]
            argv += [
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-n",
                f"{tag}{n}@%h",
                "--loglevel=INFO",
            ]
            self.workers.append(self._spawn(argv, f"worker{n}.log"))
        for n in range(1, count + 1):
            path = self.logdir / f"worker{n}.log"
            wait_until(lambda p=path: " ready." in p.read_text(errors="replace"), 120, f"worker {n} ready")

    def start_beat(self) -> None:
        schedule = self.logdir / "beat-schedule"
        argv = [sys.executable, "-m", "celery", "-A", "factcheck", "beat", f"--schedule={schedule}"]
        self.beat = self._spawn([*argv, "--loglevel=INFO"], "beat.log")

    def started(self) -> list[subprocess.Popen[bytes]]:
        return [*super().started(), *([self.beat] if self.beat else [])]


def count(sql: str, params: Any = None) -> int:
    """One number from the run's database (Django must be set up)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0
