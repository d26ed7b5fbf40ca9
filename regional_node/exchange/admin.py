from django.contrib import admin

from .models import CallLog, Forwarding, Publication, PublishedEntry, Subscriber


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    list_display = ("sequence", "kind", "action", "code", "published_at", "applied", "received_at")
    list_filter = ("kind", "action", "applied")
    search_fields = ("code", "publication_id")
    readonly_fields = [f.name for f in Publication._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PublishedEntry)
class PublishedEntryAdmin(admin.ModelAdmin):
    list_display = ("kind", "code", "sequence", "action", "withdrawn", "published_at", "first_published_at")
    list_filter = ("kind", "withdrawn")
    search_fields = ("code",)
    readonly_fields = [f.name for f in PublishedEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")


@admin.register(Forwarding)
class ForwardingAdmin(admin.ModelAdmin):
    list_display = (
        "publication",
        "subscriber",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    list_filter = ("state",)
    list_select_related = ("publication", "subscriber")
    readonly_fields = [f.name for f in Forwarding._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "direction",
        "account_id",
        "endpoint",
        "http_status",
        "status_code",
        "latency_ms",
    )
    list_filter = ("direction", "status_code")
    search_fields = ("biz_num", "request_id", "account_id")
    readonly_fields = [f.name for f in CallLog._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
