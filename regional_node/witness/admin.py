"""The witness in the node admin: the state of each log, the evidence of conflicts, the history."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html

from . import checking, services
from .models import CallCheck, CallCheckState, Conflict, CosignedCheckpoint, WitnessedLog, WitnessReset


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _reset_action(modeladmin, request, queryset, *, forget: bool):
    """Ask for the reason on an intermediate page, then lift the refusal of each selected log."""
    if request.POST.get("confirm"):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            modeladmin.message_user(request, "必须填写解除理由", messages.ERROR)
            return None
        for log in queryset:
            services.reset(
                origin=log.origin, reason=reason, operator=request.user.get_username(), forget=forget
            )
        modeladmin.message_user(request, f"已解除 {queryset.count()} 个日志的拒绝见证状态", messages.SUCCESS)
        return None
    return TemplateResponse(
        request,
        "admin/node_witness/witnessedlog/reset.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "解除拒绝见证",
            "logs": queryset,
            "forget": forget,
            "action": request.POST.get("action"),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "opts": modeladmin.model._meta,
        },
    )


@admin.action(description="解除拒绝见证（保留已见证状态）", permissions=["change"])
def lift_refusal(modeladmin, request, queryset):
    return _reset_action(modeladmin, request, queryset, forget=False)


@admin.action(
    description="解除拒绝见证并清除已见证状态（下一个检查点按首次见证处理）", permissions=["change"]
)
def lift_refusal_and_forget(modeladmin, request, queryset):
    return _reset_action(modeladmin, request, queryset, forget=True)


@admin.register(WitnessedLog)
class WitnessedLogAdmin(ReadOnlyAdmin):
    list_display = ("origin", "size", "short_root", "cosigned_at", "refused_flag", "refused_at", "epoch")
    list_select_related = ("refusal",)
    readonly_fields = [f.name for f in WitnessedLog._meta.fields]
    actions = [lift_refusal, lift_refusal_and_forget]

    def has_change_permission(self, request, obj=None) -> bool:
        # The list's actions need the change permission; the fields stay read-only.
        return request.user.has_perm("node_witness.change_witnessedlog")

    @admin.display(description="根哈希")
    def short_root(self, obj: WitnessedLog) -> str:
        return f"{obj.root[:16]}…" if obj.root else "—"

    @admin.display(description="状态")
    def refused_flag(self, obj: WitnessedLog) -> str:
        if obj.refused:
            return format_html('<strong style="color:#ba2121">拒绝见证（{}）</strong>', obj.refusal or "冲突")
        return "正常见证"


@admin.register(CosignedCheckpoint)
class CosignedCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("log", "epoch", "size", "old_size", "short_root", "cosigned_at")
    list_filter = ("log", "epoch")
    list_select_related = ("log",)
    readonly_fields = [f.name for f in CosignedCheckpoint._meta.fields]

    @admin.display(description="根哈希")
    def short_root(self, obj: CosignedCheckpoint) -> str:
        return f"{obj.root[:16]}…"


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "log", "kind", "size", "witnessed_size", "reason")
    list_filter = ("kind",)
    list_select_related = ("log",)
    readonly_fields = [f.name for f in Conflict._meta.fields]


@admin.register(WitnessReset)
class WitnessResetAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "log", "operator", "forgot_state", "previous_size", "reason")
    list_select_related = ("log", "conflict")
    readonly_fields = [f.name for f in WitnessReset._meta.fields]


@admin.register(CallCheck)
class CallCheckAdmin(ReadOnlyAdmin):
    """Each checked call; above the list, how many served calls are confirmed, pending, missing."""

    list_display = (
        "call",
        "state_flag",
        "index",
        "checkpoint_size",
        "attempts",
        "checked_at",
        "next_check_at",
        "detail",
    )
    list_filter = ("state",)
    list_select_related = ("call",)
    readonly_fields = [f.name for f in CallCheck._meta.fields]
    change_list_template = "admin/node_witness/callcheck/change_list.html"

    @admin.display(description="结果")
    def state_flag(self, obj: CallCheck) -> str:
        if obj.state == CallCheckState.MISMATCH:
            return format_html('<strong style="color:#ba2121">{}</strong>', obj.get_state_display())
        return obj.get_state_display()

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**(extra_context or {}), "evidence_summary": checking.summary()}
        )
