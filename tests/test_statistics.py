"""The statistics page: a week of a desk's work, and its numbers against a direct count of the claims."""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.test import Client

from claims import events, review, tallies, workflow
from claims.actors import Actor
from claims.curation import do_merge_claims
from claims.models import Appearance, Article, Claim, Verdict

Status = Claim.Status
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAST_DAY = date(2026, 3, 8)

LEDGER = (
    "Unemployment fell to 3.5% in March, the statistics office said on Monday.\n\n"
    "Exports of wheat rose by 42% to $12 billion last year, the trade ministry said.\n\n"
    "The city built 1,250 new homes in 2025, twice as many as in 2024, the mayor said."
)
POST = (
    "Unemployment fell to 3.5% in March, the statistics office said on Monday.\n\n"
    "Hospital waiting lists grew by 18% to 640,000 patients in January, the health service reported."
)


def on(day: int, hour: int = 10) -> time_machine.travel:
    """A moment of the desk's week: day 0 is Monday 2 March 2026."""
    return time_machine.travel(START + timedelta(days=day, hours=hour - 9), tick=False)


def count_statistics() -> None:
    events.dispatch(names=[tallies.CONSUMER])


def live_by_status() -> dict[str, int]:
    rows = Claim.objects.filter(merged_into__isnull=True).values_list("status").annotate(n=Count("id"))
    return {status: n for status, n in rows.order_by()}


def claim_saying(text: str) -> Claim:
    return Claim.objects.get(text__startswith=text, merged_into__isnull=True)


@pytest.fixture
def week(
    ingest: Callable[..., Article], reviewer: User, editor: User, editor2: User
) -> dict[date, dict[str, int]]:
    """A week of a desk's work; returns the live claims by status at the end of each day, counted directly."""
    rita, edna, eddie = Actor(user=reviewer), Actor(user=editor), Actor(user=editor2)
    ends: dict[date, dict[str, int]] = {}

    def close(day: int) -> None:
        count_statistics()
        ends[(START + timedelta(days=day)).date()] = live_by_status()

    def check(claim: Claim, rating: str, by: Actor, approver: Actor) -> None:
        workflow.do_take(claim_id=claim.pk, version=None, actor=by)
        review.do_add_evidence(
            claim_id=claim.pk, actor=by, url="https://data.example.org/t.csv", primary=True
        )
        review.do_propose_verdict(
            claim_id=claim.pk,
            version=None,
            value=None,
            rating=rating,
            rationale="The table says so.",
            actor=by,
        )
        review.do_approve_verdict(claim_id=claim.pk, version=None, actor=approver)

    with on(0):
        ingest(LEDGER, outlet="Daily Ledger", published_at=START - timedelta(days=1))
    close(0)
    with on(1):
        ingest(POST, outlet="Morning Post", published_at=START + timedelta(days=1))
    close(1)
    jobs, wheat = claim_saying("Unemployment fell"), claim_saying("Exports of wheat")
    homes, waits = claim_saying("The city built"), claim_saying("Hospital waiting")
    with on(2):
        workflow.do_take(claim_id=jobs.pk, version=None, actor=rita)
    close(2)
    with on(3):
        review.do_add_evidence(
            claim_id=jobs.pk, actor=rita, url="https://stats.example.org/u.csv", primary=True
        )
        review.do_propose_verdict(
            claim_id=jobs.pk, version=None, value=None, rating="false", rationale="It rose.", actor=rita
        )
        workflow.do_dismiss(claim_id=wheat.pk, version=None, reason="A forecast, not checkable.", actor=edna)
    close(3)
    with on(4):
        review.do_approve_verdict(claim_id=jobs.pk, version=None, actor=eddie)
        check(homes, "mostly-true", rita, edna)
    close(4)
    with on(5):
        workflow.do_reopen(claim_id=wheat.pk, version=None, reason="It is checkable after all.", actor=edna)
        do_merge_claims(source_id=waits.pk, target_id=homes.pk, actor=edna)
    close(5)
    with on(6):
        check(wheat, "misleading", edna, eddie)
    close(6)
    return ends


@pytest.fixture
def edna(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client


def statistics_csv(client: Client, query: str = "") -> list[dict[str, str]]:
    with on(6, hour=18):
        response = client.get(f"/stats.csv?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_backlog_on_each_day_is_what_the_claims_were_at_that_days_end(
    week: dict[date, dict[str, int]], edna: Client
) -> None:
    rows = {row["day"]: row for row in statistics_csv(edna)}

    assert len(rows) == 30 and max(rows) == LAST_DAY.isoformat()
    for day, counted in week.items():
        row = rows[day.isoformat()]
        for status in Status.values:
            assert int(row[status]) == counted.get(status, 0), (day, status)
        open_claims = sum(counted.get(s, 0) for s in (Status.NEW, Status.IN_REVIEW, Status.AWAITING_APPROVAL))
        assert int(row["backlog"]) == open_claims
    assert int(rows["2026-02-28"]["backlog"]) == 0  # before the first article came in


def test_verdicts_and_ratings_per_day_are_the_approved_verdicts(
    week: dict[date, dict[str, int]], edna: Client
) -> None:
    rows = {row["day"]: row for row in statistics_csv(edna)}
    approved = Verdict.objects.filter(state=Verdict.State.APPROVED).annotate(day=TruncDate("decided_at"))

    for day, value, n in approved.values_list("day", "value").annotate(n=Count("id")).order_by():
        assert int(rows[day.isoformat()][f"verdicts_{value}"]) == n
    for day, rating, n in approved.values_list("day", "rating__name").annotate(n=Count("id")).order_by():
        assert int(rows[day.isoformat()][f"rating_{rating}"]) == n
    assert sum(int(row["verdicts"]) for row in rows.values()) == approved.count() == 3
    assert rows["2026-03-06"]["verdicts_disputed"] == "1" and rows["2026-03-06"]["verdicts_verified"] == "1"


def test_the_median_time_to_verdict_is_measured_from_when_the_news_first_carried_the_claim(
    week: dict[date, dict[str, int]], edna: Client
) -> None:
    approved = Verdict.objects.filter(state=Verdict.State.APPROVED).select_related("claim")
    waits = [
        (v.decided_at - v.claim.first_seen).total_seconds() / 86400
        for v in approved
        if v.decided_at and v.claim.first_seen
    ]
    assert len(waits) == 3

    with on(6, hour=18):
        page = edna.get("/stats/").content.decode()

    median = re.search(r'data-median-days="([0-9.]+)"', page)
    assert median and float(median.group(1)) == pytest.approx(statistics.median(waits), abs=0.01)
    assert "Median days from first seen to verdict, per week" in page


def test_claims_per_outlet_and_found_per_day_match_the_claims_as_they_are(
    week: dict[date, dict[str, int]], edna: Client
) -> None:
    outlets = {
        name: n
        for name, n in Appearance.objects.filter(current=True, claim__merged_into__isnull=True)
        .values_list("article__outlet__name")
        .annotate(n=Count("claim", distinct=True))
        .order_by()
    }
    assert outlets == {"Daily Ledger": 3, "Morning Post": 2}  # the merged claim moved to the Ledger's

    listed = {row["outlet"]: int(row["claims"]) for row in statistics_csv(edna, "table=outlets")}
    found = {row["day"]: int(row["found"]) for row in statistics_csv(edna)}

    assert listed == outlets
    live = Claim.objects.filter(merged_into__isnull=True).exclude(origin=Claim.Origin.IMPORTED)
    for day, n in (
        live.annotate(day=TruncDate("first_seen")).values_list("day").annotate(n=Count("id")).order_by()
    ):
        assert found[day.isoformat()] == n
    assert sum(found.values()) == live.count() == 3


def test_the_page_draws_each_chart_as_svg_and_lists_the_most_repeated_claim(
    week: dict[date, dict[str, int]], edna: Client
) -> None:
    with on(6, hour=18):
        page = edna.get("/stats/").content.decode()

    for title in (
        "Backlog by status per day, last 30 days",
        "Verdicts per day, last 30 days: 3 in all",
        "Claims found per day, last 30 days: 3 in all",
        "Ratings given, last 30 days",
        "Claims by status now",
        "Claims per outlet (top 10)",
    ):
        assert f'<svg role="img" aria-label="{title}' in page, title
    assert 'data-label="Misleading" data-value="1"' in page
    assert 'data-label="Daily Ledger" data-value="3"' in page
    jobs = claim_saying("Unemployment fell")
    assert re.search(rf'<li data-claim="{jobs.pk}">.*?2 articles, 2 outlets', page, re.S)
    assert '<a href="/stats.csv?days=30">per day (CSV)</a>' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "pages load nothing from other hosts"


def test_ninety_days_can_be_chosen_and_anything_else_means_thirty(
    week: dict[date, dict[str, int]], edna: Client
) -> None:
    assert len(statistics_csv(edna, "days=90")) == 90
    assert len(statistics_csv(edna, "days=7")) == 30
    with on(6, hour=18):
        page = edna.get("/stats/?days=90").content.decode()
    assert '<strong aria-current="page">last 90 days</strong>' in page
    assert "Backlog by status per day, last 90 days" in page


def test_counting_an_event_twice_changes_nothing_and_a_rebuild_gives_the_same_numbers(
    week: dict[date, dict[str, int]], edna: Client
) -> None:
    before = statistics_csv(edna)
    events_so_far = list(events.ClaimEvent.objects.order_by("pk"))

    tallies.tally_events(events_so_far)  # a batch delivered again
    assert statistics_csv(edna) == before

    out = io.StringIO()
    call_command("rebuild_statistics", stdout=out)
    assert f"from {len(events_so_far)} events" in out.getvalue()
    assert statistics_csv(edna) == before
    assert tallies.events_behind() == 0


def test_the_page_takes_a_fixed_handful_of_queries(
    week: dict[date, dict[str, int]], edna: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):
        assert edna.get("/stats/?days=90").status_code == 200


def test_the_page_says_when_the_latest_changes_are_not_counted_yet(
    ingest: Callable[..., Article], edna: Client
) -> None:
    with on(0):
        ingest(LEDGER, outlet="Daily Ledger")
    claim = claim_saying("Unemployment fell")
    workflow.do_dismiss(
        claim_id=claim.pk, version=None, reason="No.", actor=Actor(user=User.objects.get(username="edna"))
    )

    assert "still being counted" in edna.get("/stats/").content.decode()
    count_statistics()
    assert "still being counted" not in edna.get("/stats/").content.decode()


def test_a_status_bar_links_to_the_queue_filtered_by_that_status(
    week: dict[date, dict[str, int]], edna: Client
) -> None:
    with on(6, hour=18):
        page = edna.get("/stats/").content.decode()
    assert '<a href="/?status=verified">' in page
