from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from claims.errors import DomainError

from . import scopes
from .models import Integration
from .services import check_scopes, create_integration, do_revoke_integration, do_rotate_integration


class IntegrationCreationForm(forms.ModelForm):
    """What createapitoken asks for; the key itself is shown once after saving."""

    person = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        help_text="For a personal key that acts as this person; empty for a CMS key",
    )
    granted_scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in scopes.SCOPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Scopes",
        help_text="None ticked: the defaults (CMS: articles:write and claims:read; "
        "personal: every scope the person's role allows)",
    )
    expires_days = forms.IntegerField(min_value=1, required=False, help_text="Days until the key expires")

    class Meta:
        model = Integration
        fields = ["name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            check_scopes(data.get("person"), data.get("granted_scopes") or None)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "key_prefix",
        "scope_list",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "created_at",
    ]
    list_filter = ["is_active"]
    # Keys are read, revoked and rotated here, never edited: a change of scopes is a new key.
    readonly_fields = [
        "name",
        "user",
        "key_prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "previous_key_prefix",
        "previous_key_expires_at",
    ]
    search_fields = ["name", "user__username", "key_prefix"]
    actions = ["revoke", "rotate"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = IntegrationCreationForm
            kwargs["fields"] = ["name", "person", "granted_scopes", "expires_days"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "person", "granted_scopes", "expires_days"]
        return list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Integration, form: Any, change: bool) -> None:
        if change:
            return
        data = form.cleaned_data
        integration, key = create_integration(
            name=data["name"],
            username=data["person"].get_username() if data.get("person") else None,
            scopes=data.get("granted_scopes") or None,
            expires_days=data.get("expires_days"),
        )
        obj.pk = integration.pk
        obj.refresh_from_db()
        # Shown once: only the hash is stored, so this message is the one chance to copy it.
        self.message_user(request, f"{integration.name}: its API key is {key}", messages.WARNING)

    @admin.display(description="scopes")
    def scope_list(self, integration: Integration) -> str:
        return ", ".join(integration.scopes)

    @admin.action(description="Revoke the selected keys now")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            do_revoke_integration(integration=integration)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)

    @admin.action(description="Rotate the selected keys (new key shown once)")
    def rotate(self, request: HttpRequest, queryset: QuerySet[Integration]) -> None:
        for integration in queryset:
            if integration.revoked_at is not None:
                self.message_user(request, f"{integration.name}: revoked, not rotated.", messages.WARNING)
                continue
            integration, key = do_rotate_integration(integration=integration)
            until = f"{integration.previous_key_expires_at:%Y-%m-%d %H:%M} UTC"
            self.message_user(
                request,
                f"{integration.name}: new API key {key} (the previous key works until {until}).",
                messages.WARNING,
            )
