"""Template filters of the dashboard: text shortened at a word."""

from __future__ import annotations

from django import template

from ..titles import shorten as shorten_text

register = template.Library()


@register.filter
def shorten(text: str, limit: int) -> str:
    """Like truncatechars, but never cuts a word in half."""
    return shorten_text(str(text or ""), int(limit))
