from typing import Any

from django.contrib import admin

from .models import Appearance, Article, Claim, ClaimEvent, ClaimLink, Evidence, Outlet, Rating, Verdict


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "domain"]
    search_fields = ["name", "domain"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, searchable and never changed here: these rows change only through the product's
    services (the review workflow, curation, ingest), which keep the audit trail, the
    matching index and the webhooks in step. An admin who needs a change makes it in the
    dashboard or over the API, where it is recorded."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "title",
        "outlet",
        "extraction_status",
        "revision",
        "extractor_version",
        "created_at",
    ]
    list_filter = ["extraction_status", "format", "outlet"]
    search_fields = ["title", "external_id", "url"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AppearanceInline(ReadOnlyInline):
    model = Appearance


class EvidenceInline(ReadOnlyInline):
    model = Evidence


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["id", "text", "status", "kind", "speaker", "score", "priority", "appearance_count"]
    list_filter = ["status", "kind", "origin"]
    search_fields = ["text", "speaker"]
    inlines = [AppearanceInline, EvidenceInline]


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "claim", "article", "action", "from_status", "to_status", "actor"]
    list_filter = ["action"]


@admin.register(ClaimLink)
class ClaimLinkAdmin(ReadOnlyAdmin):
    list_display = ["from_claim", "to_claim", "kind", "score"]


@admin.register(Verdict)
class VerdictAdmin(ReadOnlyAdmin):
    list_display = ["claim", "value", "rating", "state", "author", "decided_by", "created_at"]
    list_filter = ["state", "value"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """The desk's rating scale. A rating in use cannot be deleted; turn it off (active) instead."""

    list_display = ["label", "name", "leads_to", "value", "position", "active"]
    list_editable = ["position", "active"]
    ordering = ["position", "id"]
