"""The claims list's query parameters as a django-filter FilterSet: each one validated before any query.

Ids are ASCII digits only (``int`` and ``str.isdigit`` accept "²" and "٣"), a
control character anywhere in the query string (a NUL reaches PostgreSQL as an
error) is refused, and every refusal is a 400 with the one error body
(``{error, detail, fields}``) whose detail starts with the parameter's name.
The FilterSet only reads and checks the parameters: the query itself is
``selectors.claim_list``'s, which the dashboard's queue shares.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from claims import selectors
from claims.errors import InvalidInput
from claims.models import Claim

from .params import SINCE_SCHEMA, parse_since

# C0 controls and DEL; tab, newline and carriage return included (no parameter is multi-line).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
STATUSES = [*Claim.Status.values, "open"]


class AsciiIdField(forms.CharField):
    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        if not re.fullmatch(r"[0-9]{1,18}", text):
            raise ValidationError(f"must be an integer id (ASCII digits), got {text!r}.")
        return int(text)


class SinceField(forms.CharField):
    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        try:
            return parse_since("updated_since", text or "")
        except InvalidInput as error:
            raise ValidationError(error.message.removeprefix("updated_since ")) from None


class NamedChoiceField(forms.CharField):
    """One of ``choices``; the message lists them (django's own says only "Select a valid choice")."""

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        self.allowed = allowed
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        if text and text not in self.allowed:
            raise ValidationError(f"unknown value {text!r}; use one of: {', '.join(self.allowed)}.")
        return text


class _Passed(django_filters.Filter):
    """A parameter read into ``form.cleaned_data`` for the selector, applied there."""

    def filter(self, qs: Any, value: Any) -> Any:
        return qs


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(_Passed):
    field_class = AsciiIdField


@extend_schema_field(SINCE_SCHEMA)
class SinceFilter(_Passed):
    field_class = SinceField


@extend_schema_field(OpenApiTypes.STR)
class ChoiceOfFilter(_Passed):
    field_class = NamedChoiceField


@extend_schema_field(OpenApiTypes.STR)
class TextFilter(_Passed):
    field_class = forms.CharField


class ClaimFilterSet(django_filters.FilterSet):
    article = IdFilter(help_text="Claims with a current appearance in this article")
    status = ChoiceOfFilter(
        allowed=STATUSES,
        help_text="A status, or 'open': new, in review, awaiting approval, or repeated after its verdict",
    )
    kind = ChoiceOfFilter(allowed=Claim.Kind.values)
    speaker = TextFilter(help_text="Speaker name, case-insensitive")
    outlet = TextFilter(help_text="Outlet name (case-insensitive) or id")
    q = TextFilter(help_text="Full-text search in claim text and speaker")
    updated_since = SinceFilter(help_text="Claims changed at or after this ISO 8601 date or date-time")

    class Meta:
        model = Claim
        fields: list[str] = []

    def is_valid(self) -> bool:
        return not self.control_characters() and super().is_valid()

    def control_characters(self) -> dict[str, list[str]]:
        """Parameters (any, not only this set's) holding a control character, by name."""
        found: dict[str, list[str]] = {}
        for key, values in self.data.lists():
            if CONTROL.search(key) or any(CONTROL.search(value) for value in values):
                found[CONTROL.sub("", key)] = [
                    "contains a control character (such as NUL), which is not allowed."
                ]
        return found

    @property
    def errors(self) -> Any:
        return self.control_characters() or super().errors

    def filter_queryset(self, queryset: Any) -> Any:
        cleaned = {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")}
        # The list view reads the page's appearances as rows once the page is cut.
        return selectors.claim_list(filters=cleaned, appearances=False)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, answering invalid parameters with the API's one 400 body."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            errors = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
            name, messages = next(iter(errors.items()))
            raise InvalidInput(f"{name} {messages[0]}" if name else messages[0], data={"fields": errors})
        return filterset.qs
