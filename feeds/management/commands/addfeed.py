"""manage.py addfeed URL --outlet NAME [--every MINUTES]: follow an RSS or Atom feed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.errors import DomainError
from feeds import services


class Command(BaseCommand):
    help = "Follow an RSS or Atom feed; its new entries are ingested as articles of the outlet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="http:// or https:// address of the feed")
        parser.add_argument("--outlet", required=True, help="Name of the outlet (created when new)")
        parser.add_argument(
            "--every",
            type=int,
            default=None,
            metavar="MINUTES",
            help="Poll interval in minutes (default: the FEED_POLL_MINUTES setting)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            feed = services.do_add_feed(
                url=options["url"], outlet=options["outlet"], every_minutes=options["every"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Feed {feed.pk}: {feed.url} for {feed.outlet.name}, polled every {feed.poll_interval_minutes} "
            "minutes (first poll at the next beat, or now with `manage.py poll_feeds`)."
        )
