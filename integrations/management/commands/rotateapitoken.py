"""manage.py rotateapitoken NAME: prints a new key last; the old one works for ROTATION_GRACE_HOURS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.errors import DomainError
from integrations.services import access_integration, do_rotate_integration


class Command(BaseCommand):
    help = "Issue a new key for an integration; the previous key keeps working for a grace period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            integration = access_integration(name_or_prefix=options["name"])
            integration, key = do_rotate_integration(integration=integration)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Rotated the key of {integration.name!r}; the previous key {integration.previous_key_prefix}… "
            f"works until {integration.previous_key_expires_at:%Y-%m-%d %H:%M} UTC. Its new API key: {key}"
        )
