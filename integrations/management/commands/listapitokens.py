"""manage.py listapitokens: every key with its prefix, scopes and use; never the key itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand

from integrations.models import SERVICE_USER_PREFIX
from integrations.services import integration_list

COLUMNS = ("name", "prefix", "scopes", "user", "created", "last used", "expires", "revoked")


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "-"


class Command(BaseCommand):
    help = "List API keys: name, prefix, scopes, user, created, last used, expires, revoked."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [COLUMNS]
        for integration in integration_list():
            user = integration.user.get_username()
            rows.append(
                (
                    integration.name,
                    integration.key_prefix,
                    ",".join(integration.scopes) or "-",
                    "-" if user.startswith(SERVICE_USER_PREFIX) else user,
                    _when(integration.created_at),
                    _when(integration.last_used_at),
                    _when(integration.expires_at),
                    _when(integration.revoked_at),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
        if len(rows) == 1:
            self.stdout.write("No API keys yet: manage.py createapitoken NAME")
