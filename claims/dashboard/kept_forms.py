"""A refused form's input, kept in the session across the redirect so the claim page can show it again.

Every review form answers with a redirect (post/redirect/get): reloading the page
never posts twice. What the person typed survives the redirect here, once.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict

SESSION_KEY = "dashboard_kept_forms"
# The fields a browser sends that are no part of any form.
NOT_INPUT = ("csrfmiddlewaretoken",)


def keep(request: HttpRequest, *, claim_id: int, action: str, data: QueryDict, version: int | None) -> None:
    """Keep ``data`` for the claim's page; ``version`` replaces the one sent (after a conflict)."""
    fields = {key: data.get(key, "") for key in data if key not in NOT_INPUT}
    if version is not None:
        fields["version"] = str(version)
    stored: dict[str, Any] = request.session.get(SESSION_KEY, {})
    stored[str(claim_id)] = {action: fields}
    request.session[SESSION_KEY] = stored


def take(request: HttpRequest, *, claim_id: int) -> dict[str, dict[str, str]]:
    """The kept input of the claim's forms (action -> fields), removed from the session as it is read."""
    stored: dict[str, Any] = request.session.get(SESSION_KEY, {})
    kept = stored.pop(str(claim_id), None)
    if kept is None:
        return {}
    request.session[SESSION_KEY] = stored
    return dict(kept)
