"""Read-only admin views of the sharing records: what was obtained, by whom, under which list.

Face numbers are shown masked; holders and face numbers are found by a full number only, through
their keyed digests (the records hold nothing else to match).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from ysj_portal.admin_base import ReadOnlyAdmin, ReadOnlyTabularInline

from .holders import holder_key_of_number
from .models import CertificateID, FileLink, Retrieval, RetrievedCertificate, SealedFaceNumber


@admin.display(description="证照照面编号")
def masked_face_number(obj: SealedFaceNumber) -> str:
    return obj.certificate_number_masked


class RetrievedCertificateInline(ReadOnlyTabularInline):
    model = RetrievedCertificate
    fields = ("region", "certificate_type", "certificate_type_code", "face_number", "obtained")
    readonly_fields = fields
    face_number = staticmethod(masked_face_number)


@admin.register(Retrieval)
class RetrievalAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "application", "scenario_code", "item_org", "operator", "biz_num", "result_count", "unavailable_regions")
    list_filter = ("kind", "scenario_code")
    search_fields = ("biz_num", "request_id", "application__app_id", "holder_key")
    search_help_text = "可按业务编号、请求编号、应用标识，或完整的持证主体证件号码、证照照面编号（按摘要匹配，不显示明文）查找"
    list_select_related = ("application",)
    date_hierarchy = "created_at"
    inlines = [RetrievedCertificateInline]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return super().get_search_results(request, queryset, search_term)
        if holder_key_of_number(term):  # a full identity number or credit code names nothing else
            return queryset.naming(term), False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return found | queryset.naming(term), may_have_duplicates


@admin.register(CertificateID)
class CertificateIDAdmin(ReadOnlyAdmin):
    list_display = ("issued_at", "expires_at", "application", "region", "certificate_type_code", "face_number", "scenario_code")
    list_filter = ("region", "scenario_code")
    search_fields = ("application__app_id",)
    search_help_text = "可按应用标识，或完整的持证主体证件号码、证照照面编号（按摘要匹配，不显示明文）查找"
    list_select_related = ("application", "region")
    fields = ("application", "holder_key", "scenario_code", "region", "certificate_ref", "certificate_type_code",
              "face_number", "stored_summary", "issued_at", "expires_at")
    readonly_fields = ("face_number",)
    face_number = staticmethod(masked_face_number)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not term:
            return found, may_have_duplicates
        by_number = queryset.with_number(term)
        holder = holder_key_of_number(term)
        if holder:
            by_number |= queryset.filter(holder_key=holder)
        return found | by_number, may_have_duplicates


@admin.register(FileLink)
class FileLinkAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "application", "region", "file_format", "expires_at", "used_at", "completed_at", "bytes_sent", "error")
    list_filter = ("region", "file_format")
    search_fields = ("application__app_id",)
    list_select_related = ("application", "region")
    exclude = ("token_hash", "audit")
