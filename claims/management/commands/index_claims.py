"""manage.py index_claims: add claims that predate matching to the lookup index (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from claims import matching


class Command(BaseCommand):
    help = "Index claims that have no matching index yet, so new articles are matched against them."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            count = matching.index_missing()
        self.stdout.write(f"Indexed {count} claim(s).")
