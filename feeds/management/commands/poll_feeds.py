"""manage.py poll_feeds [--all]: poll the due feeds (or every active feed) once, in the foreground."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from feeds import polling, services
from feeds.models import Feed


class Command(BaseCommand):
    help = "Poll the feeds that are due (every active feed with --all) once, here, and print what each gave."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Every active feed, due or not")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            ids = list(Feed.objects.filter(active=True).order_by("id").values_list("pk", flat=True))
        else:
            ids = services.due_feed_ids()
        if not ids:
            self.stdout.write("No active feeds." if options["all"] else "No feeds are due.")
            return
        failed = 0
        for feed_id in ids:
            result = polling.do_poll_feed(feed_id=feed_id, force=options["all"])
            failed += result.failed
            url = result.url or Feed.objects.filter(pk=feed_id).values_list("url", flat=True).first() or ""
            self.stdout.write(f"feed {feed_id} {url}: {result.summary()}")
        if failed == len(ids):
            raise CommandError(f"Every feed polled failed ({failed} of {len(ids)}); see the reasons above.")
        if failed:
            self.stderr.write(f"{failed} of {len(ids)} feeds failed; see the reasons above.")
