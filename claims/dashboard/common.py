"""What every dashboard view shares: who acts, form errors in words, htmx requests."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.http import HttpRequest

from ..actors import Actor


def actor_of(request: HttpRequest) -> Actor:
    return Actor(user=cast(User, request.user))


def is_htmx(request: HttpRequest) -> bool:
    """A request htmx made to swap part of a page (it sends ``HX-Request: true``)."""
    return request.headers.get("HX-Request") == "true"


def form_errors(form: forms.Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(str(error) for error in errors)
        label = form.fields[name].label or name.replace("_", " ").capitalize() if name in form.fields else ""
        parts.append(f"{label}: {text}" if label else text)
    return "; ".join(parts)
