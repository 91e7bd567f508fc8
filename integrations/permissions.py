"""Scopes on API views: which scope a key needs for each method of each endpoint.

A view says what it needs with ``required_scopes``: one scope for every method,
or a mapping from HTTP method to scope. A view that says nothing needs
``claims:read`` to be read, and refuses every key for anything else, so a new
endpoint that writes is closed to keys until somebody decides which scope it
takes. People logged in with a session are not limited by scopes; their role
decides, as the services check.
"""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from claims import roles
from claims.errors import Forbidden

from . import scopes
from .models import Integration


def required_scope(view: Any, method: str) -> str | None:
    """The scope a key needs for ``method`` on ``view``; None when no key may."""
    declared = getattr(view, "required_scopes", None)
    if isinstance(declared, str):
        return declared
    if isinstance(declared, dict) and method in declared:
        return declared[method]
    if method in permissions.SAFE_METHODS:
        return scopes.CLAIMS_READ
    return None


class HasScope(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        integration = request.auth
        if not isinstance(integration, Integration):
            return True
        method = "GET" if request.method in ("HEAD", "OPTIONS") else str(request.method)
        if not hasattr(view, method.lower()):
            return True  # the view answers 405: the path does not offer this method to anybody
        scope = required_scope(view, method)
        if scope is None:
            raise Forbidden(f"API keys may not {method} this endpoint.")
        if not integration.has_scope(scope):
            raise Forbidden(f"This key lacks the scope {scope}.", data=_needs(scope, integration))
        return True


def _needs(scope: str, integration: Integration) -> dict[str, str]:
    data = {"required_scope": scope}
    # Some scopes are held only by people of a role: say so, the scope alone is not enough.
    role = scopes.PERSONAL_MIN_ROLE.get(scope)
    if role and (scope in scopes.PERSONAL_ONLY or integration.is_personal()):
        data["required_role"] = role
    return data


class HasRole(permissions.BasePermission):
    """A person (session or personal key) needs a role on the desk to use the API at all.

    CMS keys act for their integration, not for a person, and pass; their scopes decide.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, Integration) and not request.auth.is_personal():
            return True
        user = request.user
        if user is None or not user.is_authenticated or roles.remember_role(user) is not None:
            return True
        raise Forbidden(
            "Your account has no role yet: ask an admin to make you a reviewer, editor or admin.",
            data={"required_role": roles.REVIEWER},
        )
