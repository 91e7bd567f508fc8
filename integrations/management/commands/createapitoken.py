"""manage.py createapitoken NAME [--scopes a,b] [--user USERNAME] [--expires DAYS]: prints the key last."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.errors import DomainError
from integrations import scopes
from integrations.services import create_integration


class Command(BaseCommand):
    help = "Create an API integration and print its key (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--user", default=None, help="Issue a personal key that acts as this user")
        parser.add_argument(
            "--scopes",
            default=None,
            help=f"Comma-separated, from {', '.join(scopes.SCOPES)}. Default: "
            f"{','.join(scopes.CMS_DEFAULT)} for a CMS key, every scope the role allows for a personal key",
        )
        parser.add_argument("--expires", type=int, default=None, metavar="DAYS", help="Expire after DAYS")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            wanted = scopes.parse(options["scopes"]) if options["scopes"] is not None else None
            integration, key = create_integration(
                name=options["name"],
                username=options["user"],
                scopes=wanted,
                expires_days=options["expires"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        acting = integration.user.get_username()
        expiry = f", expires {integration.expires_at:%Y-%m-%d %H:%M} UTC" if integration.expires_at else ""
        self.stdout.write(
            f"Created integration {integration.name!r} acting as {acting!r} with scopes "
            f"{','.join(integration.scopes)}{expiry}. Its API key: {key}"
        )
