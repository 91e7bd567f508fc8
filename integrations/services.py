"""Issuing and revoking API keys."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from claims.errors import Conflict, NotFound

from .models import Integration, generate_key, hash_key


def create_integration(*, name: str, username: str | None = None) -> tuple[Integration, str]:
    """Create an integration and return it with its key; only the key's hash is stored."""
    name = name.strip()
    if not name:
        raise Conflict("An integration needs a name.")
    User = get_user_model()
    with transaction.atomic():
        if Integration.objects.filter(name=name).exists():
            raise Conflict(f"An integration named {name!r} already exists.")
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise NotFound(f"No user named {username!r}.")
        else:
            service_name = f"integration:{name}"[:150]
            user, _ = User.objects.get_or_create(username=service_name)
            user.set_unusable_password()
            user.save()
        key = generate_key()
        integration = Integration.objects.create(
            name=name, user=user, key_hash=hash_key(key), key_prefix=key[:10]
        )
    return integration, key
