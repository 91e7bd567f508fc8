"""Dashboard pages: a person's digest settings, and the unsubscribe page every email links to."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from claims.errors import InvalidInput

from . import schedule, subscriptions, unsubscribe
from .forms import DigestSettingsForm


@login_required
@require_http_methods(["GET", "POST"])
def digest_settings(request: HttpRequest) -> HttpResponse:
    user_id = cast(User, request.user).pk
    subscription = subscriptions.access_subscription(user_id=user_id)
    form = DigestSettingsForm(request.POST or None, initial=DigestSettingsForm.initial_for(subscription))
    if request.method == "POST" and form.is_valid():
        try:
            subscriptions.do_update_subscription(user_id=user_id, changes=form.changes())
        except InvalidInput as exc:
            for name, errors in exc.data.get("fields", {}).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, "Your email settings are saved.")
            return redirect("digest-settings")
    context = {
        "form": form,
        "subscription": subscription,
        "next_digest_at": subscriptions.next_digest_at(subscription),
        "time_zones": sorted(schedule.known_time_zones()),
    }
    return render(request, "digests/settings.html", context)


# Mail clients send RFC 8058 one-click unsubscribes as a bare POST to the List-Unsubscribe URL,
# without our cookies or a CSRF token: the signed token in the URL is the proof here, and the
# only thing a POST can do with it is turn that person's digest or notifications off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners open links); POST, from the page's button or a mail client, unsubscribes."""
    try:
        if request.method == "POST":
            user, action = unsubscribe.do_unsubscribe(token=token)
        else:
            user, action = unsubscribe.access_token_user(token=token)
    except unsubscribe.InvalidToken as exc:
        return render(request, "digests/unsubscribe.html", {"error": str(exc)}, status=400)
    context = {"done": request.method == "POST", "action": action, "person": user.get_username()}
    return render(request, "digests/unsubscribe.html", context)
