"""API keys: scopes on every endpoint, the key commands, expiry, revocation, rotation, last use."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from integrations import scopes
from integrations.models import Integration
from integrations.permissions import required_scope
from integrations.services import create_integration

READ, WRITE, REVIEW, WEBHOOKS = (
    scopes.CLAIMS_READ,
    scopes.ARTICLES_WRITE,
    scopes.CLAIMS_REVIEW,
    scopes.WEBHOOKS_MANAGE,
)

# Every /api/v1/ endpoint and method, and the scope a key needs for it. A new
# endpoint fails test_the_table_names_every_api_endpoint until it is added here
# with the scope its view declares.
ENDPOINTS: dict[tuple[str, str], str | None] = {
    ("api:article-list", "GET"): READ,
    ("api:article-list", "POST"): WRITE,
    ("api:article-detail", "GET"): READ,
    ("api:article-retry", "POST"): WRITE,
    ("api:article-revisions", "GET"): READ,
    ("api:article-sentences", "GET"): READ,
    ("api:article-promote", "POST"): REVIEW,
    ("api:claim-list", "GET"): READ,
    ("api:job-detail", "GET"): READ,
    ("api:event-feed", "GET"): READ,
    ("api:claim-detail", "GET"): READ,
    ("api:claim-next", "POST"): REVIEW,
    ("api:claim-bulk", "POST"): REVIEW,
    ("api:claim-assign", "POST"): REVIEW,
    ("api:claim-release", "POST"): REVIEW,
    ("api:claim-evidence", "GET"): READ,
    ("api:claim-evidence", "POST"): REVIEW,
    ("api:claim-verdict", "POST"): REVIEW,
    ("api:claim-verdicts", "GET"): READ,
    ("api:claim-approve", "POST"): REVIEW,
    ("api:claim-reject", "POST"): REVIEW,
    ("api:claim-dismiss", "POST"): REVIEW,
    ("api:claim-reopen", "POST"): REVIEW,
    ("api:claim-events", "GET"): READ,
    ("api:claim-claimreview", "GET"): READ,
    ("api:claim-publish", "POST"): WRITE,
    ("api:claimreview-feed", "GET"): READ,
    ("api:rating-list", "GET"): READ,
    ("api:claim-similar", "GET"): READ,
    ("api:claim-related", "GET"): READ,
    ("api:claim-merge", "POST"): REVIEW,
    ("api:claim-split", "POST"): REVIEW,
    ("api:claim-undo", "POST"): REVIEW,
    ("api:claim-conflict-dismiss", "POST"): REVIEW,
    ("feeds-api:feed-list", "GET"): READ,
    ("feeds-api:feed-list", "POST"): WRITE,
    ("snapshots-api:evidence-snapshot", "GET"): READ,
    ("webhooks-api:webhook-list", "GET"): WEBHOOKS,
    ("webhooks-api:webhook-list", "POST"): WEBHOOKS,
    ("webhooks-api:webhook-detail", "GET"): WEBHOOKS,
    ("webhooks-api:webhook-detail", "PATCH"): WEBHOOKS,
    ("webhooks-api:webhook-detail", "DELETE"): WEBHOOKS,
    ("webhooks-api:webhook-test", "POST"): WEBHOOKS,
    ("webhooks-api:webhook-deliveries", "GET"): WEBHOOKS,
    ("webhooks-api:webhook-redeliver", "POST"): WEBHOOKS,
    ("digests-api:my-digest", "GET"): READ,
    ("digests-api:my-digest", "PUT"): READ,
}


def api_routes() -> Iterator[tuple[str, str, type]]:
    """(name, path with ids filled in, view class) of every route under /api/v1/."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str, Any]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern.callback

    for name, route, callback in walk(get_resolver().url_patterns, "/", ""):
        if route.startswith("/api/v1/"):
            yield name, re.sub(r"<int:\w+>", "999999", route), callback.view_class


def methods_of(view_class: type) -> list[str]:
    names = getattr(view_class, "http_method_names", [])
    return [m.upper() for m in names if m not in ("options", "head") and hasattr(view_class, m)]


ROUTES = {(name, method): (path, view) for name, path, view in api_routes() for method in methods_of(view)}


def test_the_table_names_every_api_endpoint() -> None:
    assert sorted(ROUTES) == sorted(ENDPOINTS)


@pytest.mark.parametrize(("name", "method"), sorted(ENDPOINTS))
def test_each_endpoint_asks_for_the_scope_in_the_table(name: str, method: str) -> None:
    _, view = ROUTES[(name, method)]
    assert required_scope(view, method) == ENDPOINTS[(name, method)]


def test_an_endpoint_without_a_declaration_reads_with_claims_read_and_refuses_keys_otherwise() -> None:
    class Undeclared:
        pass

    assert required_scope(Undeclared, "GET") == READ
    assert [required_scope(Undeclared, m) for m in ("POST", "PUT", "PATCH", "DELETE")] == [None] * 4


# --- Scopes seen from both sides


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> None:
    """A fresh cache per test, so request counters from other tests never throttle these."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(uuid.uuid4())}
    }


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def send(client: APIClient, method: str, path: str) -> Any:
    return getattr(client, method.lower())(path, {}, format="json") if method != "GET" else client.get(path)


@pytest.fixture
def key_for(admin_user: User) -> Callable[[list[str]], APIClient]:
    """A personal key of an admin (whose role allows everything) holding exactly these scopes."""

    def make(held: list[str]) -> APIClient:
        _, key = create_integration(name=f"ada-{uuid.uuid4().hex[:8]}", username="ada", scopes=held)
        return bearer(key)

    return make


@pytest.mark.parametrize(("name", "method"), sorted(ENDPOINTS))
def test_a_key_with_the_scope_gets_through_and_one_without_gets_403_naming_it(
    name: str, method: str, key_for: Callable[[list[str]], APIClient]
) -> None:
    path, _ = ROUTES[(name, method)]
    scope = ENDPOINTS[(name, method)]
    assert scope is not None
    others = [s for s in scopes.SCOPES if s != scope]

    allowed = send(key_for([scope]), method, path)
    refused = send(key_for(others), method, path)

    assert allowed.status_code != 403, allowed.content
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert refused.json()["detail"] == f"This key lacks the scope {scope}."
    assert refused.json()["required_scope"] == scope


def test_a_person_logged_in_with_a_session_is_not_limited_by_scopes(admin_user: User) -> None:
    client = APIClient()
    client.force_login(admin_user)
    assert client.get("/api/v1/webhooks/").status_code == 200
    assert client.post("/api/v1/claims/next/").status_code == 204


def test_a_cms_key_by_default_writes_articles_and_reads_claims_only(cms_client: APIClient) -> None:
    assert Integration.objects.get(name="cms").scopes == [WRITE, READ]
    assert cms_client.get("/api/v1/claims/").status_code == 200
    assert cms_client.post("/api/v1/articles/", {"body": ""}, format="json").status_code == 400
    refused = cms_client.get("/api/v1/webhooks/")
    assert (refused.status_code, refused.json()["required_scope"]) == (403, WEBHOOKS)


def test_a_cms_key_lacking_claims_review_is_told_that_it_takes_a_reviewer(cms_client: APIClient) -> None:
    refused = cms_client.post("/api/v1/claims/next/")
    assert refused.json() == {
        "error": "forbidden",
        "detail": "This key lacks the scope claims:review.",
        "fields": {},
        "required_scope": REVIEW,
        "required_role": "reviewer",
    }


def test_the_scope_is_checked_before_the_body_is_validated(cms_client: APIClient) -> None:
    response = cms_client.post("/api/v1/claims/1/verdict/", "not json", content_type="application/json")
    assert (response.status_code, response.json()["required_scope"]) == (403, REVIEW)


# --- createapitoken


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_createapitoken_without_scopes_gives_a_cms_key_the_cms_defaults(db: None) -> None:
    key = run("createapitoken", "wire").split()[-1]
    integration = Integration.objects.get(name="wire")
    assert integration.scopes == [WRITE, READ]
    assert integration.key_prefix == key[:10]


def test_createapitoken_with_scopes_gives_exactly_those(db: None) -> None:
    run("createapitoken", "reader", "--scopes", "claims:read")
    assert Integration.objects.get(name="reader").scopes == [READ]
    bearer_refused = bearer(run("createapitoken", "writer", "--scopes", WRITE).split()[-1])
    assert bearer_refused.get("/api/v1/claims/").json()["required_scope"] == READ


@pytest.mark.parametrize(
    ("user_fixture", "expected"),
    [
        ("reviewer", [WRITE, READ, REVIEW]),
        ("editor", [WRITE, READ, REVIEW]),
        ("admin_user", [WRITE, READ, REVIEW, WEBHOOKS]),
    ],
)
def test_a_personal_key_gets_every_scope_its_persons_role_allows(
    user_fixture: str, expected: list[str], request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(user_fixture)
    run("createapitoken", "script", "--user", user.username)
    assert Integration.objects.get(name="script").scopes == expected


def test_a_person_without_a_role_gets_read_and_write_only(db: None) -> None:
    User.objects.create_user(username="visitor")
    run("createapitoken", "script", "--user", "visitor")
    assert Integration.objects.get(name="script").scopes == [WRITE, READ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scopes", "claims:read,claims:delete"], "Unknown scope"),
        (["--scopes", REVIEW], "not allowed for a key without a person"),
        (["--user", "ghost"], "No user named"),
        (["--expires", "0"], "at least one day"),
    ],
)
def test_createapitoken_refuses_bad_input(db: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("createapitoken", "bad", *args)
    assert not Integration.objects.filter(name="bad").exists()


@pytest.mark.parametrize(("username", "scope"), [("rita", WEBHOOKS), ("visitor", REVIEW)])
def test_a_personal_key_cannot_hold_a_scope_its_persons_role_does_not_allow(
    reviewer: User, username: str, scope: str
) -> None:
    User.objects.create_user(username="visitor")
    with pytest.raises(CommandError, match=f"{scope} not allowed for {username}'s role"):
        run("createapitoken", "script", "--user", username, "--scopes", f"claims:read,{scope}")


def test_createapitoken_exits_non_zero_on_a_bad_scope(db: None) -> None:
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "createapitoken", "bad", "--scopes", "nope"]).execute()
    assert exit_info.value.code != 0


# --- Expiry, revocation, rotation


def test_a_key_stops_working_when_it_expires_with_a_401_that_says_so(db: None) -> None:
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        key = run("createapitoken", "temp", "--expires", "7").split()[-1]
    with time_machine.travel(datetime(2026, 3, 8, 8, 59, tzinfo=UTC), tick=False):
        assert bearer(key).get("/api/v1/claims/").status_code == 200
    with time_machine.travel(datetime(2026, 3, 8, 9, 0, tzinfo=UTC), tick=False):
        response = bearer(key).get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json()["detail"] == "This API key expired on 2026-03-08 09:00 UTC."


@pytest.mark.parametrize("by", ["name", "prefix"])
def test_revokeapitoken_by_name_or_prefix_stops_the_key_with_a_401_that_says_so(db: None, by: str) -> None:
    key = run("createapitoken", "wire").split()[-1]
    assert bearer(key).get("/api/v1/claims/").status_code == 200

    output = run("revokeapitoken", "wire" if by == "name" else key[:10])

    assert "is revoked" in output
    response = bearer(key).get("/api/v1/claims/")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"
    assert response.json()["detail"].startswith("This API key was revoked on ")
    assert Integration.objects.get(name="wire").revoked_at is not None


def test_revokeapitoken_of_an_unknown_key_fails(db: None) -> None:
    with pytest.raises(CommandError, match="No integration named"):
        run("revokeapitoken", "fck_nothing")


def test_an_unknown_key_is_a_401(db: None) -> None:
    response = bearer("fck_not-a-key").get("/api/v1/claims/")
    assert (response.status_code, response.json()["detail"]) == (401, "Invalid API key.")


def test_rotation_keeps_the_old_key_for_the_grace_period_and_no_longer(db: None, settings: Any) -> None:
    settings.ROTATION_GRACE_HOURS = 24
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        old = run("createapitoken", "wire").split()[-1]
        output = run("rotateapitoken", "wire")
    new = output.split()[-1]
    assert new != old
    assert "works until 2026-03-02 09:00 UTC" in output

    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert bearer(old).get("/api/v1/claims/").status_code == 200
        assert bearer(new).get("/api/v1/claims/").status_code == 200
    with time_machine.travel(start + timedelta(hours=24), tick=False):
        refused = bearer(old).get("/api/v1/claims/")
        assert bearer(new).get("/api/v1/claims/").status_code == 200
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_revoking_a_rotated_key_also_ends_the_previous_keys_grace(db: None) -> None:
    old = run("createapitoken", "wire").split()[-1]
    new = run("rotateapitoken", "wire").split()[-1]
    run("revokeapitoken", "wire")
    assert [bearer(k).get("/api/v1/claims/").status_code for k in (old, new)] == [401, 401]


def test_a_revoked_key_cannot_be_rotated(db: None) -> None:
    run("createapitoken", "wire")
    run("revokeapitoken", "wire")
    with pytest.raises(CommandError, match="revoked"):
        run("rotateapitoken", "wire")


def test_listapitokens_shows_every_key_but_never_the_key_itself(reviewer: User) -> None:
    cms_key = run("createapitoken", "wire", "--expires", "30").split()[-1]
    rita_key = run("createapitoken", "rita-script", "--user", "rita").split()[-1]
    run("revokeapitoken", "rita-script")

    lines = run("listapitokens").splitlines()

    assert lines[0].split() == [
        "name",
        "prefix",
        "scopes",
        "user",
        "created",
        "last",
        "used",
        "expires",
        "revoked",
    ]
    assert lines[1].split()[:4] == [
        "rita-script",
        rita_key[:10],
        "articles:write,claims:read,claims:review",
        "rita",
    ]
    assert lines[2].split()[:4] == ["wire", cms_key[:10], "articles:write,claims:read", "-"]
    assert all(key not in line for line in lines for key in (cms_key, rita_key))


# --- Last use


def test_last_used_at_is_written_at_most_once_a_minute(db: None) -> None:
    key = run("createapitoken", "wire").split()[-1]
    client = bearer(key)
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def updates(at: datetime, requests: int) -> int:
        with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as queries:
            for _ in range(requests):
                assert client.get("/api/v1/claims/").status_code == 200
        return sum('UPDATE "integrations_integration"' in q["sql"] for q in queries.captured_queries)

    assert updates(start, 5) == 1
    assert updates(start + timedelta(seconds=59), 5) == 0
    assert updates(start + timedelta(seconds=60), 5) == 1
    assert Integration.objects.get(name="wire").last_used_at == start + timedelta(seconds=60)


# --- The Django admin


@pytest.fixture
def admin_client_(admin_user: User) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    return client


def shown_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_admin_lists_prefix_scopes_and_last_use(admin_client_: Any) -> None:
    _, key = create_integration(name="wire")
    page = admin_client_.get("/admin/integrations/integration/").content.decode()
    assert key[:10] in page
    assert "articles:write, claims:read" in page
    assert key not in page


def test_the_admin_creates_a_key_and_shows_it_once(admin_client_: Any, reviewer: User) -> None:
    form = {
        "name": "rita-script",
        "person": reviewer.pk,
        "granted_scopes": [READ, REVIEW],
        "expires_days": 30,
    }
    response = admin_client_.post("/admin/integrations/integration/add/", form, follow=True)
    (message,) = [m for m in shown_messages(response) if "API key is" in m]
    key = message.split()[-1]
    integration = Integration.objects.get(name="rita-script")
    assert (integration.user, integration.scopes) == (reviewer, [READ, REVIEW])
    assert integration.expires_at is not None
    assert bearer(key).get("/api/v1/claims/").status_code == 200


def test_the_admin_refuses_a_scope_the_persons_role_does_not_allow(
    admin_client_: Any, reviewer: User
) -> None:
    form = {"name": "rita-script", "person": reviewer.pk, "granted_scopes": [WEBHOOKS]}
    response = admin_client_.post("/admin/integrations/integration/add/", form)
    assert response.status_code == 200
    assert "not allowed for rita" in response.content.decode()
    assert not Integration.objects.filter(name="rita-script").exists()


def test_the_admin_rotates_showing_the_new_key_once_and_revokes(admin_client_: Any) -> None:
    integration, old = create_integration(name="wire")
    changelist = "/admin/integrations/integration/"
    chosen = {"_selected_action": [integration.pk]}

    rotated = admin_client_.post(changelist, {"action": "rotate", **chosen}, follow=True)
    (message,) = [m for m in shown_messages(rotated) if "new API key" in m]
    new = message.split("new API key ")[1].split()[0]
    assert [bearer(k).get("/api/v1/claims/").status_code for k in (old, new)] == [200, 200]

    admin_client_.post(changelist, {"action": "revoke", **chosen}, follow=True)
    assert [bearer(k).get("/api/v1/claims/").status_code for k in (old, new)] == [401, 401]
