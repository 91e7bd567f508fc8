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
    """The highest role a user holds, or None (integrations without a person, anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return ADMIN
    names = {g.name for g in user.groups.all()}
    for name in (ADMIN, EDITOR, REVIEWER):
        if name in names:
            return name
    return None


def has_role(user: Any, role: str) -> bool:
    held = role_of(user)
    return held is not None and RANK[held] >= RANK[role]
