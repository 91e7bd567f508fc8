"""The article page: where it was published, its cleaned text with claims highlighted, what was removed,
and the sentences kept out of the queue, which a reviewer may promote to it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import ingest, promotion, roles, selectors
from ..errors import DomainError, NotFound
from ..forms import PromoteForm
from .common import actor_of, form_errors, is_htmx
from .review_actions import SeeOther

# Sentences scored under the queue threshold listed for promotion, the highest scores first: the
# near misses are the ones worth a look, and a 2 MB article has thousands of sentences.
UNDER_THRESHOLD_SHOWN = 100
# Kept-out sentences listed with a button, in order (all stay marked in the text).
KEPT_OUT_SHOWN = 300


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = selectors.article_detail(article_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    appearances = list(selectors.article_appearances(article=article))
    done = article.extraction_status == "done"
    others = [row for row in promotion.article_sentences(article) if row["claim"] is None] if done else []
    held = [row for row in others if row["kept_out"]]
    under = sorted((row for row in others if not row["kept_out"]), key=lambda row: -row["score"])
    return render(
        request,
        "claims/article_detail.html",
        {
            "article": article,
            "segments": segments(article.text, appearances, held),
            "can_retry": article.extraction_status == "failed" and roles.has_role(request.user, roles.EDITOR),
            "can_promote": roles.has_role(request.user, roles.REVIEWER),
            "held": held[:KEPT_OUT_SHOWN],
            "held_count": len(held),
            "held_more": max(0, len(held) - KEPT_OUT_SHOWN),
            "under": under[:UNDER_THRESHOLD_SHOWN],
            "under_more": max(0, len(under) - UNDER_THRESHOLD_SHOWN),
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


@login_required
@require_POST
def article_promote(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer puts a sentence kept out of the queue into it (htmx swaps the sentence's row;
    without JavaScript the form posts and the page comes back with what happened)."""
    form = PromoteForm(request.POST)
    page = reverse("article-detail", args=[pk])
    result: promotion.Promotion | None = None
    error = ""
    if not form.is_valid():
        error = "This sentence could not be promoted: " + form_errors(form)
    else:
        try:
            result = promotion.do_promote_sentence(
                article_id=pk, actor=actor_of(request), **form.cleaned_data
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainError as exc:
            error = exc.message
    if is_htmx(request):
        return render(
            request, "claims/_promoted.html", {"result": result, "error": error, "article_url": page}
        )
    if result is None:
        messages.error(request, error)
    else:
        messages.success(request, promoted_message(result))
    return SeeOther(page + ("#not-in-queue" if result is None else ""))


def promoted_message(result: promotion.Promotion) -> str:
    if not result.promoted:
        return f"This sentence is claim {result.claim.pk} already."
    if result.new_claim:
        return f"Promoted to the queue as claim {result.claim.pk}."
    return f"Promoted: the sentence states claim {result.claim.pk}, which it now appears under."


def segments(
    text: str, appearances: Sequence[Any], held: Sequence[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """Split the article text into plain, claim and kept-out segments for highlighting."""
    spans = sorted(
        [(a.start, a.end, {"claim": a.claim}) for a in appearances]
        + [(row["start"], row["end"], {"held": row}) for row in held],
        key=lambda span: span[0],
    )
    parts: list[dict[str, Any]] = []
    cursor = 0
    for start, end, what in spans:
        if start < cursor:
            continue
        if start > cursor:
            parts.append({"text": text[cursor:start], "claim": None})
        parts.append({"text": text[start:end], "claim": None, **what})
        cursor = end
    if cursor < len(text):
        parts.append({"text": text[cursor:], "claim": None})
    return parts
