"""Issuing, rotating and revoking API keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from claims.errors import Conflict, InvalidInput, NotFound

from . import scopes as scope_rules
from .models import KEY_PREFIX, PREFIX_LENGTH, SERVICE_USER_PREFIX, Integration, generate_key, hash_key


def create_integration(
    *,
    name: str,
    username: str | None = None,
    scopes: Iterable[str] | None = None,
    expires_days: int | None = None,
) -> tuple[Integration, str]:
    """Create an integration and return it with its key; only the key's hash is stored.

    Without ``scopes`` a CMS key gets the CMS defaults and a personal key every
    scope its person's role allows.
    """
    name = name.strip()
    if not name:
        raise Conflict("An integration needs a name.")
    if expires_days is not None and expires_days < 1:
        raise InvalidInput("A key expires after at least one day.")
    User = get_user_model()
    with transaction.atomic():
        if Integration.objects.filter(name=name).exists():
            raise Conflict(f"An integration named {name!r} already exists.")
        person = None
        if username:
            person = User.objects.filter(username=username).first()
            if person is None:
                raise NotFound(f"No user named {username!r}.")
        granted = check_scopes(person, scopes)
        if person is None:
            user, _ = User.objects.get_or_create(username=f"{SERVICE_USER_PREFIX}{name}"[:150])
            user.set_unusable_password()
            user.save()
        else:
            user = person
        key = generate_key()
        integration = Integration.objects.create(
            name=name,
            user=user,
            key_hash=hash_key(key),
            key_prefix=key[:PREFIX_LENGTH],
            scopes=granted,
            expires_at=timezone.now() + timedelta(days=expires_days) if expires_days else None,
        )
    return integration, key


def check_scopes(person: object | None, scopes: Iterable[str] | None) -> list[str]:
    """The scopes a new key gets: the defaults when None, else these if the holder may have them."""
    if scopes is None:
        default = scope_rules.allowed_for(person) if person else scope_rules.CMS_DEFAULT
        return scope_rules.ordered(default)
    wanted = list(scopes)
    unknown = sorted(set(wanted) - set(scope_rules.SCOPES))
    if unknown:
        raise InvalidInput(
            f"Unknown scope(s): {', '.join(unknown)}. Known scopes: {', '.join(scope_rules.SCOPES)}."
        )
    refused = scope_rules.refused_for(person, scope_rules.ordered(wanted))
    if refused:
        holder = f"{person}'s role" if person else "a key without a person (use --user)"
        raise InvalidInput(f"Scope(s) {', '.join(refused)} not allowed for {holder}.")
    return scope_rules.ordered(wanted)


def integration_list() -> QuerySet[Integration]:
    return Integration.objects.select_related("user").order_by("name")


def access_integration(*, name_or_prefix: str) -> Integration:
    """The integration with this name, or the one whose key starts with this prefix."""
    match = Integration.objects.select_related("user").filter(name=name_or_prefix).first()
    if match is not None:
        return match
    # A bare "fck_" or a few characters would match too many keys to mean one.
    if len(name_or_prefix) > len(KEY_PREFIX) + 2:
        found = list(
            Integration.objects.select_related("user").filter(key_prefix__startswith=name_or_prefix)[:2]
        )
        if len(found) == 1:
            return found[0]
        if found:
            raise Conflict(f"More than one key starts with {name_or_prefix!r}; use the name.")
    raise NotFound(f"No integration named {name_or_prefix!r} and no key starting with it.")


def do_revoke_integration(*, integration: Integration) -> Integration:
    """Refuse the key (and a rotated-out previous key) from now on; the row stays for the audit trail."""
    now = timezone.now()
    Integration.objects.filter(pk=integration.pk, revoked_at__isnull=True).update(
        revoked_at=now, is_active=False, previous_key_expires_at=now
    )
    integration.refresh_from_db()
    return integration


def do_rotate_integration(*, integration: Integration) -> tuple[Integration, str]:
    """Issue a new key; the old one keeps working for ROTATION_GRACE_HOURS so clients can switch."""
    if integration.revoked_at is not None:
        raise Conflict(f"The key of {integration.name!r} was revoked; create a new integration instead.")
    key = generate_key()
    grace = timedelta(hours=settings.ROTATION_GRACE_HOURS)
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        locked.previous_key_hash = locked.key_hash
        locked.previous_key_prefix = locked.key_prefix
        locked.previous_key_expires_at = timezone.now() + grace
        locked.key_hash = hash_key(key)
        locked.key_prefix = key[:PREFIX_LENGTH]
        locked.save(
            update_fields=[
                "previous_key_hash",
                "previous_key_prefix",
                "previous_key_expires_at",
                "key_hash",
                "key_prefix",
            ]
        )
    integration.refresh_from_db()
    return integration, key
