"""Read-only admin views of the sharing records: what was obtained, by whom, under which list.

Face numbers are shown masked; holders and face numbers are found by a full number only, through
their keyed digests (the records hold nothing else to match).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode

from ysj_portal.admin_base import ReadOnlyAdmin, ReadOnlyTabularInline
from ysj_portal.admin_records import RecordAdmin, RegionFilter, admin_link, date_range_filter, exact_filter

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
class RetrievalAdmin(RecordAdmin):
    """Retrieval records, read-only and scoped to the user's region; each links to its calls and entries."""

    list_display = (
        "created_at", "kind", "application", "scenario_code", "item_org", "operator", "biz_num", "result_count",
        "unavailable_regions", "links",
    )
    list_filter = (
        RegionFilter, "kind", exact_filter("application__app_id", "应用标识", "application"),
        exact_filter("scenario_code", "用证清单编码", "scenario"), exact_filter("operator", "操作人员", "operator"),
        exact_filter("biz_num", "业务编号", "biz_num"), exact_filter("request_id", "请求编号", "request_id"),
        date_range_filter("created_at"),
    )
    exact_search_fields = ("biz_num", "request_id")
    holder_field = "holder_key"
    search_help_text = "按业务编号、请求编号精确查找，或输入完整的持证主体证件号码（按摘要匹配，号码不保存、不显示）"
    list_select_related = ("application",)
    fields = (
        "created_at", "kind", "application", "scenario_code", "use_for", "item_name", "item_org", "operator",
        "biz_num", "request_id", "unavailable_regions", "result_count", "links",
    )
    readonly_fields = fields
    inlines = [RetrievedCertificateInline]
    export_name = "retrievals"
    export_columns = (
        ("编号", lambda r: r.pk),
        ("时间", lambda r: timezone.localtime(r.created_at).isoformat()),
        ("服务", lambda r: r.get_kind_display()),
        ("应用标识", lambda r: r.application.app_id),
        ("应用名称", lambda r: r.application.name),
        ("用证清单编码", lambda r: r.scenario_code),
        ("查询事由", lambda r: r.use_for),
        ("场景或业务名称", lambda r: r.item_name),
        ("调用单位名称", lambda r: r.item_org),
        ("操作人员", lambda r: r.operator),
        ("业务编号", lambda r: r.biz_num),
        ("请求编号", lambda r: r.request_id),
        ("结果数", lambda r: r.result_count),
        ("未应答地区", lambda r: r.unavailable_regions),
    )

    def holder_condition(self, holder: str, face_number: str) -> Q:
        # A verification (12.1.10) names no holder, only the face number of the file it checked.
        listing = RetrievedCertificate.objects.filter(certificate_number_key=face_number).values("retrieval_id")
        return Q(holder_key=holder) | Q(pk__in=listing)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # Besides the exact fields, a full face number (of any certificate) by its digest.
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, duplicates
        listing = RetrievedCertificate.objects.with_number(term).values("retrieval_id")
        return found | queryset.filter(pk__in=listing), duplicates

    @admin.display(description="关联记录")
    def links(self, obj: Retrieval) -> str:
        if not obj.request_id:
            return ""
        query = urlencode({"request_id": obj.request_id})
        return format_html_join(" | ", "{}", (
            (admin_link("trust.EnvelopeCall", "接口调用记录", query=query),),
            (admin_link("evidence.EvidenceEntry", "存证条目", query=query),),
        ))


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
