"""The statistics page and its CSV: the desk's numbers over the last 30 or 90 days.

The numbers come from the tallies the event log keeps (``claims.tallies``), so
the page costs the same on a desk of a million claims as on a new one. Also
the site's icon at the address browsers ask for it.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import stats_charts, stats_selectors, tallies
from ..stats_selectors import BACKLOG, DeskStatistics
from .export import safe

CSV_TABLES = ("days", "outlets")


def numbers_for(request: HttpRequest, *, top_outlets: int | None = 10) -> DeskStatistics:
    days = stats_selectors.period_of(request.GET.get("days"))
    return stats_selectors.desk_statistics(today=timezone.localdate(), days=days, top_outlets=top_outlets)


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    numbers = numbers_for(request)
    return render(
        request,
        "claims/stats.html",
        {
            "charts": stats_charts.statistics_charts(numbers),
            "numbers": numbers,
            "days": len(numbers.days),
            "periods": stats_selectors.PERIODS,
            "repeated": stats_selectors.most_repeated(),
            "behind": tallies.events_behind(),
        },
    )


def day_rows(numbers: DeskStatistics) -> tuple[list[str], list[list[Any]]]:
    """One row per day: backlog by status, claims found, verdicts by outcome and rating, median wait."""
    statuses = list(numbers.per_status)
    rated = [rating.name for rating in numbers.ratings]
    header = [
        "day",
        "backlog",
        *statuses,
        "found",
        "verdicts",
        *(f"verdicts_{value}" for value in numbers.verdicts),
        *(f"rating_{name or 'none'}" for name in rated),
        "median_days_to_verdict",
    ]
    rows = []
    for i, day in enumerate(numbers.days):
        rows.append(
            [
                day.isoformat(),
                sum(numbers.per_status[status][i] for status in BACKLOG),
                *(numbers.per_status[status][i] for status in statuses),
                numbers.found[i],
                sum(values[i] for values in numbers.verdicts.values()),
                *(values[i] for values in numbers.verdicts.values()),
                *(numbers.ratings_per_day.get(name, [0] * len(numbers.days))[i] for name in rated),
                "" if numbers.daily_median_days[i] is None else numbers.daily_median_days[i],
            ]
        )
    return header, rows


@login_required
@require_GET
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """The page's numbers as CSV: per day (``table=days``, the default) or per outlet (``table=outlets``)."""
    table = request.GET.get("table") or "days"
    if table not in CSV_TABLES:
        table = "days"
    numbers = numbers_for(request, top_outlets=None)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    if table == "outlets":
        writer.writerow(["outlet", "claims"])
        writer.writerows([[safe(name), n] for name, n in numbers.outlets])
    else:
        header, rows = day_rows(numbers)
        writer.writerow(header)
        writer.writerows(rows)
    stamp = f"{numbers.first_day.isoformat()}-to-{numbers.days[-1].isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="statistics-{table}-{stamp}.csv"'
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; the icon is a static SVG."""
    response = HttpResponseRedirect(static("claims/favicon.svg"))
    response["Cache-Control"] = "max-age=86400"
    return response
