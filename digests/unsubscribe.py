"""One-click unsubscribe: signed tokens, each good for one person and one action.

A token is ``django.core.signing`` over ``{"u": user id, "a": action}`` with a
salt of its own per action, so a digest token cannot turn off notifications
(or the other way round), and changing the user id in a token breaks its
signature. Tokens do not expire: a digest read weeks later must still
unsubscribe. Every email carries the link as ``List-Unsubscribe`` together
with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), and a
mailto for clients that only mail.
"""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.urls import reverse

from . import subscriptions

DIGEST = "digest"
NOTIFICATIONS = "notifications"
ACTIONS = (DIGEST, NOTIFICATIONS)
SALT = "digests.unsubscribe."


class InvalidToken(Exception):
    """A token that is not ours, was altered, or names a person who is gone."""


def make_token(*, user_id: int, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown unsubscribe action {action!r}")
    return signing.dumps({"u": user_id, "a": action}, salt=SALT + action)


def read_token(token: str) -> tuple[int, str]:
    """(user id, action) of a valid token; InvalidToken otherwise."""
    for action in ACTIONS:
        try:
            payload: Any = signing.loads(token, salt=SALT + action)
        except signing.BadSignature:
            continue
        if isinstance(payload, dict) and payload.get("a") == action and isinstance(payload.get("u"), int):
            return payload["u"], action
    raise InvalidToken("This unsubscribe link is not valid.")


def unsubscribe_url(*, user_id: int, action: str) -> str:
    return settings.SITE_URL + reverse(
        "digest-unsubscribe", args=[make_token(user_id=user_id, action=action)]
    )


def mailto() -> str:
    address = settings.DIGEST_UNSUBSCRIBE_MAILTO or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return f"mailto:{address}?subject={quote('unsubscribe')}"


def headers(*, user_id: int, action: str) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers of one email."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id=user_id, action=action)}>, <{mailto()}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def access_token_user(*, token: str) -> tuple[User, str]:
    """The person and action a token is for; InvalidToken when it is bad or the person is gone."""
    user_id, action = read_token(token)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidToken("This unsubscribe link is for an account that no longer exists.")
    return user, action


def do_unsubscribe(*, token: str) -> tuple[User, str]:
    """Turn off what the token is for; doing it again changes nothing."""
    user, action = access_token_user(token=token)
    subscriptions.do_turn_off(user_id=user.pk, what=action)
    return user, action
