"""The statistics page's charts, drawn from the desk's numbers (``claims.stats_selectors``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from . import charts
from .charts import EXTRACTION_COLORS, STATUS_COLORS, BarChart
from .models import Article, Claim
from .stats_selectors import BACKLOG, DeskStatistics

# Ratings that lead to verified in greens, to disputed in reds, darkest for the strongest.
VERIFIED_SHADES = ["#12805c", "#32d583", "#a6f4c5"]
DISPUTED_SHADES = ["#912018", "#c0362c", "#f04438", "#fda29b", "#fecdca"]
NO_RATING_COLOR = "#98a2b3"


def days_text(value: float) -> str:
    return f"{value:.1f} day{'' if value == 1 else 's'}"


def statistics_charts(numbers: DeskStatistics) -> dict[str, Any]:
    """Every chart of the statistics page, by name."""
    queue = reverse("dashboard")
    days = [(day.strftime("%d %b").lstrip("0"), day.isoformat()) for day in numbers.days]
    period = f"last {len(numbers.days)} days"
    backlog_now = numbers.backlog(len(numbers.days) - 1)
    status_rows = [
        charts.single(
            str(label),
            numbers.status_now.get(value, 0),
            STATUS_COLORS[Claim.Status(value)],
            f"{queue}?{urlencode({'status': value})}",
        )
        for value, label in Claim.Status.choices
    ]
    outlet_rows = [
        charts.single(name, n, charts.DESK_COLOR, f"{queue}?{urlencode({'outlet': name, 'status': 'all'})}")
        for name, n in numbers.outlets
    ]
    extraction_rows = [
        charts.single(
            str(label), numbers.extraction_counts.get(value, 0), EXTRACTION_COLORS[Article.Extraction(value)]
        )
        for value, label in Article.Extraction.choices
        if value != Article.Extraction.DONE
    ]
    weeks = [
        (week.week.strftime("%d %b").lstrip("0"), f"week of {week.week.isoformat()}")
        for week in numbers.weekly_medians
    ]
    median = numbers.median_days
    return {
        "backlog": charts.stacked_columns(
            f"Backlog by status per day, {period}",
            days,
            [
                (
                    str(Claim.Status(status).label),
                    STATUS_COLORS[Claim.Status(status)],
                    numbers.per_status[status],
                )
                for status in BACKLOG
            ],
            summary=f"{backlog_now} open now",
        ),
        "verdicts": charts.stacked_columns(
            f"Verdicts per day, {period}",
            days,
            [
                (str(Claim.Status(value).label), STATUS_COLORS[Claim.Status(value)], numbers.verdicts[value])
                for value in numbers.verdicts
            ],
            summary=f"{numbers.verdict_total} in all",
        ),
        "found": charts.stacked_columns(
            f"Claims found per day, {period}",
            days,
            [("found", charts.DESK_COLOR, numbers.found)],
            summary=f"{sum(numbers.found)} in all",
        ),
        "median": charts.stacked_columns(
            "Median days from first seen to verdict, per week",
            weeks,
            [("median", "#7a5af8", [week.days for week in numbers.weekly_medians])],
            summary=f"{days_text(median)} over the period"
            if median is not None
            else "no verdicts in the period",
            unit=days_text,
            width=charts.WIDTH,
        ),
        "ratings": _ratings_chart(numbers),
        "status": charts.bar_chart("Claims by status now", status_rows),
        "outlets": charts.bar_chart("Claims per outlet (top 10)", outlet_rows),
        "extraction": charts.bar_chart("Articles waiting for extraction or failed", extraction_rows),
    }


def _ratings_chart(numbers: DeskStatistics) -> BarChart:
    shades = {"verified": iter(VERIFIED_SHADES), "disputed": iter(DISPUTED_SHADES)}
    rows = []
    for rating in numbers.ratings:
        color = (
            next(shades[rating.leads_to], NO_RATING_COLOR) if rating.leads_to in shades else NO_RATING_COLOR
        )
        rows.append(charts.single(rating.label, rating.n, color))
    return charts.bar_chart(f"Ratings given, last {len(numbers.days)} days", rows)
