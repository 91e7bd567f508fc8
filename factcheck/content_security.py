"""The dashboard's Content-Security-Policy: scripts and everything else only from this site.

The dashboard runs two scripts, both served from its own static files
(htmx and the queue's keyboard shortcuts), no inline script and no inline
event handler, so ``script-src 'self'`` holds and an injected ``<script>`` or
``onerror=`` in article text would not run even if escaping ever failed.
Inline ``style`` attributes are allowed (the templates and htmx's indicator
style use them); styles cannot run code. The admin site and the Swagger UI
page ship inline scripts of their own and keep Django's defaults.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

EXEMPT = ("/admin/", "/api/docs/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(EXEMPT) and response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", POLICY)
        return response
