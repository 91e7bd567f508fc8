"""Work that finds its person: the verdicts awaiting my approval, and the claims in my hands."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .. import roles, selectors
from .common import actor_of

WORKLIST_LIMIT = 200


@login_required
def awaiting_my_approval(request: HttpRequest) -> HttpResponse:
    """An editor's list of proposed verdicts by others, longest waiting first."""
    actor = actor_of(request)
    editor = actor.has_role(roles.EDITOR)
    claims = list(selectors.awaiting_my_approval(user=actor.user)[:WORKLIST_LIMIT]) if editor else []
    return render(request, "claims/approvals.html", {"claims": claims, "is_editor": editor})


@login_required
def my_claims(request: HttpRequest) -> HttpResponse:
    """The claims a person holds, with how long each has been with them."""
    actor = actor_of(request)
    claims = list(selectors.my_claims(user=actor.user)[:WORKLIST_LIMIT])
    return render(
        request, "claims/my_claims.html", {"claims": claims, "can_take": actor.has_role(roles.REVIEWER)}
    )
