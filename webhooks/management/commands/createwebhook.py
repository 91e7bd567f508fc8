"""manage.py createwebhook INTEGRATION_NAME URL [--events a,b]: prints the whsec_ secret as its last word."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.errors import DomainError
from integrations.models import Integration
from webhooks import endpoints


class Command(BaseCommand):
    help = "Register a webhook endpoint for an integration and print its signing secret (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("integration", help="The integration's name (see listapitokens)")
        parser.add_argument("url")
        parser.add_argument(
            "--events", default="", help="Comma-separated webhook types (default: every type)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        integration = Integration.objects.filter(name=options["integration"]).first()
        if integration is None:
            raise CommandError(f"No integration named {options['integration']!r}.")
        events = [name.strip() for name in options["events"].split(",") if name.strip()]
        try:
            endpoint = endpoints.do_create_endpoint(
                integration=integration, url=options["url"], events=events
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        subscribed = ", ".join(endpoint.events) or "every type"
        self.stdout.write(
            f"Created webhook {endpoint.pk} for {integration.name!r} to {endpoint.url} ({subscribed}). "
            f"Its signing secret: {endpoint.secret}"
        )
