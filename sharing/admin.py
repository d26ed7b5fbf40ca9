"""Read-only admin views of the sharing records: what was obtained, by whom, under which list."""

from django.contrib import admin

from ysj_portal.admin_base import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import CertificateID, FileLink, Retrieval, RetrievedCertificate


class RetrievedCertificateInline(ReadOnlyTabularInline):
    model = RetrievedCertificate
    fields = ("region", "certificate_type", "certificate_type_code", "certificate_number", "obtained")
    readonly_fields = fields


@admin.register(Retrieval)
class RetrievalAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "application", "scenario_code", "item_org", "operator", "biz_num", "result_count", "unavailable_regions")
    list_filter = ("kind", "scenario_code")
    search_fields = ("biz_num", "request_id", "application__app_id", "holder_key")
    list_select_related = ("application",)
    date_hierarchy = "created_at"
    inlines = [RetrievedCertificateInline]


@admin.register(CertificateID)
class CertificateIDAdmin(ReadOnlyAdmin):
    list_display = ("issued_at", "expires_at", "application", "region", "certificate_type_code", "certificate_number", "scenario_code")
    list_filter = ("region", "scenario_code")
    search_fields = ("certificate_number", "application__app_id")
    list_select_related = ("application", "region")
    exclude = ("key_hash",)


@admin.register(FileLink)
class FileLinkAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "application", "region", "file_format", "expires_at", "used_at", "completed_at", "bytes_sent", "error")
    list_filter = ("region", "file_format")
    search_fields = ("application__app_id",)
    list_select_related = ("application", "region")
    exclude = ("token_hash", "audit")
