from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import EvidenceSnapshot


@admin.register(EvidenceSnapshot)
class EvidenceSnapshotAdmin(admin.ModelAdmin):
    list_display = ["id", "evidence", "state", "http_status", "content_type", "fetched_at", "error"]
    list_filter = ["state"]
    search_fields = ["evidence__url", "final_url", "sha256"]
    readonly_fields = [
        "evidence",
        "state",
        "http_status",
        "final_url",
        "content_type",
        "sha256",
        "size",
        "text",
        "note",
        "error",
        "attempts",
        "fetched_at",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A snapshot records what a fetch received; nobody writes one by hand.
        return False
