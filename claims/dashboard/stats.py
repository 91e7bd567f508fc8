"""The statistics page: the desk's overview charts, off the queue so the queue starts with the queue.

Also the site's icon at the address browsers ask for it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone

from .. import charts, selectors


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    stats = selectors.desk_stats(today=timezone.localdate())
    return render(request, "claims/stats.html", {"charts": charts.desk_charts(stats)})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; the icon is a static SVG."""
    response = HttpResponseRedirect(static("claims/favicon.svg"))
    response["Cache-Control"] = "max-age=86400"
    return response
