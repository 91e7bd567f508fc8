"""Request rates per key and per person, the stricter rate of the similar-claims lookup, login lockout."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from integrations.services import create_integration

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> None:
    """A fresh cache per test: counters start at zero and nothing leaks into other tests."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(uuid.uuid4())}
    }


@pytest.fixture
def tiny_rate(settings: Any) -> None:
    settings.API_THROTTLE_RATE = "3/min"


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def statuses(client: APIClient, path: str, times: int) -> list[int]:
    return [client.get(path).status_code for _ in range(times)]


@time_machine.travel(START, tick=False)
def test_a_key_over_its_rate_gets_429_with_retry_after_and_the_error_body(
    cms_client: APIClient, tiny_rate: None
) -> None:
    assert statuses(cms_client, "/api/v1/claims/", 3) == [200, 200, 200]

    response = cms_client.get("/api/v1/claims/")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "error": "throttled",
        "detail": "Too many requests. Try again in 60 s.",
        "fields": {},
    }


def test_the_budget_comes_back_when_the_window_has_passed(cms_client: APIClient, tiny_rate: None) -> None:
    with time_machine.travel(START, tick=False):
        assert statuses(cms_client, "/api/v1/claims/", 4) == [200, 200, 200, 429]
    with time_machine.travel(START + timedelta(seconds=40), tick=False):
        assert cms_client.get("/api/v1/claims/")["Retry-After"] == "20"
    with time_machine.travel(START + timedelta(seconds=61), tick=False):
        assert cms_client.get("/api/v1/claims/").status_code == 200


@time_machine.travel(START, tick=False)
def test_each_key_and_each_person_has_a_budget_of_its_own(
    editor: User, reviewer: User, client_for: Any, tiny_rate: None
) -> None:
    first = bearer(create_integration(name="one")[1])
    second = bearer(create_integration(name="two")[1])
    edna, rita = client_for(editor), client_for(reviewer)

    assert statuses(first, "/api/v1/claims/", 4) == [200, 200, 200, 429]
    assert statuses(second, "/api/v1/claims/", 4) == [200, 200, 200, 429]
    assert statuses(edna, "/api/v1/claims/", 4) == [200, 200, 200, 429]
    assert statuses(rita, "/api/v1/claims/", 1) == [200]


@time_machine.travel(START, tick=False)
def test_writes_count_against_the_same_budget(cms_client: APIClient, tiny_rate: None) -> None:
    for _ in range(3):
        cms_client.post("/api/v1/articles/", {"body": ""}, format="json")
    assert cms_client.post("/api/v1/articles/", {"body": "x"}, format="json").status_code == 429


@time_machine.travel(START, tick=False)
def test_the_similar_lookup_has_a_stricter_rate_of_its_own(cms_client: APIClient, settings: Any) -> None:
    settings.API_SIMILAR_THROTTLE_RATE = "2/min"
    # Without text the view answers 400 at once: the counting is what is under test, not the model.
    assert statuses(cms_client, "/api/v1/claims/similar/", 3) == [400, 400, 429]
    assert cms_client.get("/api/v1/claims/").status_code == 200


def settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("API_")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.API_THROTTLE_RATE, s.API_SIMILAR_THROTTLE_RATE)",
        ],
        env={**clean, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env},
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        timeout=60,
    )


def test_the_default_rates_are_generous_and_the_similar_one_stricter() -> None:
    assert settings_in_a_fresh_process().stdout.split() == ["600/min", "60/min"]


@pytest.mark.parametrize("name", ["API_THROTTLE_RATE", "API_SIMILAR_THROTTLE_RATE"])
@pytest.mark.parametrize("value", ["lots", "600", "600/fortnight", "0/min"])
def test_a_bad_rate_stops_the_server_at_startup(name: str, value: str) -> None:
    result = settings_in_a_fresh_process(**{name: value})
    assert result.returncode != 0
    assert f"{name} must look like 600/min" in result.stderr


# --- Login lockout


def login(username: str, password: str, address: str = "10.0.0.1") -> Any:
    return Client(REMOTE_ADDR=address).post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def logged_in(response: Any) -> bool:
    return response.status_code == 302


@pytest.fixture
def lockout(settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15


def test_a_right_password_logs_in(editor: User, lockout: None) -> None:
    assert logged_in(login("edna", "pw-edna"))


def test_failures_for_one_account_lock_it_from_every_address_for_the_cool_off(
    editor: User, lockout: None
) -> None:
    with time_machine.travel(START, tick=False):
        for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
            assert not logged_in(login("edna", "guess", address))
        assert not logged_in(login("edna", "pw-edna", "10.0.0.9"))
    with time_machine.travel(START + timedelta(minutes=14), tick=False):
        assert not logged_in(login("edna", "pw-edna", "10.0.0.9"))
    # The cool-off runs from the last counted failure.
    with time_machine.travel(START + timedelta(minutes=15, seconds=1), tick=False):
        assert logged_in(login("edna", "pw-edna", "10.0.0.9"))


def test_failures_from_one_address_lock_it_for_every_account(
    editor: User, reviewer: User, lockout: None
) -> None:
    for username in ("edna", "ghost", "nobody"):
        assert not logged_in(login(username, "guess", "10.6.6.6"))
    assert not logged_in(login("rita", "pw-rita", "10.6.6.6"))
    assert logged_in(login("rita", "pw-rita", "10.0.0.2"))


def test_a_successful_login_clears_the_accounts_count(editor: User, lockout: None) -> None:
    for _ in range(2):
        assert not logged_in(login("edna", "guess", "10.0.0.1"))
    assert logged_in(login("edna", "pw-edna", "10.0.0.2"))
    for _ in range(2):
        assert not logged_in(login("edna", "guess", "10.0.0.3"))
    assert logged_in(login("edna", "pw-edna", "10.0.0.4"))


def test_the_admin_login_is_locked_the_same_way(admin_user: User, lockout: None) -> None:
    for _ in range(3):
        Client(REMOTE_ADDR="10.0.0.1").post("/admin/login/", {"username": "ada", "password": "guess"})
    response = Client(REMOTE_ADDR="10.0.0.5").post("/admin/login/", {"username": "ada", "password": "pw-ada"})
    assert response.status_code == 200  # the form again, not the redirect into the admin
