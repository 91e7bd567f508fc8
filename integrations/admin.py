from django.contrib import admin

from .models import Integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    search_fields = ["name", "user__username"]
