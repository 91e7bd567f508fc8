"""Background extraction that loses nothing: failures are readable, nothing stays running,
stale work is swept back, hopeless work gives up, and a failed article can be retried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from claims import background, extraction, filing, ingest, sweeper, tasks
from claims.events import EventType
from claims.models import Appearance, Article, Claim, ClaimEvent

BODY = (
    "Exports rose 4% in May, the statistics office said on Tuesday.\n\n"
    "The finance minister said inflation would fall below 3% next year."
)


@pytest.fixture
def stored(db: None, django_capture_on_commit_callbacks: Any) -> Callable[..., Article]:
    """An article stored as the API stores it, its extraction not run yet (as when the broker is down)."""

    def store(body: str = BODY, **fields: Any) -> Article:
        with django_capture_on_commit_callbacks(execute=False):
            result = ingest.do_ingest_article(data=ingest.ArticleInput(body=body, **fields))
        return result.article

    return store


def run_task(article: Article) -> Any:
    """Run the task in-process as a worker would (a retry runs at once; its outcome is returned)."""
    from factcheck.celery import app

    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False  # eager retries re-apply with this setting, not with throw=
    try:
        return tasks.extract_article.apply(args=(article.pk, article.revision), throw=False).result
    finally:
        app.conf.task_eager_propagates = propagates


def reloaded(article: Article) -> Article:
    return Article.objects.get(pk=article.pk)


# --- The task never leaves an article running


def test_an_extractor_crash_fails_the_article_with_a_readable_reason(
    stored: Callable[..., Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    article = stored()

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("unexpected markup")

    monkeypatch.setattr(extraction, "extract", crash)

    assert run_task(article) == "failed"

    article = reloaded(article)
    assert article.extraction_status == "failed"
    assert article.extraction_error == "extractor error: ValueError: unexpected markup"
    failed = ClaimEvent.objects.get(article=article, action=EventType.ARTICLE_FAILED)
    assert failed.from_status == "running"


def test_an_extraction_out_of_time_fails_instead_of_pinning_a_worker(
    stored: Callable[..., Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    article = stored()

    def slow(*args: Any, **kwargs: Any) -> Any:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(extraction, "extract", slow)

    assert run_task(article) == "failed"
    assert reloaded(article).extraction_error.startswith("Extraction took longer than")
    soft, hard = tasks.extract_article.soft_time_limit, tasks.extract_article.time_limit
    assert soft is not None and hard is not None and soft < hard


def test_database_errors_are_retried_then_fail_the_article(
    stored: Callable[..., Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    article = stored()
    calls: list[int] = []
    real = filing.do_extract_article

    def flaky(**kwargs: Any) -> Article:
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(filing, "do_extract_article", flaky)

    run_task(article)

    assert len(calls) == (tasks.extract_article.max_retries or 0) + 1
    article = reloaded(article)
    assert article.extraction_status == "failed"
    assert "kept failing: OperationalError" in article.extraction_error
    monkeypatch.setattr(filing, "do_extract_article", real)


def test_one_transient_error_is_retried_and_the_article_extracted(
    stored: Callable[..., Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    article = stored()
    real = filing.do_extract_article
    calls: list[int] = []

    def once_flaky(**kwargs: Any) -> Article:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        return real(**kwargs)

    monkeypatch.setattr(filing, "do_extract_article", once_flaky)

    run_task(article)
    assert len(calls) == 2
    assert reloaded(article).extraction_status == "done"


def test_retries_back_off_exponentially_with_jitter_below_the_visibility_timeout() -> None:
    from django.conf import settings

    for retries in range(8):
        waits = [tasks.retry_countdown(retries) for _ in range(50)]
        ceiling = min(tasks.RETRY_MAX_SECONDS, tasks.RETRY_BASE_SECONDS * 2**retries)
        assert all(0.5 * ceiling <= w <= ceiling for w in waits)
        assert len(set(waits)) > 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > tasks.RETRY_MAX_SECONDS


def test_a_task_that_keeps_killing_its_worker_is_given_up_with_the_reason_and_stays_given_up(
    stored: Callable[..., Article],
) -> None:
    from django.conf import settings

    article = stored()
    # Every earlier delivery died without a trace but the counter (a killed worker).
    Article.objects.filter(pk=article.pk).update(
        extraction_status="running", extraction_attempts=settings.EXTRACTION_MAX_ATTEMPTS
    )

    assert run_task(article) == "failed"
    given_up = reloaded(article).extraction_error
    # The broker hands out one more copy of the message: the poison is not run again.
    assert run_task(article) == "failed"

    article = reloaded(article)
    assert given_up.startswith(f"Gave up after {settings.EXTRACTION_MAX_ATTEMPTS} attempts")
    assert article.extraction_attempts == settings.EXTRACTION_MAX_ATTEMPTS + 2
    assert article.extraction_error.startswith("Gave up after")
    assert not Appearance.objects.filter(article=article).exists()


def test_a_duplicate_delivery_files_nothing_twice(stored: Callable[..., Article]) -> None:
    article = stored()

    assert run_task(article) == "done"
    claims, appearances = Claim.objects.count(), Appearance.objects.count()
    events = ClaimEvent.objects.count()
    assert run_task(article) == "done"

    assert (Claim.objects.count(), Appearance.objects.count(), ClaimEvent.objects.count()) == (
        claims,
        appearances,
        events,
    )
    assert reloaded(article).extraction_attempts == 1


def test_a_speaker_longer_than_its_column_is_cut_not_a_crash(
    stored: Callable[..., Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    article = stored()
    real = extraction.extract
    long_name = "Minister " + "Alexandros-" * 25 + "Papadopoulos"

    def with_long_speaker(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        result.sentences = [replace(s, speaker=long_name) for s in result.sentences]
        return result

    monkeypatch.setattr(extraction, "extract", with_long_speaker)

    assert run_task(article) == "done"
    assert {len(a.speaker) for a in Appearance.objects.filter(article=article)} == {filing.SPEAKER_MAX}
    assert all(len(c.speaker) == filing.SPEAKER_MAX for c in Claim.objects.all())


# --- The sweeper


def test_the_sweeper_queues_again_an_article_whose_message_was_lost(stored: Callable[..., Article]) -> None:
    article = stored()
    Article.objects.filter(pk=article.pk).update(extraction_since=timezone.now() - timedelta(minutes=11))

    result = sweeper.do_sweep_stale_articles()

    assert (result.requeued, result.failed) == (1, 0)
    assert reloaded(article).extraction_status == "done"  # tasks run in-process here


def test_the_sweeper_leaves_recent_work_alone(stored: Callable[..., Article]) -> None:
    article = stored()

    assert sweeper.do_sweep_stale_articles().requeued == 0
    assert reloaded(article).extraction_status == "pending"


def test_the_sweeper_fails_an_article_that_used_up_its_attempts(stored: Callable[..., Article]) -> None:
    from django.conf import settings

    article = stored()
    Article.objects.filter(pk=article.pk).update(
        extraction_status="running",
        extraction_attempts=settings.EXTRACTION_MAX_ATTEMPTS,
        extraction_since=timezone.now() - timedelta(hours=1),
    )

    result = sweeper.do_sweep_stale_articles()

    assert (result.requeued, result.failed) == (0, 1)
    assert reloaded(article).extraction_error.startswith("Gave up after")


def test_with_the_broker_still_down_the_sweeper_tries_again_next_time(
    stored: Callable[..., Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    article = stored()
    old = timezone.now() - timedelta(minutes=11)
    Article.objects.filter(pk=article.pk).update(extraction_since=old)

    def down(*args: Any) -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(background, "enqueue", down)
    assert sweeper.do_sweep_stale_articles().not_sent == 1
    assert reloaded(article).extraction_since == old

    monkeypatch.undo()
    assert sweeper.do_sweep_stale_articles().requeued == 1
    assert reloaded(article).extraction_status == "done"


@override_settings(EXTRACTION_STALE_SECONDS=0)
def test_beat_runs_the_sweeper_every_minute(stored: Callable[..., Article]) -> None:
    from django.conf import settings

    jobs = {job["task"]: job["schedule"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert jobs["claims.tasks.sweep_stale_articles"] == 60.0
    article = stored()
    assert tasks.sweep_stale_articles.apply().get() == {
        "requeued": 1,
        "failed": 0,
        "not_sent": 0,
        "waiting": 0,
        "jobs": 0,
    }
    assert reloaded(article).extraction_status == "done"


# --- Retrying a failed article


def failed_article(stored: Callable[..., Article]) -> Article:
    article = stored()
    Article.objects.filter(pk=article.pk).update(
        extraction_status="failed", extraction_error="extractor error: boom", extraction_attempts=5
    )
    return article


def test_an_editor_retries_a_failed_extraction_through_the_api(
    stored: Callable[..., Article],
    editor: User,
    client_for: Callable[[User], APIClient],
    django_capture_on_commit_callbacks: Any,
) -> None:
    article = failed_article(stored)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(f"/api/v1/articles/{article.pk}/retry/")

    assert response.status_code == 200, response.content
    assert response.json()["extraction_status"] == "pending"
    assert reloaded(article).extraction_status == "done"
    assert reloaded(article).extraction_attempts == 1
    requeued = ClaimEvent.objects.get(article=article, action=EventType.ARTICLE_REQUEUED)
    assert (requeued.actor, requeued.from_status) == (editor, "failed")
    assert "extractor error: boom" in requeued.reason


def test_an_integration_key_may_retry(stored: Callable[..., Article], cms_client: APIClient) -> None:
    article = failed_article(stored)

    assert cms_client.post(f"/api/v1/articles/{article.pk}/retry/").status_code == 200


@pytest.mark.parametrize(
    ("who", "status", "error"),
    [("reviewer", 403, "forbidden"), ("nobody", 401, "not_authenticated")],
)
def test_a_reviewer_or_a_stranger_may_not_retry(
    stored: Callable[..., Article], reviewer: User, who: str, status: int, error: str
) -> None:
    article = failed_article(stored)
    client = APIClient()
    if who == "reviewer":
        client.force_authenticate(user=reviewer)

    response = client.post(f"/api/v1/articles/{article.pk}/retry/")

    assert response.status_code == status
    assert reloaded(article).extraction_status == "failed"


def test_only_a_failed_extraction_can_be_retried(
    stored: Callable[..., Article], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    article = stored()
    client = client_for(editor)

    pending = client.post(f"/api/v1/articles/{article.pk}/retry/")
    missing = client.post("/api/v1/articles/999999/retry/")

    assert pending.status_code == 409
    assert "only a failed extraction" in pending.json()["detail"]
    assert missing.status_code == 404


def test_retry_failed_queues_every_failed_article_again(
    stored: Callable[..., Article],
    capsys: pytest.CaptureFixture[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, second = failed_article(stored), failed_article(lambda: stored(BODY.replace("4%", "6%")))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("retry_failed", "--since", "2020-01-01")

    out = capsys.readouterr().out
    assert "2 failed extraction(s) queued again." in out
    assert {reloaded(first).extraction_status, reloaded(second).extraction_status} == {"done"}


@pytest.mark.parametrize("since", ["last tuesday", "", "2026-13-45"])
def test_retry_failed_refuses_a_date_it_cannot_read(db: None, since: str) -> None:
    with pytest.raises(CommandError, match="--since must be a date"):
        call_command("retry_failed", "--since", since)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "Exports rose 4% in May, the office said.\x00 More text."}, "binary data"),
        ({"body": BODY * 200 + "\x00"}, "null character"),
        ({"body": BODY, "external_id": "x" * 256}, "external_id is longer than 255"),
        ({"body": BODY, "outlet": "Gazette" * 40}, "outlet is longer than 200"),
        ({"body": BODY, "title": "T\x00"}, "title contains a null character"),
    ],
)
def test_what_no_column_can_hold_is_refused_with_a_message_not_a_database_error(
    db: None, fields: dict[str, str], message: str
) -> None:
    from claims.errors import InvalidInput

    with pytest.raises(InvalidInput, match=message):
        ingest.do_ingest_article(data=ingest.ArticleInput(**fields))  # type: ignore[arg-type]
    assert not Article.objects.exists()


def test_a_long_file_name_is_refused_by_the_ingest_command_and_the_rest_ingested(
    db: None, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    (tmp_path / ("n" * 250 + ".txt")).write_text(BODY)
    (tmp_path / "ok.txt").write_text(BODY)

    with pytest.raises(CommandError), django_capture_on_commit_callbacks(execute=True):
        call_command("ingest", str(tmp_path))

    assert Article.objects.count() == 1


def test_an_editor_retries_a_failed_article_from_its_page(
    stored: Callable[..., Article], editor: User, reviewer: User, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client

    article = failed_article(stored)
    client = Client()
    client.force_login(reviewer)
    assert "Try the extraction again" not in client.get(f"/articles/{article.pk}/").content.decode()
    client.post(f"/articles/{article.pk}/retry/")
    assert reloaded(article).extraction_status == "failed"

    client.force_login(editor)
    page = client.get(f"/articles/{article.pk}/").content.decode()
    assert "extractor error: boom" in page and "Try the extraction again" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/articles/{article.pk}/retry/", follow=True)

    assert "Extraction queued again." in response.content.decode()
    assert reloaded(article).extraction_status == "done"
