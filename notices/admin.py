"""Read-only admin of the holder notices: what each holder was told, with masked numbers only."""

from __future__ import annotations

from django.contrib import admin

from ysj_portal.admin_base import ReadOnlyAdmin

from .models import HolderNotice


@admin.register(HolderNotice)
class HolderNoticeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "application", "scenario_code", "scenario_name", "certificates_display", "operator", "biz_num")
    list_filter = ("kind", "application", "scenario_code", ("created_at", admin.DateFieldListFilter))
    search_fields = ("biz_num", "request_id")
    search_help_text = "可按业务编号、请求编号查找"
    list_select_related = ("application", "relaying_region")
    date_hierarchy = "created_at"
    fields = (
        "created_at", "kind", "application", "application_name", "relaying_region", "scenario_code", "scenario_name",
        "item_name", "use_for", "item_org", "operator", "biz_num", "request_id", "certificates_display", "retrieval",
        "text",
    )
    readonly_fields = fields

    @admin.display(description="证照（照面编号已脱敏）")
    def certificates_display(self, obj: HolderNotice) -> str:
        return obj.certificates_text
