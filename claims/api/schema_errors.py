"""The error answers of every operation, written into the OpenAPI schema.

Every endpoint answers errors with one body (see claims.api.errors). Rather than
repeating the same responses on each view, this schema hook adds them to every
operation under /api/v1/, each with the statuses that operation can answer:

- every operation: 401 (no or a bad key), 403 (a missing scope or role),
  429 (throttled, with Retry-After), 500, and 503 (the database or Redis
  briefly unreachable, with Retry-After; see factcheck.unavailable);
- an operation with parameters or a request body: 400 naming the field;
- an operation on one object (a path parameter), or a page of a list (a
  page past the end): 404;
- an operation that writes: 409 (a stale version or a state that does not
  allow the change);
- an operation with a request body: 413 (too large) and 415 (not JSON).

A method that a path does not offer answers 405 with the same body.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error body of every endpoint.",
    "properties": {
        "error": {"type": "string", "description": "A short machine-readable code.", "example": "invalid"},
        "detail": {"type": "string", "description": "What went wrong, for a person to read."},
        "fields": {
            "type": "object",
            "description": "Messages per field at fault; empty when no particular field is.",
            "additionalProperties": True,
        },
    },
    "required": ["error", "detail", "fields"],
    "additionalProperties": True,
}

DESCRIPTIONS = {
    "400": "Bad input: the field at fault is named in `fields`.",
    "401": "No key, an unknown, revoked or expired key, or no session.",
    "403": "The key lacks a scope, or the person a role; `detail` names it.",
    "404": "No such object.",
    "405": "The path does not offer this method.",
    "409": "A stale version or a state that does not allow the change.",
    "413": "The request body is too large.",
    "415": "The request body is not JSON.",
    "429": "Too many requests: wait as the Retry-After header says.",
    "500": "An error on the server; nothing was changed.",
    "503": "The database or cache is briefly unreachable; nothing was changed. Retry after Retry-After.",
}

EXAMPLES = {
    "400": {"error": "invalid", "detail": "limit: must be a whole number", "fields": {"limit": ["..."]}},
    "401": {
        "error": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "fields": {},
    },
    "403": {"error": "permission_denied", "detail": "This key lacks the scope claims:review.", "fields": {}},
    "404": {"error": "not_found", "detail": "No such endpoint or object.", "fields": {}},
    "405": {"error": "method_not_allowed", "detail": 'Method "PUT" not allowed.', "fields": {}},
    "409": {"error": "conflict", "detail": "The claim changed since you read it.", "fields": {}},
    "413": {"error": "too_large", "detail": "Request body is too large.", "fields": {}},
    "415": {
        "error": "unsupported_media_type",
        "detail": 'Unsupported media type "text/plain".',
        "fields": {},
    },
    "429": {"error": "throttled", "detail": "Too many requests. Try again in 60 s.", "fields": {}},
    "500": {"error": "server_error", "detail": "Internal server error.", "fields": {}},
    "503": {
        "error": "unavailable",
        "detail": "The service is briefly unavailable (database or cache); try again shortly.",
        "fields": {},
    },
}

WRITES = {"post", "put", "patch", "delete"}


def statuses_for(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses one operation can answer."""
    has_body = "requestBody" in operation
    has_params = bool(operation.get("parameters")) or "{" in path
    codes = ["401", "403", "429", "500", "503"]
    if has_params or has_body:
        codes.append("400")
    names = {parameter.get("name") for parameter in operation.get("parameters", [])}
    if "{" in path or "page" in names:
        codes.append("404")
    if method in WRITES:
        codes.append("409")
    if has_body:
        codes += ["413", "415"]
    return sorted(codes)


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the shared error responses on every API operation."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    responses = components.setdefault("responses", {})
    for code, description in DESCRIPTIONS.items():
        responses[f"Error{code}"] = {
            "description": description,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
                    "example": EXAMPLES[code],
                }
            },
            **({"headers": _RETRY_AFTER} if code in {"429", "503"} else {}),
        }
    for schema in components.get("schemas", {}).values():
        for prop in schema.get("properties", {}).values():
            # A URL that may be empty: the format lives in anyOf, not on the property itself.
            if {"maxLength": 0} in prop.get("anyOf", []):
                prop.pop("format", None)
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            documented = operation.setdefault("responses", {})
            for code in statuses_for(method, path, operation):
                documented.setdefault(code, {"$ref": f"#/components/responses/Error{code}"})
    return result


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "schema": {"type": "integer"},
    }
}
