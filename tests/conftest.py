"""Shared fixtures: a small fixed cast of users, API clients, and articles.

Tests marked ``postgres`` or ``redis`` need the real services, and tests marked
``browser`` need Debian's Chromium. They are skipped when the suite runs on SQLite
without a broker or a browser, unless FACTCHECK_REQUIRE_SERVICES=1 (as in CI),
where a missing service is a failure, not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from claims import ingest as ingest_service
from claims import roles
from claims.models import Appearance, Article, Claim, Outlet
from integrations.services import create_integration

REQUIRE_SERVICES = os.environ.get("FACTCHECK_REQUIRE_SERVICES") == "1"
# Where the browser tests keep their screenshots; the run's summary prints it.
ARTIFACTS = pytest.StashKey[Path]()
CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_broker = bool(settings.REDIS_URL)
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if REQUIRE_SERVICES:
                raise pytest.UsageError("FACTCHECK_REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "redis" in item.keywords and not has_broker:
            if REQUIRE_SERVICES:
                raise pytest.UsageError("FACTCHECK_REQUIRE_SERVICES=1 but REDIS_URL is not set")
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))
        if "browser" in item.keywords and not os.path.exists(CHROMIUM):
            if REQUIRE_SERVICES:
                raise pytest.UsageError(f"FACTCHECK_REQUIRE_SERVICES=1 but there is no browser at {CHROMIUM}")
            item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM}"))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    folder = config.stash.get(ARTIFACTS, None)
    if folder is not None:
        terminalreporter.write_line(f"browser screenshots: {folder}")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give each test run its own PostgreSQL test database, so parallel runs never collide."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=f"run{os.getpid()}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_tasks(settings: Any) -> None:
    """Unit tests run tasks in-process; the worker tests switch this off explicitly."""
    from factcheck.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _no_dispatch_pending() -> None:
    """No event dispatch marked pending (claims.events): a test whose fake broker held or lost the
    dispatch must not keep the next test's commits from queueing theirs."""
    from django.core.cache import cache

    from claims import events

    cache.delete(events.DISPATCH_PENDING_KEY)


def _user(username: str, role: str | None) -> User:
    user = User.objects.create_user(
        username=username, password="pw-" + username, email=f"{username}@example.org"
    )
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
        if role == roles.ADMIN:
            user.is_staff = user.is_superuser = True
            user.save()
    return user


@pytest.fixture
def reviewer(db: None) -> User:
    return _user("rita", roles.REVIEWER)


@pytest.fixture
def reviewer2(db: None) -> User:
    return _user("ravi", roles.REVIEWER)


@pytest.fixture
def editor(db: None) -> User:
    return _user("edna", roles.EDITOR)


@pytest.fixture
def editor2(db: None) -> User:
    return _user("eddie", roles.EDITOR)


@pytest.fixture
def admin_user(db: None) -> User:
    return _user("ada", roles.ADMIN)


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    """An API client logged in as a person (session auth, as the dashboard uses)."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def api_key(db: None) -> str:
    _, key = create_integration(name="cms")
    return key


@pytest.fixture
def cms_client(api_key: str) -> APIClient:
    """An API client authenticated the way the CMS is: a Bearer key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


SEED_DIR = settings.BASE_DIR / "seeds"


@pytest.fixture
def seed_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEED_DIR.glob("*.txt"))}


@pytest.fixture
def ingest(db: None, django_capture_on_commit_callbacks: Any) -> Callable[..., Article]:
    """Ingest an article through the service (extraction runs eagerly) and return it refreshed.

    Tests run inside a transaction that never commits, so the on-commit hook that
    queues extraction is executed explicitly here.
    """

    def do(body: str, **fields: Any) -> Article:
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest_service.do_ingest_article(data=ingest_service.ArticleInput(body=body, **fields))
        return Article.objects.get(pk=result.article.pk)

    return do


@pytest.fixture
def make_claim(db: None) -> Callable[..., Claim]:
    """A claim created directly, for workflow tests that do not need an article."""
    from claims.matching import fingerprint, normalize

    counter = {"n": 0}

    def make(text: str | None = None, **fields: Any) -> Claim:
        counter["n"] += 1
        text = text or f"Unemployment fell to {counter['n']}.5% in March, the statistics office said."
        fields.setdefault("score", 0.9)
        return Claim.objects.create(
            text=text, normalized_text=normalize(text), fingerprint=fingerprint(text), **fields
        )

    return make


def db_vendor() -> str:
    return connection.vendor


@pytest.fixture
def appear(db: None) -> Callable[..., Appearance]:
    """Put a claim into an article of an outlet, as extraction would."""
    articles: dict[str, Article] = {}

    def make(claim: Claim, outlet: str, **article_fields: Any) -> Appearance:
        if outlet not in articles:
            articles[outlet] = Article.objects.create(
                title=f"Report from {outlet}",
                outlet=Outlet.objects.get_or_create(name=outlet)[0],
                body="x",
                content_hash=outlet,
                text=claim.text,
                **article_fields,
            )
        article = articles[outlet]
        start = Appearance.objects.filter(article=article).count() * 1000
        appearance = Appearance.objects.create(
            claim=claim, article=article, article_revision=1, text=claim.text, start=start, end=start + 10
        )
        outlets = Outlet.objects.filter(articles__appearances__claim=claim).distinct().count()
        Claim.objects.filter(pk=claim.pk).update(
            appearance_count=claim.appearances.count(), outlet_count=outlets
        )
        return appearance

    return make


@pytest.fixture
def client_as(db: None) -> Callable[[User], Client]:
    """A browser-like Django test client logged in as a person (session auth, CSRF not enforced)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def flashes(response: Any) -> list[str]:
    """The flash messages a response carries (or, after a redirect, the page it led to)."""
    from django.contrib.messages import get_messages

    return [str(message) for message in get_messages(response.wsgi_request)]
