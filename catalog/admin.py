"""Governance portal: the certificate catalog and the publication outbox (admin in Chinese)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from ysj_portal.admin_base import ReadOnlyAdmin, ReadOnlyTabularInline
from ysj_portal.history import RevertRefusedMixin
from ysj_protocol import regions
from ysj_protocol import status as st

from . import delivery, services
from .admin_refusal import RefusalAwareAdminMixin
from .errors import GovernanceError
from .models import CatalogEntry, CatalogStatus, DeliveryState, Publication, PublicationDelivery
from .outbox import enqueue_delivery
from .paging import EstimatedCountPaginator


def all_parties() -> str:
    """``上海、江苏、浙江、安徽四地``: every party of the table, as the messages name them (five with a fifth)."""
    return f"{regions.places_text()}{regions.parties_label()}"


class ShareWindowFilter(admin.SimpleListFilter):
    title = "共享期"
    parameter_name = "window"

    def lookups(self, request, model_admin):
        return [("now", "当前共享中"), ("future", "尚未开始"), ("ended", "已结束"), ("open", "长期共享")]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "now":
            return queryset.filter(share_start__lte=now).filter(Q(share_end__isnull=True) | Q(share_end__gt=now))
        if value == "future":
            return queryset.filter(share_start__gt=now)
        if value == "ended":
            return queryset.filter(share_end__lte=now)
        if value == "open":
            return queryset.filter(share_end__isnull=True)
        return queryset


class CatalogEntryForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="变更说明", max_length=100, required=False, help_text="记录在历史中；修改已发布的证照目录时必填"
    )

    class Meta:
        model = CatalogEntry
        fields = (
            "type_name", "type_code", "holder_type", "authority_name", "authority_code", "related_item_name",
            "related_item_code", "share_start", "share_end",
        )

    def clean(self):
        data = super().clean()
        instance = self.instance
        edited = [name for name in self.changed_data if name != "change_reason"]
        if instance.pk and instance.status == CatalogStatus.PUBLISHED and edited and not data.get("change_reason"):
            self.add_error("change_reason", f"修改已发布的证照目录须填写变更说明（将同步发布到{all_parties()}）")
        if instance.pk and instance.first_published_at and "type_code" in self.changed_data:
            self.add_error("type_code", "证照类型代码在发布后不可修改")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


def _confirm_action(modeladmin, request, queryset, *, title: str, verb: str, action: str, needs_reason: bool, apply):
    """An admin action with an intermediate confirmation page (and a reason when needed)."""
    form = ReasonForm(request.POST if "confirmed" in request.POST else None)
    if "confirmed" in request.POST and (not needs_reason or form.is_valid()):
        reason = form.cleaned_data["reason"] if needs_reason else request.POST.get("reason", "")
        done = 0
        for obj in queryset:
            try:
                apply(obj, request.user, reason)
                done += 1
            except GovernanceError as exc:
                modeladmin.message_user(request, str(exc), messages.ERROR)
        if done:
            modeladmin.message_user(request, f"已{verb} {done} 条，并已写入向{all_parties()}发布的投递队列。", messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": queryset,
        "form": form,
        "needs_reason": needs_reason,
        "action": action,
        "verb": verb,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "parties_text": all_parties(),
    }
    return TemplateResponse(request, "admin/catalog/confirm_action.html", context)


@admin.register(CatalogEntry)
class CatalogEntryAdmin(RevertRefusedMixin, RefusalAwareAdminMixin, SimpleHistoryAdmin):
    form = CatalogEntryForm
    object_history_list_template = "admin/catalog/object_history_list.html"
    object_history_form_template = "admin/catalog/object_history_form.html"
    list_display = ("type_code", "type_name", "authority_name", "status_badge", "share_window", "updated_at")
    list_display_links = ("type_code", "type_name")
    list_filter = ("status", ShareWindowFilter, "holder_type", "authority_name")
    search_fields = ("type_name", "type_code", "authority_name", "authority_code", "related_item_name")
    readonly_fields = ("status", "revision", "first_published_at", "updated_at", "created_at")
    list_per_page = 50
    show_full_result_count = False
    actions = ("publish_selected", "withdraw_selected")
    fieldsets = (
        ("证照类型", {"fields": ("type_name", "type_code", "holder_type")}),
        ("主管部门", {"fields": ("authority_name", "authority_code")}),
        ("相关事项", {"fields": ("related_item_name", "related_item_code")}),
        ("共享期（6.2 c）", {"fields": ("share_start", "share_end")}),
        ("发布", {"fields": ("status", "revision", "first_published_at", "updated_at", "created_at")}),
        ("变更说明", {"fields": ("change_reason",)}),
    )

    @admin.display(description="状态", ordering="status")
    def status_badge(self, obj: CatalogEntry) -> str:
        colours = {CatalogStatus.PUBLISHED: "#2e7d32", CatalogStatus.DRAFT: "#6d6d6d", CatalogStatus.WITHDRAWN: "#b71c1c"}
        return format_html('<b style="color:{}">{}</b>', colours.get(obj.status, "#333"), obj.get_status_display())

    @admin.display(description="共享期", ordering="share_start")
    def share_window(self, obj: CatalogEntry) -> str:
        start = timezone.localtime(obj.share_start).strftime("%Y-%m-%d")
        end = timezone.localtime(obj.share_end).strftime("%Y-%m-%d") if obj.share_end else "长期"
        return f"{start} 至 {end}"

    def get_fieldsets(self, request: HttpRequest, obj: CatalogEntry | None = None):
        # A reader (no change permission) has nothing to explain: no empty "变更说明" row.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [(name, opts) for name, opts in fieldsets if "change_reason" not in opts["fields"]]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: CatalogEntry | None = None) -> tuple[str, ...]:
        # The type code is fixed once published (scenario lists and the regions refer to it).
        fields = tuple(super().get_readonly_fields(request, obj))
        return ("type_code", *fields) if obj is not None and obj.first_published_at else fields

    def save_model(self, request: HttpRequest, obj: CatalogEntry, form, change: bool) -> None:
        try:
            services.save_entry(obj, actor=request.user, reason=form.cleaned_data.get("change_reason", ""))
        except (GovernanceError, ValidationError) as exc:  # a rule the form could not see (a concurrent change)
            self.refuse_save(exc)  # rolled back, the form is shown again with the refusal

    def has_delete_permission(self, request: HttpRequest, obj: CatalogEntry | None = None) -> bool:
        # Published entries are withdrawn, never deleted: the regions and the history refer to them.
        return bool(super().has_delete_permission(request, obj) and (obj is None or obj.first_published_at is None))

    def _can_publish(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.publish_catalogentry")

    @admin.action(description="发布所选证照目录到各地区", permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _confirm_action(
            self, request, queryset, title="确认发布证照目录", verb="发布", action="publish_selected", needs_reason=False,
            apply=lambda obj, user, reason: services.publish_entry(obj, actor=user, reason=reason or "发布"),
        )

    @admin.action(description="撤回所选证照目录", permissions=["publish"])
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _confirm_action(
            self, request, queryset, title="确认撤回证照目录", verb="撤回", action="withdraw_selected", needs_reason=True,
            apply=lambda obj, user, reason: services.withdraw_entry(obj, actor=user, reason=reason),
        )

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return self._can_publish(request)


# Regions and users are named as text: their pages answer 403 to region administrators.
@admin.display(description="地区")
def region_name(obj) -> str:
    return obj.region.name


@admin.display(description="操作人")
def actor_name(obj) -> str:
    return obj.actor.get_username() if obj.actor_id else "系统"


def status_text(recorded: str) -> str:
    """A recorded ``status`` or ``status/http`` with its meaning from the table (``ysj_protocol.status``)."""
    if not recorded:
        return "—"
    code, _, http = recorded.partition("/")
    known = st.lookup(code)
    meaning = known.message if known is not None else "未知状态码"
    return f"{code}（{meaning}）" + (f"，HTTP {http}" if http else "")


@admin.display(description="最近应答状态")
def delivery_status(obj) -> str:
    return status_text(obj.last_status)


class DeliveryInline(ReadOnlyTabularInline):
    model = PublicationDelivery
    fields = (region_name, "sequence", "state", "attempts", delivery_status, "last_error", "next_attempt_at",
              "delivered_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("region")


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("published_at", "kind", "action", "code", "actor", "reason")
    list_filter = ("kind", "action")
    search_fields = ("code", "id")
    list_select_related = ("actor",)
    readonly_fields = ("id", "kind", "action", "code", "object_id", "payload", "published_at", actor_name, "reason")
    fields = readonly_fields
    inlines = (DeliveryInline,)
    paginator = EstimatedCountPaginator
    date_hierarchy = "published_at"


@admin.register(PublicationDelivery)
class PublicationDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "region", "sequence", "what", "state_badge", "attempts", "status_meaning", "short_error",
        "next_attempt_at", "delivered_at",
    )
    list_filter = ("state", "region", "publication__kind", "publication__action")
    search_fields = ("publication__code", "publication__id")
    list_select_related = ("region", "publication")
    readonly_fields = (
        "publication", region_name, "sequence", "state_badge", "attempts", "next_attempt_at", "last_attempt_at",
        "status_meaning", "last_error", "delivered_at", "duplicate_text", "created_at",
    )
    fields = readonly_fields
    actions = ("retry_now",)
    list_per_page = 100
    paginator = EstimatedCountPaginator

    @admin.display(description="内容")
    def what(self, obj: PublicationDelivery) -> str:
        p = obj.publication
        return f"{p.get_kind_display()}{p.get_action_display()} {p.code}"

    @admin.display(description="投递状态", ordering="state")
    def state_badge(self, obj: PublicationDelivery) -> str:
        colours = {DeliveryState.DELIVERED: "#2e7d32", DeliveryState.PENDING: "#ef6c00", DeliveryState.FAILED: "#b71c1c"}
        label = obj.get_state_display()
        if obj.state == DeliveryState.DELIVERED and obj.duplicate:
            label = f"{label}（重复，地区已收到过）"  # delivered: the region had it already, nothing is wrong
        return format_html('<b style="color:{}">{}</b>', colours[obj.state], label)

    @admin.display(description="重复投递")
    def duplicate_text(self, obj: PublicationDelivery) -> str:
        if obj.state != DeliveryState.DELIVERED:
            return "—"
        return "重复（地区已收到过）" if obj.duplicate else "否（首次送达）"

    @admin.display(description="最近应答状态", ordering="last_status")
    def status_meaning(self, obj: PublicationDelivery) -> str:
        return status_text(obj.last_status)

    @admin.display(description="最近错误")
    def short_error(self, obj: PublicationDelivery) -> str:
        return (obj.last_error[:60] + "…") if len(obj.last_error) > 60 else obj.last_error

    @admin.action(description="立即重试所选投递", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = list(queryset.exclude(state=DeliveryState.DELIVERED))
        region_ids = delivery.retry_now(rows)
        enqueue_delivery(region_ids)
        self.message_user(request, f"已安排立即重试 {len(rows)} 条投递（已送达的不会重发）。", messages.SUCCESS)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("catalog.retry_publicationdelivery")
