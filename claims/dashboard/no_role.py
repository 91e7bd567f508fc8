"""An account without a role sees nothing but a page saying so.

Signing in proves who somebody is, not that the desk let them in: a person
gets a role (reviewer, editor, admin) from an admin. Until then every
dashboard page answers 403 with a page that says what to do, and the API
answers 403 in its error body (integrations.permissions.HasRole). Sign-in,
sign-out, the admin site (which checks staff status itself), static files,
health checks and the one-click unsubscribe of an email stay reachable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import roles

EXEMPT = ("/accounts/", "/admin/", "/static/", "/api/", "/healthz", "/favicon", "/digests/unsubscribe/")


class NoRoleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT)
            and roles.remember_role(user) is None
        ):
            return render(request, "claims/no_role.html", status=403)
        return self.get_response(request)
