"""manage.py rebuild_statistics: recompute the statistics page's counts from the whole event log."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from claims import tallies


class Command(BaseCommand):
    help = (
        "Recompute the statistics page's counts (backlog by status per day, claims found per day, "
        "verdicts, outlets) from the event log. Safe to run at any time; the page shows the old "
        "counts until it finishes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            type=int,
            default=tallies.REBUILD_BATCH,
            help="Events read per step (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(read: int) -> None:
            print(f"\r{read:,} events", end="", file=sys.stderr, flush=True)

        read = tallies.rebuild(batch=max(1, options["batch"]), progress=progress)
        print(file=sys.stderr)
        seconds = time.monotonic() - started
        self.stdout.write(f"Rebuilt the statistics from {read:,} events in {seconds:.1f} s.")
