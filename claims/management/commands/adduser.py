"""manage.py adduser NAME --role reviewer|editor|admin [--email E] [--password P]."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from claims import roles


class Command(BaseCommand):
    help = (
        "Create a user with a role (printing a generated password when none is given), "
        "or change an existing user's role, e-mail or password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=roles.ROLES)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username:
            raise CommandError("The user name must not be empty.")
        User = get_user_model()
        with transaction.atomic():
            groups = roles.ensure_roles()
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": options["email"]}
            )
            if options["email"]:
                user.email = options["email"]
            # Changing someone's role must not lock them out: keep their password unless a new one is given.
            password = options["password"] or (secrets.token_urlsafe(12) if created else None)
            if password:
                user.set_password(password)
            user.is_staff = options["role"] == roles.ADMIN
            user.is_superuser = options["role"] == roles.ADMIN
            user.save()
            user.groups.set([groups[options["role"]]])
        if options["password"]:
            shown = "(as given)"
        elif created:
            shown = str(password)
        else:
            shown = "(unchanged)"
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {options['role']} {username!r} with password: {shown}")
