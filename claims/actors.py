"""Who acts: a person, possibly through their personal API key or a CMS integration.

Every write that a person or a key makes takes an ``Actor``, so the audit trail
names both the person and the key they used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from . import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from integrations.models import Integration


@dataclass(frozen=True)
class Actor:
    """A person (a CMS integration acts as its service user) and the key they came with, if any."""

    user: User
    integration: Integration | None = None

    @cached_property
    def role(self) -> str | None:
        return roles.role_of(self.user)

    def has_role(self, role: str) -> bool:
        return self.role is not None and roles.RANK[self.role] >= roles.RANK[role]

    @property
    def username(self) -> str:
        return self.user.get_username()
