"""Command-line entry points: ingest, createapitoken, adduser."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from claims.models import Appearance, Article, Claim
from integrations.models import Integration


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def on_commit(transactional_db):
    """Real commits, so extraction queued on commit runs as it does in production."""


def test_ingesting_the_seed_folder_reports_each_article(db, on_commit, settings):
    output = run("ingest", str(settings.BASE_DIR / "seeds"))
    assert output.count("created") == 5
    assert "Ingested 5 of 5 files." in output
    assert Article.objects.filter(extraction_status="done").count() == 5
    assert Claim.objects.count() >= 20


def test_ingesting_the_same_files_twice_duplicates_nothing(db, on_commit, settings):
    run("ingest", str(settings.BASE_DIR / "seeds"))
    counts = (Article.objects.count(), Claim.objects.count(), Appearance.objects.count())
    output = run("ingest", str(settings.BASE_DIR / "seeds"))
    assert output.count("unchanged") == 5
    assert (Article.objects.count(), Claim.objects.count(), Appearance.objects.count()) == counts


def test_json_files_use_the_api_fields(db, on_commit, tmp_path: Path):
    path = tmp_path / "feed.json"
    path.write_text(
        json.dumps(
            [
                {
                    "external_id": "a-1",
                    "outlet": "Wire",
                    "title": "Rates",
                    "body": "Inflation rose to 4.5% in May.",
                },
                {"external_id": "a-2", "body": "<p>Exports fell 3% in June.</p>", "format": "html"},
            ]
        )
    )
    run("ingest", str(path))
    article = Article.objects.get(external_id="a-1")
    assert article.outlet is not None and article.outlet.name == "Wire"
    assert Article.objects.get(external_id="a-2").format == "html"


def test_a_non_utf8_file_is_refused_with_a_clear_message(db, tmp_path: Path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Le président a déclaré que le chômage était à 7 %.".encode("latin-1"))
    with pytest.raises(CommandError, match="could not be ingested"):
        run("ingest", str(path))
    assert Article.objects.count() == 0


def test_one_bad_file_does_not_stop_the_others(db, on_commit, tmp_path: Path):
    (tmp_path / "good.txt").write_text("Unemployment fell to 3.9% in April, the ministry said.")
    (tmp_path / "bad.json").write_text("{oops")
    err = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("ingest", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "invalid JSON" in err.getvalue()
    assert Article.objects.count() == 1


def test_a_missing_path_is_an_error(db):
    with pytest.raises(CommandError, match="no such file"):
        run("ingest", "/nonexistent/article.txt")


def test_unknown_json_fields_are_refused(db, tmp_path: Path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"body": "Text.", "headline": "x"}))
    with pytest.raises(CommandError):
        run("ingest", str(path))


def test_createapitoken_prints_a_working_key_as_its_last_word(db):
    key = run("createapitoken", "newsroom-cms").split()[-1]
    integration = Integration.objects.get(name="newsroom-cms")
    assert key not in integration.key_hash
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/claims/").status_code == 200


def test_createapitoken_refuses_a_duplicate_name(db):
    run("createapitoken", "cms")
    with pytest.raises(CommandError, match="already exists"):
        run("createapitoken", "cms")


def test_adduser_prints_a_generated_password(db):
    output = run("adduser", "nina", "--role", "reviewer")
    password = output.split()[-1]
    client = APIClient()
    assert client.login(username="nina", password=password)
