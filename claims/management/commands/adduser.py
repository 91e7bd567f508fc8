"""manage.py adduser NAME --role reviewer|editor|admin [--email E] [--password P]."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from claims import roles


class Command(BaseCommand):
    help = "Create or update a user with a role; prints a generated password when none is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=roles.ROLES)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username:
            raise CommandError("The user name must not be empty.")
        password = options["password"] or secrets.token_urlsafe(12)
        User = get_user_model()
        with transaction.atomic():
            groups = roles.ensure_roles()
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": options["email"]}
            )
            if options["email"]:
                user.email = options["email"]
            user.set_password(password)
            user.is_staff = options["role"] == roles.ADMIN
            user.is_superuser = options["role"] == roles.ADMIN
            user.save()
            user.groups.set([groups[options["role"]]])
        verb = "Created" if created else "Updated"
        shown = password if not options["password"] else "(as given)"
        self.stdout.write(f"{verb} {options['role']} {username!r} with password: {shown}")
