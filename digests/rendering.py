"""Digests and notification emails as messages: plain text and HTML, headers, links.

The HTML is written with a stylesheet in ``templates/emails/`` and has its CSS
inlined (css-inline) so it survives mail clients that drop ``<style>``; it
loads nothing remote (no images, no fonts). Every link is absolute, built from
SITE_URL. Every message carries List-Unsubscribe and List-Unsubscribe-Post
(RFC 8058) for what it is about, and asks auto-responders to stay quiet.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from claims.models import Claim

from . import unsubscribe
from .content import Digest, Item

_INLINER = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
QUEUE_STATUSES = (Claim.Status.NEW, Claim.Status.IN_REVIEW, Claim.Status.AWAITING_APPROVAL)


def inline_css(html: str) -> str:
    return _INLINER.inline(html)


def settings_url() -> str:
    return settings.SITE_URL + reverse("digest-settings")


def _common(*, user_id: int, action: str) -> dict[str, Any]:
    return {
        "site_url": settings.SITE_URL,
        "settings_url": settings_url(),
        "unsubscribe_url": unsubscribe.unsubscribe_url(user_id=user_id, action=action),
    }


def message(
    *,
    to_name: str,
    to_email: str,
    user_id: int,
    action: str,
    subject: str,
    template: str,
    context: dict[str, Any],
) -> EmailMultiAlternatives:
    """One email from ``emails/<template>.txt`` and ``.html`` with the headers every email carries."""
    context = {**_common(user_id=user_id, action=action), **context}
    text = render_to_string(f"emails/{template}.txt", context)
    html = inline_css(render_to_string(f"emails/{template}.html", context))
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    headers = {
        # Our own Message-ID: Django's default looks up this machine's FQDN, which can take seconds.
        "Message-ID": make_msgid(domain=host),
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        **unsubscribe.headers(user_id=user_id, action=action),
    }
    email = EmailMultiAlternatives(
        subject=subject[:250], body=text, to=[formataddr((to_name, to_email))], headers=headers
    )
    email.attach_alternative(html, "text/html")
    return email


def queue_line(queue: dict[str, int]) -> str:
    return " · ".join(f"{queue.get(status, 0)} {status.label.lower()}" for status in QUEUE_STATUSES)


def digest_message(digest: Digest, *, name: str = "") -> EmailMultiAlternatives:
    return message(
        to_name=name or digest.username,
        to_email=digest.email,
        user_id=digest.user_id,
        action=unsubscribe.DIGEST,
        subject=digest.subject,
        template="digest",
        context={"digest": digest, "queue_line": queue_line(digest.queue)},
    )


def notification_message(
    *, user_id: int, username: str, email: str, items: Sequence[Item], name: str = ""
) -> EmailMultiAlternatives:
    first = items[0].meta if items else ""
    subject = first if len(items) == 1 else f"{len(items)} updates on your claims: {first}"
    return message(
        to_name=name or username,
        to_email=email,
        user_id=user_id,
        action=unsubscribe.NOTIFICATIONS,
        subject=f"Claim tracker: {subject}",
        template="notifications",
        context={"items": items, "username": username},
    )
