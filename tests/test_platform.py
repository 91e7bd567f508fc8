"""The platform pieces: health check, OpenAPI, deploy settings, the compose file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from rest_framework.test import APIClient


def test_healthz_reports_the_database(db):
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.redis
def test_healthz_reports_the_broker_when_configured(db):
    assert APIClient().get("/healthz").json()["broker"] == "ok"


def test_healthz_is_503_when_the_broker_is_down(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = APIClient().get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_the_openapi_schema_lists_the_article_and_claim_endpoints(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/articles/" in paths
    assert "/api/v1/claims/" in paths


def test_the_api_docs_page_loads_its_assets_locally(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A manage.py command with the production settings (not the test suite's)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_except_proxy_https_items(tmp_path):
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        STATIC_ROOT=str(tmp_path),
        DEBUG="0",
        SECRET_KEY="x" * 60 + "-production-like-secret-key-for-the-check",
        ALLOWED_HOSTS="news.example.org",
        # HTTPS items depend on the proxy in front; they have their own switches.
        SECURE_SSL_REDIRECT="1",
        SESSION_COOKIE_SECURE="1",
        CSRF_COOKIE_SECURE="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr


PRODUCTION = "x" * 60 + "-production-like-secret-key-for-the-check"


def test_debug_is_off_unless_it_is_set():
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "factcheck.settings", "SECRET_KEY": PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "False", result.stderr


def test_without_collected_static_files_the_server_refuses_to_start_and_says_how_to_fix_it(tmp_path):
    env = {"SECRET_KEY": PRODUCTION, "DEBUG": "0", "STATIC_ROOT": str(tmp_path)}
    check = _manage("check", "--deploy", **env)
    started = subprocess.run(
        [sys.executable, "-c", "import factcheck.wsgi"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode != 0 and "collectstatic" in check.stderr
    assert started.returncode != 0 and "collectstatic" in started.stderr


def test_debug_off_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**env, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "factcheck.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_bad_boolean_in_the_environment_fails_loudly():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_the_compose_file_follows_the_compose_specification():
    checker = os.path.join(os.path.dirname(sys.executable), "check-jsonschema")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(settings.BASE_DIR / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_stack_has_every_service():
    import yaml

    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"web", "worker", "beat", "postgres", "redis", "mailpit"}
    assert compose["services"]["postgres"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")
