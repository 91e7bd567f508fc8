"""manage.py runstack: the web process, plus a Celery worker and beat when REDIS_URL is set.

Without REDIS_URL tasks run eagerly inside the web process, so nothing else is
started. Stopping the command (Ctrl-C) stops the worker and beat with it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the dashboard and API; with REDIS_URL also run a Celery worker and beat beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        children: list[subprocess.Popen[bytes]] = []
        if settings.REDIS_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
            celery = [sys.executable, "-m", "celery", "-A", "factcheck"]
            children.append(subprocess.Popen([*celery, "worker", "--loglevel=INFO", "--concurrency=2"]))
            children.append(
                subprocess.Popen([*celery, "beat", "--loglevel=INFO", "--schedule=/tmp/factcheck-beat"])
            )
            self.stdout.write("Started a Celery worker and beat (REDIS_URL is set).")
        else:
            self.stdout.write("REDIS_URL is not set: background tasks run in the web process.")
        address = f"{options['host']}:{options['port']}"
        try:
            if settings.DEBUG:
                call_command("runserver", address, use_reloader=False)
            else:
                call_command("collectstatic", interactive=False, verbosity=0)
                gunicorn = [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "factcheck.wsgi",
                    "--bind",
                    address,
                    "--workers",
                    "2",
                ]
                subprocess.run(gunicorn, check=False)
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
