"""Query parameters read strictly: a value the API cannot use is a 400 naming the parameter, never a 500.

``str.isdigit`` and ``int`` accept digits of every script ("²", "٣"), and a
NUL byte reaches PostgreSQL as an error; both are refused here, before any query.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from rest_framework.filters import OrderingFilter
from rest_framework.request import Request

from claims.dates import parse_iso_datetime
from claims.errors import InvalidInput

ASCII_ID = re.compile(r"[0-9]{1,18}")


def text_params(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The named parameters, stripped ("" when absent); a NUL byte in any parameter is refused."""
    for key, values in request.query_params.lists():
        if "\x00" in key or any("\x00" in value for value in values):
            name = key.replace(chr(0), "")
            message = "NUL bytes are not allowed in query parameters."
            raise InvalidInput(f"{name}: {message}", data={"fields": {name: [message]}})
    return {name: request.query_params.get(name, "").strip() for name in names}


def is_id(value: str) -> bool:
    return ASCII_ID.fullmatch(value) is not None


def check_id(name: str, value: str) -> str:
    if value and not is_id(value):
        raise InvalidInput(f"{name} must be an integer id (ASCII digits), got {value!r}.")
    return value


def parse_since(name: str, value: str) -> datetime | None:
    """An ISO 8601 date or date-time; a '+' of an offset that arrived as a space (unencoded) is read back."""
    if not value:
        return None
    candidate = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value)
    parsed = parse_iso_datetime(candidate) if candidate.isascii() else None
    if parsed is None:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date or date-time (e.g. 2026-01-31T09:00:00Z), got {value!r}."
        )
    return parsed


class StrictOrderingFilter(OrderingFilter):
    """DRF's ordering, but an unknown field is a 400, and the schema lists the accepted values."""

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> Any:
        raw = request.query_params.get(self.ordering_param, "")
        terms = [term.strip() for term in raw.split(",") if term.strip()]
        if terms:
            valid = self.accepted(view)
            unknown = [term for term in terms if term not in valid]
            if unknown:
                raise InvalidInput(
                    f"{self.ordering_param}: unknown value(s) {', '.join(map(repr, unknown))}; "
                    f"use one or more of: {', '.join(valid)} (comma-separated)."
                )
        return super().get_ordering(request, queryset, view)

    @staticmethod
    def accepted(view: Any) -> list[str]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        return [value for field in fields for value in (field, f"-{field}")]

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort order: one or more of the values, comma-separated; "
                "a leading '-' sorts descending. Any other value is a 400.",
                "style": "form",
                "explode": False,
                "schema": {"type": "array", "items": {"type": "string", "enum": self.accepted(view)}},
            }
        ]


# ?since= takes a date or a date-time (ISO 8601), so the schema cannot say format date-time;
# left empty it is the same as left out.
SINCE_SCHEMA = {
    "type": "string",
    "anyOf": [{"format": "date-time"}, {"format": "date"}, {"maxLength": 0}],
    "example": "2026-03-30T07:00:00Z",
}
