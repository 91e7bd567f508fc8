from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import DigestRun, DigestSubscription, Notification, NotificationEmail


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency", "hour", "weekday", "time_zone", "notify", "updated_at"]
    list_filter = ["frequency", "notify", "time_zone"]
    search_fields = ["user__username", "user__email"]
    filter_horizontal = ["outlets"]


@admin.register(DigestRun)
class DigestRunAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "period", "state", "attempts", "items", "created_at", "sent_at"]
    list_filter = ["state", "kind"]
    search_fields = ["user__username", "period"]
    readonly_fields = [f.name for f in DigestRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # runs are made by beat, one per person and period


@admin.register(NotificationEmail)
class NotificationEmailAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "state", "attempts", "items", "created_at", "sent_at"]
    list_filter = ["state"]
    search_fields = ["user__username"]
    readonly_fields = [f.name for f in NotificationEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "kind", "event", "email", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["user", "event", "kind", "email", "created_at"]
