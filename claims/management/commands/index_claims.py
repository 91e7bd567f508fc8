"""manage.py index_claims: add claims that predate matching or quotations to the lookup (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from claims import matching, quotes


class Command(BaseCommand):
    help = "Index claims that have no matching index yet, so new articles are matched against them."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            count = matching.index_missing()
            quoting = quotes.index_missing()
        self.stdout.write(f"Indexed {count} claim(s).")
        if quoting:
            self.stdout.write(f"Kept the quotations of {quoting} claim(s).")
