from __future__ import annotations

import sys

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found, server_error
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import unavailable
from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("claims.api.urls")),
    path("api/v1/", include("feeds.api_urls")),
    path("api/v1/", include("snapshots.api_urls")),
    path("api/v1/", include("webhooks.api_urls")),
    path("api/v1/", include("digests.api_urls")),
    path("digests/", include("digests.urls")),
    path("", include("claims.urls")),
]


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "not_found", "detail": "No such endpoint or object.", "fields": {}}, status=404
        )
    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    # Called while the exception is being handled: a database or Redis that went away is a 503.
    exc = sys.exc_info()[1]
    if unavailable.is_unavailable(exc):
        assert exc is not None
        return unavailable.unavailable_response(request, exc)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "server_error", "detail": "Internal server error.", "fields": {}}, status=500
        )
    return server_error(request)
