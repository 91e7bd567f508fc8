"""manage.py createapitoken NAME [--user USERNAME]: prints the new API key as its last word."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.errors import DomainError
from integrations.services import create_integration


class Command(BaseCommand):
    help = "Create an API integration and print its key (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--user", default=None, help="Issue a personal key that acts as this user")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            integration, key = create_integration(name=options["name"], username=options["user"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        acting = integration.user.get_username()
        self.stdout.write(
            f"Created integration {integration.name!r} acting as {acting!r}. Its API key: {key}"
        )
