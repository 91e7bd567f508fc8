"""The article page: where it was published, its cleaned text with claims highlighted, what was removed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import ingest, roles, selectors
from ..errors import DomainError, NotFound
from .common import actor_of


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = selectors.article_detail(article_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    appearances = list(selectors.article_appearances(article=article))
    return render(
        request,
        "claims/article_detail.html",
        {
            "article": article,
            "segments": segments(article.text, appearances),
            "can_retry": article.extraction_status == "failed" and roles.has_role(request.user, roles.EDITOR),
        },
    )


@login_required
@require_POST
def article_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor tries a failed extraction again from the article's page."""
    try:
        ingest.do_retry_extraction(article_id=pk, actor=actor_of(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Extraction queued again.")
    return redirect("article-detail", pk=pk)


def segments(text: str, appearances: list[Any]) -> list[dict[str, Any]]:
    """Split the article text into plain and claim segments for highlighting."""
    parts: list[dict[str, Any]] = []
    cursor = 0
    for appearance in appearances:
        if appearance.start < cursor:
            continue
        if appearance.start > cursor:
            parts.append({"text": text[cursor : appearance.start], "claim": None})
        parts.append({"text": text[appearance.start : appearance.end], "claim": appearance.claim})
        cursor = appearance.end
    if cursor < len(text):
        parts.append({"text": text[cursor:], "claim": None})
    return parts
