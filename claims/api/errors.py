"""One place where domain errors and framework errors become JSON HTTP answers.

Every error of every endpoint has one shape: ``{"error": code, "detail":
message, "fields": {field: [messages]}}``; ``fields`` is empty when no
particular field is at fault. A few errors add keys of their own beside these
(a 409 names the claim's current version, for example).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, **exc.data), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("too_large", "Request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", _first_message(exc.detail), fields=fields)
    elif isinstance(exc, exceptions.APIException):
        detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
        response.data = error_body(str(exc.default_code), str(detail))
    return response


def error_body(code: str, detail: str, *, fields: Any = None, **extra: Any) -> dict[str, Any]:
    """The error body every endpoint answers with."""
    return {"error": code, "detail": detail, "fields": fields or {}, **extra}


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)
