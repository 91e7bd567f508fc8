"""What an API key may do: its scopes, and which of them a person's role allows.

A scope limits a key, never a person: a personal key acts with its person's
role and its scopes together, so a reviewer's key without ``claims:review``
cannot review, and an ``claims:review`` scope on a key does not make anyone a
reviewer.
"""

from __future__ import annotations

from typing import Any

from claims import roles

ARTICLES_WRITE = "articles:write"
CLAIMS_READ = "claims:read"
CLAIMS_REVIEW = "claims:review"
WEBHOOKS_MANAGE = "webhooks:manage"
SCOPES = (ARTICLES_WRITE, CLAIMS_READ, CLAIMS_REVIEW, WEBHOOKS_MANAGE)

# What a CMS key gets when none are named: submit articles and read what became of them.
CMS_DEFAULT = (ARTICLES_WRITE, CLAIMS_READ)

# The role a person needs for their key to hold a scope; scopes not named here need none.
PERSONAL_MIN_ROLE = {CLAIMS_REVIEW: roles.REVIEWER, WEBHOOKS_MANAGE: roles.ADMIN}
# Reviewing is done by people: a key without a person can never hold it.
PERSONAL_ONLY = frozenset({CLAIMS_REVIEW})


def ordered(scopes: Any) -> list[str]:
    """The scopes in their canonical order, each once."""
    wanted = set(scopes)
    return [scope for scope in SCOPES if scope in wanted]


def parse(text: str) -> list[str]:
    """``"a,b"`` as a list; unknown names raise ValueError naming them."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted({name for name in names if name not in SCOPES})
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}. Known scopes: {', '.join(SCOPES)}.")
    return ordered(names)


def allowed_for(user: Any | None) -> list[str]:
    """Every scope a personal key of ``user`` may hold; ``None`` is a CMS key (no person)."""
    if user is None:
        return [scope for scope in SCOPES if scope not in PERSONAL_ONLY]
    return [
        scope
        for scope in SCOPES
        if scope not in PERSONAL_MIN_ROLE or roles.has_role(user, PERSONAL_MIN_ROLE[scope])
    ]


def refused_for(user: Any | None, scopes: list[str]) -> list[str]:
    allowed = set(allowed_for(user))
    return [scope for scope in scopes if scope not in allowed]
