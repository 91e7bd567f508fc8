"""The navigation's counts: claims in my hands, verdicts awaiting my approval (editors)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from .. import roles, selectors


class Worklists:
    """Counted only when a page's navigation reads them, in one query."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def is_editor(self) -> bool:
        return roles.has_role(self.user, roles.EDITOR)

    @cached_property
    def counts(self) -> dict[str, int]:
        if not getattr(self.user, "is_authenticated", False):
            return {"mine": 0, "approvals": 0}
        return selectors.worklist_counts(user=self.user, editor=self.is_editor)


def worklists(request: HttpRequest) -> dict[str, Any]:
    return {"worklists": Worklists(getattr(request, "user", None))}
