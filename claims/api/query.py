"""Query parameters read by serializers: one declaration parses, validates and documents them.

A view declares its parameters as a :class:`QueryParams` serializer, reads them
with :meth:`QueryParams.read` and lists the same class in ``extend_schema(
parameters=[...])``, so what the schema promises is what the view accepts.
A value the API cannot use is a 400 naming the parameter, never a 500:

* integers are ASCII digits only: ``int()`` (and DRF's ``IntegerField``) read
  "²" and "٣" as numbers, which the schema's ``type: integer`` does not;
* NUL bytes and other control characters are refused in every parameter, known
  or not: PostgreSQL refuses a NUL in a query, and no parameter of this API
  means anything with a control character in it (tab and line breaks, which
  pasted text carries, are allowed);
* an empty value is the same as a missing one.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from claims.errors import InvalidInput

from .params import SINCE_SCHEMA, parse_since

_ASCII_INT = re.compile(r"[0-9]{1,18}")
# C0 controls but tab, line feed and carriage return; DEL
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters(request: Request) -> None:
    """A 400 naming the first parameter (name or value) that carries a control character."""
    for key, values in request.query_params.lists():
        if _CONTROL.search(key) or any(_CONTROL.search(value) for value in values):
            name = _CONTROL.sub("", key)
            message = "Control characters (such as NUL bytes) are not allowed in query parameters."
            raise InvalidInput(f"{name}: {message}", data={"fields": {name: [message]}})


class AsciiIntegerField(serializers.IntegerField):
    """An integer written in ASCII digits, as the schema's ``type: integer`` means it."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str):
            data = data.strip()
            if not _ASCII_INT.fullmatch(data):
                self.fail("invalid")
        return int(super().to_internal_value(data))


@extend_schema_field(SINCE_SCHEMA)
class SinceField(serializers.Field):
    """An ISO 8601 date or date-time (see :func:`.params.parse_since`)."""

    def to_internal_value(self, data: Any) -> Any:
        return parse_since(self.field_name or "since", str(data).strip())

    def to_representation(self, value: Any) -> Any:
        return value.isoformat()


class QueryParams(serializers.Serializer):
    """The query parameters of one view; unknown parameters are left to pagination and ordering."""

    @classmethod
    def read(cls, request: Request) -> dict[str, Any]:
        refuse_control_characters(request)
        params = cls(data=request.query_params)
        params.is_valid(raise_exception=True)
        return dict(params.validated_data)
