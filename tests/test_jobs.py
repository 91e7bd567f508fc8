"""Re-extraction jobs: many articles extracted again in resumable chunks, verdicts kept, progress visible."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from claims import jobs
from claims.models import Article, Claim, ReextractionJob
from claims.status_guard import status_writes

ARTICLES = [
    "Exports rose {n}% in May, the statistics office said on Tuesday.",
    "The finance minister said inflation would fall below {n}% next year.",
    "Unemployment fell to {n}.5% in March, the lowest level since 2008, the agency said.",
]


@pytest.fixture
def corpus(ingest: Callable[..., Article]) -> list[Article]:
    return [ingest(ARTICLES[i % 3].format(n=i + 2), outlet="Wire" if i % 2 else "Daily") for i in range(5)]


@pytest.mark.django_db(transaction=True)
def test_reextract_all_runs_a_job_to_the_end_and_keeps_verdicts(
    corpus: list[Article], capsys: pytest.CaptureFixture[str]
) -> None:
    decided = Claim.objects.order_by("pk").first()
    assert decided is not None
    with status_writes():  # a verdict decided earlier, set up directly
        Claim.objects.filter(pk=decided.pk).update(
            status="verified", verdict="verified", verdict_at=timezone.now()
        )

    call_command("reextract", "--all", "--wait")  # committed: the job runs, then --wait sees it end

    job = ReextractionJob.objects.get()
    assert (job.state, job.total, job.done, job.failed) == ("done", 5, 5, 0)
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == str(job.pk)
    assert "5 re-extracted, 0 of them failed" in out[-2]
    decided.refresh_from_db()
    assert (decided.status, decided.verdict) == ("verified", "verified")
    assert all(a.extracted_at and a.extracted_at >= job.created_at for a in Article.objects.all())


def test_reextract_one_outlet_only(corpus: list[Article], django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reextract", "--outlet", "wire")

    job = ReextractionJob.objects.get()
    assert job.filter == {"outlet": "wire"} and job.total == job.done == 2


def test_reextract_since_a_date(corpus: list[Article], django_capture_on_commit_callbacks: Any) -> None:
    Article.objects.filter(pk__in=[a.pk for a in corpus[:3]]).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    since = (timezone.now() - timedelta(days=1)).date().isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("reextract", "--since", since)

    assert ReextractionJob.objects.get().total == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outlet", "Nowhere Gazette"], "No outlet named 'Nowhere Gazette'"),
        (["--since", "yesterday-ish"], "--since must be a date"),
        ([], "one of the arguments --all --since --outlet is required"),
    ],
)
def test_reextract_refuses_what_it_cannot_do(corpus: list[Article], args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("reextract", *args)
    assert not ReextractionJob.objects.exists()


def test_a_job_goes_on_where_it_stopped_after_a_restart(
    corpus: list[Article], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        job = jobs.do_create_job(job_filter={"all": True})  # its first task is lost
    assert jobs.do_run_chunk(job_id=job.pk, chunk_size=2) is True  # then the worker restarts
    job.refresh_from_db()
    assert (job.state, job.done, job.position) == ("running", 2, corpus[1].pk)

    ReextractionJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert jobs.do_resume_stalled_jobs() == 1  # beat's sweep; the tasks run in-process here

    job.refresh_from_db()
    assert (job.state, job.total, job.done, job.failed) == ("done", 5, 5, 0)


def test_a_chunk_handled_twice_is_counted_once(corpus: list[Article]) -> None:
    job = ReextractionJob.objects.create(filter={"all": True}, total=5)
    jobs.do_run_chunk(job_id=job.pk, chunk_size=2)
    job.refresh_from_db()
    # A second runner that read the same position handled the same chunk and reports it too.
    jobs._advance(job.pk, position=job.position, done=2, failed=0)

    job.refresh_from_db()
    assert job.done == 2


def test_the_api_shows_a_jobs_progress(
    corpus: list[Article], editor: User, client_for: Callable[[User], APIClient]
) -> None:
    job = ReextractionJob.objects.create(filter={"all": True}, total=5, done=2, state="running")
    client = client_for(editor)

    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    missing = client.get("/api/v1/jobs/999999/")

    assert (body["state"], body["total"], body["done"], body["progress"]) == ("running", 5, 2, 0.4)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_jobs_run_again_and_again_never_fail_a_good_article(
    corpus: list[Article], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    for _ in range(settings.EXTRACTION_MAX_ATTEMPTS + 2):  # an extractor upgraded many times over
        with django_capture_on_commit_callbacks(execute=True):
            call_command("reextract", "--outlet", "wire")

    wire = Article.objects.filter(outlet__name="Wire")
    assert [(a.extraction_status, a.extraction_attempts, a.extraction_error) for a in wire] == [
        ("done", 1, "")
    ] * 2
    assert all(job.failed == 0 for job in ReextractionJob.objects.all())


def test_a_job_that_moves_is_never_taken_for_stalled(corpus: list[Article]) -> None:
    job = ReextractionJob.objects.create(filter={"all": True}, total=5)
    ReextractionJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    jobs.do_run_chunk(job_id=job.pk, chunk_size=2)  # a chunk done: the job moved just now

    assert jobs.do_resume_stalled_jobs() == 0
    job.refresh_from_db()
    assert job.updated_at > timezone.now() - timedelta(minutes=1)
