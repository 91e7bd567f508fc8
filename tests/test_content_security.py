"""The dashboard runs only its own scripts: a Content-Security-Policy on every page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client


def test_every_dashboard_page_forbids_scripts_from_anywhere_but_the_site(
    editor: User, client: Client
) -> None:
    client.force_login(editor)

    for path in ("/", "/mine/", "/stats/", "/accounts/login/"):
        policy = client.get(path)["Content-Security-Policy"]
        assert "script-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_the_dashboard_templates_hold_no_inline_script_or_event_handler(settings: Any) -> None:
    import re
    from pathlib import Path

    templates = Path(settings.BASE_DIR, "templates")
    for path in templates.rglob("*.html"):
        if "emails" in path.parts:
            continue  # emails run no scripts at all
        html = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline <script> in {path}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler in {path}"


def test_the_swagger_page_and_json_answers_keep_their_own_headers(db: None) -> None:
    client = Client()
    assert "Content-Security-Policy" not in client.get("/api/docs/")
    assert "Content-Security-Policy" not in client.get("/healthz")
