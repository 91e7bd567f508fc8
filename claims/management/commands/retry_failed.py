"""manage.py retry_failed [--since DATE]: queue every failed extraction again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims import ingest
from claims.dates import parse_iso_datetime
from claims.errors import DomainError
from claims.models import Article


def since_argument(value: str) -> datetime:
    """An ISO date or date-time; a date means its midnight (UTC)."""
    parsed = parse_iso_datetime(value)
    if parsed is None:
        raise CommandError(f"--since must be a date like 2026-11-01 or a date-time, not {value!r}.")
    return parsed


class Command(BaseCommand):
    help = "Queue every article whose extraction failed (or those that failed since DATE) for another try."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="Only articles updated since this date (ISO 8601)")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = Article.objects.filter(extraction_status=Article.Extraction.FAILED)
        if options["since"] is not None:
            failed = failed.filter(updated_at__gte=since_argument(options["since"]))
        ids = list(failed.order_by("pk").values_list("pk", flat=True))
        retried = 0
        for article_id in ids:
            try:
                article = ingest.do_retry_extraction(article_id=article_id, actor=None)
            except DomainError as exc:
                self.stderr.write(f"article {article_id}: {exc.message}")
                continue
            retried += 1
            self.stdout.write(f"article {article_id}: queued again ({article.extraction_status})")
        self.stdout.write(f"{retried} failed extraction(s) queued again.")
