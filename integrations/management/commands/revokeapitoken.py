"""manage.py revokeapitoken NAME_OR_PREFIX: the key (and a rotated-out previous key) stops working now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.errors import DomainError
from integrations.services import access_integration, do_revoke_integration


class Command(BaseCommand):
    help = "Revoke an API key, named by its integration or by the start of the key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name_or_prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            integration = access_integration(name_or_prefix=options["name_or_prefix"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        already = integration.revoked_at is not None
        integration = do_revoke_integration(integration=integration)
        state = "was already revoked" if already else "is revoked"
        self.stdout.write(
            f"The key {integration.key_prefix}… of {integration.name!r} {state} "
            f"({integration.revoked_at:%Y-%m-%d %H:%M} UTC)."
        )
