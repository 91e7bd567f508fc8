from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from claims import ingest
from claims.errors import InvalidInput

from . import services
from .models import Feed, FeedEntry


class FeedForm(forms.ModelForm):
    """The outlet is typed as a name and created when new, as the API and ``addfeed`` do."""

    url = forms.URLField(max_length=2000, assume_scheme="https", label="Feed URL")
    outlet_name = forms.CharField(max_length=200, label="Outlet")

    class Meta:
        model = Feed
        fields = ["url", "poll_interval_minutes", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["outlet_name"].initial = self.instance.outlet.name

    def clean_url(self) -> str:
        try:
            return services.check_feed_url(self.cleaned_data["url"])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_poll_interval_minutes(self) -> int:
        try:
            return services.check_interval(self.cleaned_data["poll_interval_minutes"])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_outlet_name(self) -> str:
        name = str(self.cleaned_data["outlet_name"]).strip()
        if not name:
            raise forms.ValidationError("A feed needs the name of the outlet it belongs to.")
        return name


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    form = FeedForm
    list_display = ["id", "url", "outlet", "poll_interval_minutes", "active", "last_polled_at", "last_error"]
    list_filter = ["active", "outlet"]
    search_fields = ["url", "title", "outlet__name"]
    readonly_fields = [
        "title",
        "etag",
        "last_modified",
        "last_polled_at",
        "next_poll_at",
        "last_error",
        "created_at",
    ]
    actions = ["poll_at_next_beat"]

    def save_model(self, request: HttpRequest, obj: Feed, form: Any, change: bool) -> None:
        outlet = ingest.outlet_named(form.cleaned_data["outlet_name"])
        if outlet is not None:
            obj.outlet = outlet
        super().save_model(request, obj, form, change)

    @admin.action(description="Poll at the next beat (within a minute)")
    def poll_at_next_beat(self, request: HttpRequest, queryset: QuerySet[Feed]) -> None:
        count = queryset.update(next_poll_at=None)
        self.message_user(request, f"{count} feed(s) will be polled within a minute.", messages.SUCCESS)


@admin.register(FeedEntry)
class FeedEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "feed", "title", "state", "reason", "attempts", "created_at"]
    list_filter = ["state", "feed"]
    search_fields = ["title", "link", "guid"]
    readonly_fields = [
        "feed",
        "guid",
        "link",
        "title",
        "published_at",
        "article",
        "state",
        "reason",
        "attempts",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Entries are what polls saw; they are never written by hand.
        return False
