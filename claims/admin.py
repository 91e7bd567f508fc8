from django.contrib import admin

from .models import Appearance, Article, Claim, ClaimEvent, ClaimLink, Evidence, Outlet, Rating, Verdict


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "domain"]
    search_fields = ["name", "domain"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
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
    readonly_fields = ["content_hash", "text", "removed", "sentences", "extracted_at", "extractor_version"]


class AppearanceInline(admin.TabularInline):
    model = Appearance
    extra = 0
    readonly_fields = ["article", "article_revision", "text", "start", "end", "current", "score"]
    can_delete = False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "text", "status", "kind", "speaker", "score", "priority", "appearance_count"]
    list_filter = ["status", "kind", "origin"]
    search_fields = ["text", "speaker"]
    # Status and version change only through the review workflow.
    readonly_fields = ["status", "version", "priority", "priority_parts", "fingerprint", "normalized_text"]
    inlines = [AppearanceInline, EvidenceInline]


@admin.register(ClaimEvent)
class ClaimEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "claim", "action", "from_status", "to_status", "actor"]
    list_filter = ["action"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


admin.site.register(ClaimLink)
admin.site.register(Verdict)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """The desk's rating scale. A rating in use cannot be deleted; turn it off (active) instead."""

    list_display = ["label", "name", "leads_to", "value", "position", "active"]
    list_editable = ["position", "active"]
    ordering = ["position", "id"]
