"""Governance portal pages of the trust service: regions, trusted applications, tokens, records.

Business rules live in ``trust.services``; these classes only call them. Plain identity numbers
and secrets never appear: applications' secrets are shown once after allocation, holders' numbers
only masked.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from simple_history.admin import SimpleHistoryAdmin

from ysj_portal.admin_base import ReadOnlyAdmin, ReadOnlyAdminMixin
from ysj_portal.admin_records import (
    InputFilter,
    RecordAdmin,
    RegionFilter,
    StatusFilter,
    admin_link,
    date_range_filter,
    exact_filter,
    status_text,
)
from ysj_protocol.identifiers import is_valid_resident_id, is_valid_uscc

from . import services, throttle
from .models import (
    AcceptedServiceCode,
    AccessToken,
    ApplicationStatus,
    EnvelopeCall,
    HolderToken,
    Region,
    RegistrationAttempt,
    RegistrationThrottle,
    TrustedApplication,
)

ISSUED_PAGE_TEMPLATE = "admin/trust/trustedapplication/secret_issued.html"


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin):
    object_history_list_template = "admin/catalog/object_history_list.html"
    object_history_form_template = "admin/catalog/object_history_form.html"
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


class TokenStateFilter(admin.SimpleListFilter):
    title = "令牌状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "有效"), ("expired", "已过期"), ("revoked", "已吊销")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class RegistrationLockFilter(admin.SimpleListFilter):
    title = "锁定状态"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", "锁定中"), ("no", "未锁定")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=timezone.now())
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=timezone.now())
        return queryset


def token_state(token: AccessToken | HolderToken) -> str:
    if token.revoked_at is not None:
        return "已吊销"
    return "已过期" if token.is_expired() else "有效"


@admin.register(TrustedApplication)
class TrustedApplicationAdmin(SimpleHistoryAdmin):
    # The portal's history pages (Chinese, no revert, no links a region administrator cannot open).
    object_history_list_template = "admin/catalog/object_history_list.html"
    object_history_form_template = "admin/catalog/object_history_form.html"
    list_display = ("app_id", "name", "region", "corp_name", "corp_code", "status", "has_secret_display", "created_at")
    list_filter = ("status", "region")
    search_fields = ("app_id", "name", "corp_name", "corp_code")
    list_select_related = ("region",)
    actions = ("rotate_secret", "suspend", "reactivate", "revoke", "revoke_tokens", "unlock_registration")
    fieldsets = (
        (None, {"fields": ("app_id", "name", "region")}),
        ("单位", {"fields": ("corp_name", "corp_code", "contact_name", "contact_phone")}),
        ("密钥", {"fields": ("public_key", "secret_issued_at"),
                  "description": "登记应用系统的 SM2 公钥。appSecret 在保存后只显示一次，平台仅保存其加盐摘要。"}),
        ("状态", {"fields": ("status", "status_reason", "created_at", "updated_at"),
                  "description": "暂停、恢复与吊销请使用列表页的批量操作：暂停或吊销会同时吊销该应用的全部令牌。"}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: TrustedApplication | None = None) -> tuple[str, ...]:
        fields = ("secret_issued_at", "status", "status_reason", "created_at", "updated_at", "region_display")
        return (*fields, "app_id") if obj is not None else fields

    def get_fieldsets(self, request: HttpRequest, obj: TrustedApplication | None = None):
        """An existing application's region as text for whoever may not open the regions' pages."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or request.user.has_perm("trust.view_region"):
            return fieldsets
        return [
            (name, {**options, "fields": tuple("region_display" if f == "region" else f for f in options["fields"])})
            for name, options in fieldsets
        ]

    @admin.display(description="所属地区")
    def region_display(self, obj: TrustedApplication) -> str:
        return obj.region.name if obj.region_id else "—"

    @admin.display(description="已分配密钥", boolean=True)
    def has_secret_display(self, obj: TrustedApplication) -> bool:
        return obj.has_secret

    def response_add(self, request: HttpRequest, obj: TrustedApplication, post_url_continue=None) -> HttpResponse:
        secret = services.allocate_secret(obj)
        return self._secret_page(request, [(obj, secret)], rotated=False)

    def _secret_page(self, request: HttpRequest, issued: list, *, rotated: bool) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "title": "应用密钥", "issued": issued, "rotated": rotated}
        response = TemplateResponse(request, ISSUED_PAGE_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="重置所选应用的应用密钥（并吊销其访问令牌）", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[TrustedApplication]) -> TemplateResponse:
        issued = [(application, services.allocate_secret(application, rotating=True)) for application in queryset]
        return self._secret_page(request, issued, rotated=True)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[TrustedApplication], status: str) -> None:
        for application in queryset:
            services.set_application_status(application, status, f"由 {request.user} 于管理门户操作")
        self.message_user(request, f"已将 {len(queryset)} 个应用设为“{ApplicationStatus(status).label}”。", messages.SUCCESS)

    @admin.action(description="暂停所选应用（吊销其全部令牌）", permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[TrustedApplication]) -> None:
        self._set_status(request, queryset, ApplicationStatus.SUSPENDED)

    @admin.action(description="恢复所选应用", permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[TrustedApplication]) -> None:
        self._set_status(request, queryset, ApplicationStatus.ACTIVE)

    @admin.action(description="吊销所选应用（吊销其全部令牌）", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[TrustedApplication]) -> None:
        self._set_status(request, queryset, ApplicationStatus.REVOKED)

    @admin.action(description="吊销所选应用的全部访问令牌", permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[TrustedApplication]) -> None:
        count = services.revoke_access_tokens(AccessToken.objects.filter(application__in=queryset), "管理门户吊销")
        self.message_user(request, f"已吊销 {count} 个应用可信访问令牌。", messages.SUCCESS)

    @admin.action(description="解除所选应用的注册失败锁定（全部来源地址）", permissions=["change"])
    def unlock_registration(self, request: HttpRequest, queryset: QuerySet[TrustedApplication]) -> None:
        count = throttle.unlock(app_ids=list(queryset.values_list("app_id", flat=True)))
        self.message_user(request, f"已解除 {count} 个注册锁定范围（应用标识与来源地址）。", messages.SUCCESS)


class _TokenAdmin(ReadOnlyAdmin):
    """A token list: read-only rows, revocable in bulk through ``revoke_with``."""

    date_hierarchy = "issued_at"
    actions = ("revoke_selected",)
    list_select_related = ("application",)
    #: The service that revokes a queryset of these tokens, and what the confirmation calls them.
    revoke_with: Callable[[QuerySet, str], int]
    tokens_label: str

    @admin.display(description="令牌前缀")
    def prefix_display(self, obj: AccessToken | HolderToken) -> str:
        return f"{obj.prefix}…"

    @admin.display(description="状态")
    def state(self, obj: AccessToken | HolderToken) -> str:
        return token_state(obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Needed for the revoke action; the form itself stays read-only.
        return obj is None and super(ReadOnlyAdminMixin, self).has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.action(description="吊销所选令牌", permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = self.revoke_with(queryset, f"由 {request.user} 于管理门户吊销")
        self.message_user(request, f"已吊销 {count} 个{self.tokens_label}。", messages.SUCCESS)


@admin.register(AccessToken)
class AccessTokenAdmin(_TokenAdmin):
    list_display = ("prefix_display", "application", "issued_at", "expires_at", "state", "client_ip", "revoked_reason")
    list_filter = (TokenStateFilter, "application__region")
    search_fields = ("application__app_id", "prefix")
    fields = ("prefix", "application", "issued_at", "expires_at", "revoked_at", "revoked_reason", "client_ip")
    revoke_with = staticmethod(services.revoke_access_tokens)
    tokens_label = "应用可信访问令牌"


@admin.register(HolderToken)
class HolderTokenAdmin(_TokenAdmin):
    list_display = ("prefix_display", "application", "holder_name", "holder_code_masked", "phone_masked",
                    "auth_type", "service_code_type", "issued_at", "expires_at", "state")
    list_filter = (TokenStateFilter, "auth_type", "holder_code_type", "service_code_type")
    search_fields = ("application__app_id", "transaction_id", "prefix")
    search_help_text = "可按应用标识、业务流水号、令牌前缀或完整的证件号码（按摘要匹配，不显示明文）查找"
    fields = ("prefix", "application", "transaction_id", "auth_type", "holder_name", "holder_code_type",
              "holder_code_masked", "phone_masked", "service_code_type", "service_code_region", "permission",
              "location", "issued_at", "expires_at", "revoked_at", "revoked_reason")
    revoke_with = staticmethod(services.revoke_holder_tokens)
    tokens_label = "持证主体可信访问令牌"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip().upper()
        if is_valid_resident_id(term) or is_valid_uscc(term):
            code_type = "身份证" if is_valid_resident_id(term) else "统一社会信用代码"
            return queryset.filter(holder_key=services.holder_key(code_type, term)), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(AcceptedServiceCode)
class AcceptedServiceCodeAdmin(ReadOnlyAdmin):
    list_display = ("accepted_at", "code_type", "region_code", "application", "expires_at")
    list_filter = ("code_type", "region_code")
    list_select_related = ("application",)
    date_hierarchy = "accepted_at"


class RegistrationReasonFilter(admin.SimpleListFilter):
    """The attempt's result by its meaning; the stored code stays what filters and tests match."""

    title = "结果"
    parameter_name = "reason"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(RegistrationAttempt.REASONS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(reason=self.value()) if self.value() else queryset


@admin.register(RegistrationAttempt)
class RegistrationAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "app_id", "client_ip", "succeeded", "reason_display")
    list_filter = ("succeeded", RegistrationReasonFilter)
    search_fields = ("app_id", "client_ip")
    date_hierarchy = "created_at"
    fields = ("created_at", "app_id", "client_ip", "succeeded", "reason_display")
    readonly_fields = fields

    @admin.display(description="结果", ordering="reason")
    def reason_display(self, obj: RegistrationAttempt) -> str:
        return obj.reason_label


@admin.register(RegistrationThrottle)
class RegistrationThrottleAdmin(ReadOnlyAdmin):
    """Registration locks: operators see who is locked and lift a lock (the appId's own page too)."""

    list_display = ("app_id", "client", "failures", "lockouts", "last_failure_at", "locked_until", "state")
    list_filter = (RegistrationLockFilter,)
    search_fields = ("app_id", "client")
    actions = ("unlock_selected",)

    @admin.display(description="状态")
    def state(self, obj: RegistrationThrottle) -> str:
        return "锁定中" if obj.is_locked() else "未锁定"

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Needed for the unlock action; the rows themselves are written by trust.throttle only.
        return obj is None and super(ReadOnlyAdminMixin, self).has_change_permission(request, obj)

    @admin.action(description="解除所选注册锁定", permissions=["change"])
    def unlock_selected(self, request: HttpRequest, queryset: QuerySet[RegistrationThrottle]) -> None:
        count = 0
        for row in queryset:
            count += throttle.unlock(app_ids=[row.app_id], client=row.client)
        self.message_user(request, f"已解除 {count} 个注册锁定范围。", messages.SUCCESS)


class CallApplicationFilter(InputFilter):
    """An application's calls: those it made (its appId as the account) and those made for it."""

    title = "应用标识或对方账号"
    parameter_name = "application"
    lookup = "account_id"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(account_id=value) | Q(application=value))


@admin.register(EnvelopeCall)
class EnvelopeCallAdmin(RecordAdmin):
    """Call records, read-only and scoped to the user's region; each links to its retrievals and entry."""

    list_display = (
        "created_at", "direction", "account_id", "application", "relaying_region", "endpoint", "status_display",
        "http_status", "latency_ms", "biz_num", "links",
    )
    list_filter = (
        RegionFilter, "direction", CallApplicationFilter, StatusFilter,
        exact_filter("biz_num", "业务编号", "biz_num"), exact_filter("request_id", "请求编号", "request_id"),
        exact_filter("endpoint", "接口", "endpoint", "/api/v1/..."), date_range_filter("created_at"),
    )
    exact_search_fields = ("biz_num", "request_id", "account_id")
    search_help_text = "按业务编号、请求编号或应用标识精确查找"
    fields = (
        "created_at", "direction", "account_id", "application", "relaying_region", "endpoint", "http_status",
        "status_display", "latency_ms", "biz_num", "request_id", "request_digest", "response_digest", "error", "links",
    )
    readonly_fields = fields
    export_name = "calls"
    export_columns = (
        ("编号", lambda c: c.pk),
        ("时间", lambda c: timezone.localtime(c.created_at).isoformat()),
        ("方向", lambda c: c.get_direction_display()),
        ("应用标识或对方账号", lambda c: c.account_id),
        ("所属应用", lambda c: c.application),
        ("转发地区", lambda c: c.relaying_region),
        ("接口", lambda c: c.endpoint),
        ("HTTP 状态", lambda c: c.http_status),
        ("业务状态", lambda c: status_text(c.status_code)),
        ("耗时（毫秒）", lambda c: c.latency_ms),
        ("业务编号", lambda c: c.biz_num),
        ("请求编号", lambda c: c.request_id),
        ("请求摘要（SM3）", lambda c: c.request_digest),
        ("应答摘要（SM3）", lambda c: c.response_digest),
        ("错误", lambda c: c.error),
    )

    @admin.display(description="业务状态")
    def status_display(self, obj: EnvelopeCall) -> str:
        return status_text(obj.status_code)

    @admin.display(description="关联记录")
    def links(self, obj: EnvelopeCall) -> str:
        parts = [admin_link("evidence.EvidenceEntry", "存证条目", query=urlencode({"call": obj.pk}))]
        if obj.request_id:
            query = urlencode({"request_id": obj.request_id})
            parts.append(admin_link("sharing.Retrieval", "证照获取记录", query=query))
            parts.append(admin_link("trust.EnvelopeCall", "同一请求的调用", query=query))
        return format_html_join(" | ", "{}", ((part,) for part in parts))
