"""The statistics page's reads: the desk's numbers over a period, from the tallies the log keeps.

Nothing here counts the claims table: the backlog, claims found and verdicts
come from ``claims.tally_models`` (kept by ``claims.tallies``), so a page over
a million claims costs the same few small queries as one over a hundred. The
two lists that read the tables directly use an index each (the most repeated
claims; articles waiting for extraction or failed).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Sum

from . import ratings
from .models import Article, Claim
from .tally_models import DayCount, OutletTally, VerdictSample

PERIODS = (30, 90)
DEFAULT_PERIOD = 30
# The statuses that make up the backlog: claims still waiting for the desk.
BACKLOG = (Claim.Status.NEW, Claim.Status.IN_REVIEW, Claim.Status.AWAITING_APPROVAL)
VERDICT_VALUES = (Claim.Status.VERIFIED, Claim.Status.DISPUTED)
DAY = 86400.0
UNFINISHED = (Article.Extraction.PENDING, Article.Extraction.RUNNING, Article.Extraction.FAILED)


@dataclass(frozen=True)
class RatingCount:
    name: str
    label: str
    leads_to: str
    n: int


@dataclass(frozen=True)
class WeekMedian:
    week: date  # its Monday
    days: float | None  # median days from first seen to verdict; None without verdicts
    verdicts: int


@dataclass(frozen=True)
class DeskStatistics:
    """The desk over the ``days`` ending today; ``per_status`` and friends have one value per day."""

    days: list[date]
    # Live claims in each status at the end of each day.
    per_status: dict[str, list[int]]
    # Live claims the news first carried each day (imported fact-checks aside).
    found: list[int]
    # Desk verdicts published each day, verified and disputed.
    verdicts: dict[str, list[int]]
    # Desk verdicts of each day by rating name ("" for a verdict without one).
    ratings_per_day: dict[str, list[int]]
    # Median days from first seen to verdict, of each day's verdicts (None on a day without).
    daily_median_days: list[float | None]
    median_days: float | None
    weekly_medians: list[WeekMedian]
    ratings: list[RatingCount]
    # Now, whatever the period.
    status_now: dict[str, int]
    outlets: list[tuple[str, int]]
    extraction_counts: dict[str, int]

    @property
    def first_day(self) -> date:
        return self.days[0]

    @property
    def verdict_total(self) -> int:
        return sum(sum(values) for values in self.verdicts.values())

    def backlog(self, day_index: int) -> int:
        return sum(self.per_status[status][day_index] for status in BACKLOG)


def period_of(value: str | None) -> int:
    """A period (days) from a query parameter; anything but a known one is the default."""
    return int(value) if value in {str(days) for days in PERIODS} else DEFAULT_PERIOD


def desk_statistics(
    *, today: date, days: int = DEFAULT_PERIOD, top_outlets: int | None = 10
) -> DeskStatistics:
    """The desk's numbers for the ``days`` days ending ``today``, in a handful of small queries."""
    first = today - timedelta(days=days - 1)
    span = [first + timedelta(days=i) for i in range(days)]
    index = {day: i for i, day in enumerate(span)}

    per_status, status_now = _status_history(first=first, today=today, index=index)
    found = [0] * days
    for day, n in DayCount.objects.filter(
        metric=DayCount.Metric.FOUND, day__gte=first, day__lte=today
    ).values_list("day", "n"):
        found[index[day]] += n

    verdicts: dict[str, list[int]] = {str(value): [0] * days for value in VERDICT_VALUES}
    by_rating: dict[str, int] = defaultdict(int)
    ratings_per_day: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    samples = VerdictSample.objects.filter(day__gte=first, day__lte=today).order_by()
    for day, value, rating, n in samples.values_list("day", "value", "rating").annotate(n=Count("pk")):
        if value in verdicts:
            verdicts[value][index[day]] += n
        by_rating[rating] += n
        ratings_per_day[rating][index[day]] += n
    daily, weekly, overall = _medians(first=first, today=today)

    outlets = OutletTally.objects.filter(claims__gt=0).order_by("-claims", "outlet__name")
    return DeskStatistics(
        days=span,
        per_status=per_status,
        found=found,
        verdicts=verdicts,
        ratings_per_day=dict(ratings_per_day),
        daily_median_days=[daily.get(day) for day in span],
        median_days=overall,
        weekly_medians=[
            WeekMedian(
                week=week, days=weekly.get(week, (None, 0))[0], verdicts=weekly.get(week, (None, 0))[1]
            )
            for week in sorted({day - timedelta(days=day.weekday()) for day in span})
        ],
        ratings=_rating_counts(by_rating),
        status_now=status_now,
        outlets=list(outlets.values_list("outlet__name", "claims")[:top_outlets]),
        # Only the articles still to do or failed: few, found by the index, where counting the
        # done ones would read the whole table on every load.
        extraction_counts=dict(
            Article.objects.filter(extraction_status__in=UNFINISHED)
            .values_list("extraction_status")
            .annotate(n=Count("id"))
            .order_by()
        ),
    )


def _status_history(
    *, first: date, today: date, index: dict[date, int]
) -> tuple[dict[str, list[int]], dict[str, int]]:
    """Live claims per status at the end of each day: everything before the period, then day by day."""
    changes = DayCount.objects.filter(metric=DayCount.Metric.STATUS)
    level = {status: 0 for status in Claim.Status.values}
    for status, total in changes.filter(day__lt=first).values_list("key").annotate(total=Sum("n")).order_by():
        level[status] = level.get(status, 0) + int(total or 0)
    daily: dict[tuple[str, int], int] = defaultdict(int)
    for status, day, n in changes.filter(day__gte=first, day__lte=today).values_list("key", "day", "n"):
        daily[(status, index[day])] += n
    per_status = {status: [0] * len(index) for status in level}
    for i in range(len(index)):
        for status in level:
            level[status] += daily.get((status, i), 0)
            per_status[status][i] = level[status]
    return per_status, {status: n for status, n in level.items() if n}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


Medians = tuple[dict[date, float | None], dict[date, tuple[float | None, int]], float | None]

# Per day, per week (its Monday) and over the whole period in one pass (PostgreSQL).
_MEDIANS_SQL = """
SELECT day, date_trunc('week', day)::date AS week, GROUPING(day, date_trunc('week', day)) AS level,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) / 86400.0, COUNT(*)
FROM {table} WHERE day >= %s AND day <= %s
GROUP BY GROUPING SETS ((day), (date_trunc('week', day)), ())
"""


def _medians(*, first: date, today: date) -> Medians:
    """Median days from first seen to verdict: of each day's verdicts, each week's, the period's."""
    daily: dict[date, float | None] = {}
    weekly: dict[date, tuple[float | None, int]] = {}
    overall: float | None = None
    if connection.vendor == "postgresql":
        sql = _MEDIANS_SQL.format(table=connection.ops.quote_name(VerdictSample._meta.db_table))
        with connection.cursor() as cursor:
            cursor.execute(sql, [first, today])
            for day, week, level, median, n in cursor.fetchall():
                value = round(float(median), 2) if median is not None else None
                if level == 1:  # grouped by day
                    daily[day] = value
                elif level == 2:  # grouped by week
                    weekly[week] = (value, n)
                else:
                    overall = value
        return daily, weekly, overall
    waits: dict[date, list[float]] = defaultdict(list)
    rows = VerdictSample.objects.filter(day__gte=first, day__lte=today).values_list("day", "seconds")
    for day, seconds in rows:
        waits[day].append(seconds / DAY)
    weeks: dict[date, list[float]] = defaultdict(list)
    for day, values in waits.items():
        daily[day] = _median(values)
        weeks[day - timedelta(days=day.weekday())].extend(values)
    weekly = {week: (_median(values), len(values)) for week, values in weeks.items()}
    return daily, weekly, _median([wait for values in waits.values() for wait in values])


def _rating_counts(by_rating: dict[str, int]) -> list[RatingCount]:
    """Every rating of the scale in its order (zeros too), then ratings no longer on it, then none."""
    counts = [
        RatingCount(
            name=rating.name, label=rating.label, leads_to=rating.leads_to, n=by_rating.get(rating.name, 0)
        )
        for rating in ratings.scale(active_only=False)
    ]
    known = {count.name for count in counts}
    counts += [
        RatingCount(name=name, label=name, leads_to="", n=n)
        for name, n in sorted(by_rating.items())
        if name and name not in known
    ]
    if by_rating.get(""):
        counts.append(RatingCount(name="", label="No rating", leads_to="", n=by_rating[""]))
    return counts


def most_repeated(*, limit: int = 10) -> list[Claim]:
    """The live claims the most articles carry now (the ``claim_repeated_idx`` index), at least two."""
    return list(
        Claim.objects.filter(merged_into__isnull=True, appearance_count__gt=1)
        .only("id", "text", "status", "verdict", "appearance_count", "outlet_count", "last_seen")
        .order_by("-appearance_count", "-outlet_count", "-id")[:limit]
    )
