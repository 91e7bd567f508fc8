"""Roles are Django groups: reviewer, editor, admin (see README, "Roles")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

REVIEWER = "reviewer"
EDITOR = "editor"
ADMIN = "admin"
ROLES = (REVIEWER, EDITOR, ADMIN)
# Each role includes the ones before it.
RANK = {REVIEWER: 1, EDITOR: 2, ADMIN: 3}


def ensure_roles() -> dict[str, Group]:
    return {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}


def role_of(user: Any) -> str | None:
    """The highest role a user holds, or None (integrations without a person, anonymous users).

    Within one request the answer is read once (see remember_role) and reused.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    remembered = getattr(user, REMEMBERED, _UNKNOWN)
    if remembered is None or isinstance(remembered, str):
        return remembered
    if getattr(user, "is_superuser", False):
        return ADMIN
    names = {g.name for g in user.groups.all()}
    for name in (ADMIN, EDITOR, REVIEWER):
        if name in names:
            return name
    return None


REMEMBERED = "_desk_role"
_UNKNOWN = object()


def remember_role(user: Any) -> str | None:
    """Read a request's user's role once and keep it on that user object for the request."""
    role = role_of(user)
    if user is not None and getattr(user, "is_authenticated", False):
        setattr(user, REMEMBERED, role)
    return role


def has_role(user: Any, role: str) -> bool:
    held = role_of(user)
    return held is not None and RANK[held] >= RANK[role]
