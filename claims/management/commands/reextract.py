"""manage.py reextract [--all | --since DATE | --outlet NAME] [--wait]: re-extract articles as a job."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from claims import jobs
from claims.errors import DomainError
from claims.models import ReextractionJob

from .retry_failed import since_argument

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Extract articles again (after an extractor upgrade) as a job the maintenance queue works "
        "through in chunks; reviewed claims keep their verdicts. Prints the job id; --wait shows progress."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="Every article")
        which.add_argument("--since", help="Articles received since this date (ISO 8601)")
        which.add_argument("--outlet", help="One outlet's articles (its name)")
        parser.add_argument(
            "--wait", action="store_true", help="Stay until the job ends, with a progress bar"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = since_argument(options["since"]) if options["since"] else None
        try:
            job_filter = jobs.check_job_filter(
                all=options["all"], since=since, outlet=options["outlet"] or ""
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        job = jobs.do_create_job(job_filter=job_filter)
        self.stdout.write(f"Re-extraction job {job.pk}: {job.total} article(s) queued.")
        if options["wait"]:
            job = self._wait(job)
            self.stdout.write(
                f"Job {job.pk} {job.state}: {job.done} re-extracted, {job.failed} of them failed."
            )
            if job.state == ReextractionJob.State.FAILED:
                raise CommandError(f"Job {job.pk} failed: {job.error}")
        self.stdout.write(str(job.pk))

    def _wait(self, job: ReextractionJob) -> ReextractionJob:
        with tqdm(total=job.total, unit="article", file=sys.stderr, disable=None) as bar:
            while True:
                job.refresh_from_db()
                bar.update(job.done - bar.n)
                if job.state in (ReextractionJob.State.DONE, ReextractionJob.State.FAILED):
                    return job
                time.sleep(POLL_SECONDS)
