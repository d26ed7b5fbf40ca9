from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from .models import EnvelopeCall, Region, TrustedApplication


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "code", "division_code", "endpoint", "account_id", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "division_code", "account_id")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "division_code", "name", "is_active")}),
        ("接口", {"fields": ("endpoint", "account_id", "hub_account_id", "timeout_seconds")}),
        ("密钥", {"fields": ("public_key",), "description": "仅登记该地区公开的 SM2 公钥；本系统私钥不在数据库中保存。"}),
        ("时间", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(TrustedApplication)
class TrustedApplicationAdmin(SimpleHistoryAdmin):
    list_display = ("app_id", "name", "region", "corp_name", "status", "created_at")
    list_filter = ("status", "region")
    search_fields = ("app_id", "name", "corp_name", "corp_code")
    list_select_related = ("region",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(EnvelopeCall)
class EnvelopeCallAdmin(admin.ModelAdmin):
    list_display = ("created_at", "direction", "account_id", "endpoint", "http_status", "status_code", "latency_ms", "biz_num")
    list_filter = ("direction", "status_code", "endpoint")
    search_fields = ("account_id", "biz_num", "request_id")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
