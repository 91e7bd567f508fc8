"""Who reaches what: every route of the API and the dashboard, for a visitor and an account without a role.

The routes are read from the URL resolver, so a new page or endpoint is in
this matrix the day it is added; the few routes open to everybody are listed
with the reason. What each role may do beyond this is pinned in
test_api_keys.py (scopes per endpoint), test_roles.py and the workflow tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from integrations.services import create_integration

# Open to everybody, and why.
PUBLIC = {
    "/healthz": "the load balancer's health check; says only whether the services are up",
    "/accounts/login/": "signing in",
    "/accounts/logout/": "signing out",
    "/api/schema/": "the API's shape, as the README documents it; no data (SECURITY.md)",
    "/api/docs/": "the same schema, rendered",
    "/favicon.ico": "the browser's tab icon",
    "/digests/unsubscribe/<str:token>/": "one-click unsubscribe from an email: a signed token (RFC 8058)",
}


def routes() -> Iterator[tuple[str, str, Any]]:
    """(route pattern, path with ids filled in, view) of every route outside the admin site."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue  # the admin site checks staff status itself
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    for route, view in walk(get_resolver().url_patterns, "/"):
        path = re.sub(r"<int:\w+>", "999999", route)
        path = re.sub(r"<slug:\w+>", "assign", path)
        path = re.sub(r"<str:\w+>", "token", path)
        yield route, path, view


def methods(view: Any) -> list[str]:
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return ["GET", "POST"]
    names = getattr(view_class, "http_method_names", [])
    return [m.upper() for m in names if m not in ("options", "head") and hasattr(view_class, m)]


CASES = [
    (route, path, method)
    for route, path, view in routes()
    if route not in PUBLIC and not route.startswith("/static/")
    for method in methods(view)
]


def send(client: Any, method: str, path: str) -> Any:
    return getattr(client, method.lower())(
        path, {}, **({"format": "json"} if isinstance(client, APIClient) else {})
    )


def test_the_matrix_sees_the_api_and_the_dashboard() -> None:
    paths = {route for route, _, _ in CASES}
    assert any(p.startswith("/api/v1/") for p in paths)
    assert {"/", "/claims/<int:pk>/", "/digests/settings/"} <= paths
    # a reviewer's promotion of a sentence kept out of the queue, from the article page and the API
    assert {"/articles/<int:pk>/promote/", "/api/v1/articles/<int:pk>/promote/"} <= paths
    assert set(PUBLIC) <= {route for route, _, _ in routes()}, "a public route in the list no longer exists"


@pytest.mark.parametrize(("route", "path", "method"), CASES)
def test_a_visitor_who_has_not_signed_in_gets_nothing(db: None, route: str, path: str, method: str) -> None:
    if path.startswith("/api/"):
        response = send(APIClient(), method, path)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "not_authenticated"
    else:
        response = send(Client(), method, path)
        assert response.status_code == 302, (method, path)
        assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def nobody(db: None) -> User:
    return User.objects.create_user("nobody", password="pw-nobody", email="nobody@example.org")


@pytest.mark.parametrize(("route", "path", "method"), CASES)
def test_an_account_without_a_role_gets_a_403_everywhere(
    nobody: User, route: str, path: str, method: str
) -> None:
    if path.startswith("/api/"):
        session = APIClient()
        session.force_authenticate(user=nobody)
        _, key = create_integration(name=f"personal-{method}-{abs(hash(path))}", username="nobody")
        personal = APIClient()
        personal.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        for client in (session, personal):
            response = send(client, method, path)
            assert response.status_code == 403, (method, path, response.content[:200])
            assert "no role yet" in response.json()["detail"]
    else:
        browser = Client()
        browser.force_login(nobody)
        response = send(browser, method, path)
        assert response.status_code == 403, (method, path)
        assert "Your account has no role yet" in response.content.decode()
