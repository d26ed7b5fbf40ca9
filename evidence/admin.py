"""Audit pages of the evidence log: entries, checkpoints and the witnesses' cosignatures.

Read-only for everyone, superusers included (the tables are append-only down to the database).
Entries are listed newest first by key and never counted (``ysj_portal.admin_records``); each
says whether the latest cosigned checkpoint includes it, with a link to its inclusion proof, and
links to its call record and the retrievals of the same request. Region administrators see the
entries of their region (``ysj_portal.audit``); checkpoints are public and seen by all.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import IntegerField, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from ysj_portal.admin_base import ReadOnlyTabularInline
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
from ysj_protocol import regions
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.tlog import note

from . import services
from .models import Checkpoint, Cosignature, EvidenceEntry, QuarantinedEntry


def witness_grace() -> timedelta:
    """How long a checkpoint may wait for a witness before it is shown as lacking one."""
    return timedelta(seconds=float(getattr(settings, "YSJ_EVIDENCE_WITNESS_DELAY_SECONDS", 300)))


def inclusion_proof_url(index: int, size: int) -> str:
    try:
        base = reverse("evidence:inclusion-proof")
    except NoReverseMatch:
        base = "/evidence/proof/inclusion"
    return f"{base}?{urlencode({'index': index, 'size': size})}"


class CallFilter(InputFilter):
    title = "调用记录编号"
    parameter_name = "call"
    lookup = "call_id"

    def clean(self, value: str) -> int | None:
        value = value.strip()
        return int(value) if value.isdigit() else None


@admin.register(EvidenceEntry)
class EvidenceEntryAdmin(RecordAdmin):
    list_display = (
        "index", "at", "kind", "region", "application", "relaying_region", "operator", "scenario_code", "biz_num",
        "endpoint", "status_display", "inclusion", "links",
    )
    list_filter = (
        RegionFilter, "kind", exact_filter("application", "应用标识", "application"),
        exact_filter("scenario_code", "用证清单编码", "scenario"), exact_filter("operator", "经办人", "operator"),
        exact_filter("biz_num", "业务流水号", "biz_num"), StatusFilter,
        exact_filter("request_id", "请求编号", "request_id"), CallFilter, date_range_filter("at"),
    )
    exact_search_fields = ("biz_num", "request_id", "application")
    holder_field = "holder_digest"
    search_help_text = "按业务流水号、请求编号或应用标识精确查找，或输入完整的持证主体证件号码（按摘要匹配，号码不保存、不显示）"
    fields = (
        "index", "kind", "at", "region", "application", "relaying_region", "operator", "holder_digest",
        "scenario_code", "biz_num", "endpoint", "status_display", "request_id", "request_digest", "integrated_at",
        "leaf_hash_hex", "leaf_base64", "inclusion", "links",
    )
    readonly_fields = fields
    export_name = "evidence"
    export_columns = (
        ("序号", lambda e: e.index),
        ("时间", lambda e: timezone.localtime(e.at).isoformat()),
        ("类型", lambda e: e.get_kind_display()),
        ("地区", lambda e: e.region),
        ("应用标识", lambda e: e.application),
        ("转发地区", lambda e: e.relaying_region),
        ("经办人", lambda e: e.operator),
        ("持证主体摘要", lambda e: e.holder_digest),
        ("用证清单编码", lambda e: e.scenario_code),
        ("业务流水号", lambda e: e.biz_num),
        ("接口", lambda e: e.endpoint),
        ("状态", lambda e: status_text(e.status_code)),
        ("请求编号", lambda e: e.request_id),
        ("请求摘要（SM3）", lambda e: e.request_digest),
        ("叶子哈希（SM3）", lambda e: bytes(e.leaf_hash).hex()),
        ("调用记录编号", lambda e: e.call_id),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The latest cosigned checkpoint, read once per page, travels on every row as constants.
        checkpoint = services.latest_cosigned_checkpoint()
        size = checkpoint.size if checkpoint is not None else 0
        witnesses = checkpoint.cosignatures.count() if checkpoint is not None else 0
        return super().get_queryset(request).defer("leaf").annotate(
            cosigned_size=Value(size, output_field=IntegerField()),
            cosigned_witnesses=Value(witnesses, output_field=IntegerField()),
        )

    @admin.display(description="状态")
    def status_display(self, obj: EvidenceEntry) -> str:
        return status_text(obj.status_code)

    @admin.display(description="检查点")
    def inclusion(self, obj: EvidenceEntry) -> str:
        size = obj.cosigned_size
        if obj.index >= size:
            return "尚未纳入已联署的检查点"
        return format_html(
            '已纳入检查点（{} 条），{} 个地区见证 <a href="{}">包含证明</a>',
            size, obj.cosigned_witnesses, inclusion_proof_url(obj.index, size),
        )

    @admin.display(description="关联记录")
    def links(self, obj: EvidenceEntry) -> str:
        parts = []
        if obj.call_id:
            parts.append(admin_link("trust.EnvelopeCall", "接口调用记录", pk=obj.call_id))
        if obj.request_id:
            parts.append(admin_link("sharing.Retrieval", "证照获取记录", query=urlencode({"request_id": obj.request_id})))
        return format_html_join(" | ", "{}", ((part,) for part in parts))

    @admin.display(description="叶子哈希（SM3）")
    def leaf_hash_hex(self, obj: EvidenceEntry) -> str:
        return bytes(obj.leaf_hash).hex()

    @admin.display(description="叶子数据（base64）")
    def leaf_base64(self, obj: EvidenceEntry) -> str:
        return base64.b64encode(bytes(obj.leaf)).decode("ascii")


class LackingWitnessFilter(admin.SimpleListFilter):
    title = "见证"
    parameter_name = "lacking"

    def lookups(self, request, model_admin):
        return [("yes", f"超过 {int(witness_grace().total_seconds())} 秒仍缺少见证")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        lacking = services.checkpoints_lacking_witness(older_than=witness_grace())
        return queryset.filter(pk__in=[row.checkpoint.pk for row in lacking])


@admin.display(description="密钥标识（key ID）")
def cosignature_key_id(obj: Cosignature) -> str:
    """The key ID the line carries (hex): which of the region's keys made it."""
    try:
        return note.parse_signature_lines(obj.line if obj.line.endswith("\n") else obj.line + "\n")[0].key_id.hex()
    except (note.NoteError, IndexError):
        return "—"


class CosignatureInline(ReadOnlyTabularInline):
    model = Cosignature
    fields = ("region", "timestamp", "received_at", cosignature_key_id, "line")
    readonly_fields = fields


@admin.register(Checkpoint)
class CheckpointAdmin(RecordAdmin):
    list_display = ("size", "created_at", "root_base64", "witnessed_by")
    list_filter = (LackingWitnessFilter, date_range_filter("created_at"))
    fields = ("size", "created_at", "root_base64", "note")
    readonly_fields = fields
    inlines = [CosignatureInline]
    export_name = "checkpoints"
    export_columns = (
        ("条目数", lambda c: c.size),
        ("签发时间", lambda c: timezone.localtime(c.created_at).isoformat()),
        ("根哈希（base64）", lambda c: base64.b64encode(bytes(c.root)).decode("ascii")),
        ("见证地区", lambda c: "、".join(sorted(s.region for s in c.cosignatures.all()))),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("cosignatures")

    @admin.display(description="根哈希（base64）")
    def root_base64(self, obj: Checkpoint) -> str:
        return base64.b64encode(bytes(obj.root)).decode("ascii")

    @admin.display(description="已见证地区")
    def witnessed_by(self, obj: Checkpoint) -> str:
        return "、".join(sorted(s.region for s in obj.cosignatures.all())) or "—"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        for row in services.checkpoints_lacking_witness(older_than=witness_grace()):
            names = "、".join(regions.name_of(code) for code in row.regions)
            self.message_user(request, format_html(
                "检查点 {}（{} 签发）超过 {} 秒仍缺少见证：{}",
                row.checkpoint.size, timezone.localtime(row.checkpoint.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                int(witness_grace().total_seconds()), names,
            ), messages.WARNING)
        return super().changelist_view(request, extra_context)


@admin.register(Cosignature)
class CosignatureAdmin(RecordAdmin):
    list_display = ("checkpoint", "region", "timestamp", "received_at", cosignature_key_id)
    list_filter = (exact_filter("region", "地区", "region"), date_range_filter("received_at", "收到时间"))
    list_select_related = ("checkpoint",)
    fields = ("checkpoint", "region", "timestamp", "received_at", cosignature_key_id, "public_key", "line")
    readonly_fields = fields
    export_name = "cosignatures"
    export_columns = (
        ("检查点条目数", lambda c: c.checkpoint.size),
        ("地区", lambda c: c.region),
        ("联署时间（Unix 秒）", lambda c: c.timestamp),
        ("收到时间", lambda c: timezone.localtime(c.received_at).isoformat()),
        ("联署签名行", lambda c: c.line),
    )


class ReleasedFilter(admin.SimpleListFilter):
    title = "处理状态"
    parameter_name = "released"

    def lookups(self, request, model_admin):
        return [("no", "仍在隔离中"), ("yes", "已重新入账")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(release__isnull=self.value() == "no")
        return queryset


@admin.register(QuarantinedEntry)
class QuarantinedEntryAdmin(RecordAdmin):
    """Pending entries the integrator could not read: never in the tree, kept as they were written.

    An unreadable leaf names no region that can be trusted, so only users who see every region
    (auditors, superusers) see these rows (no audit scope is declared for the model).
    """

    list_display = ("id", "pending_id", "created_at", "quarantined_at", "reason", "call_link", "state")
    list_filter = (ReleasedFilter, date_range_filter("quarantined_at", "隔离时间"))
    fields = (
        "id", "pending_id", "created_at", "quarantined_at", "reason", "call_link", "state", "leaf_size",
        "leaf_hash_hex", "leaf_base64",
    )
    readonly_fields = fields
    export_name = "evidence-quarantine"
    export_columns = (
        ("隔离记录编号", lambda q: q.pk),
        ("原待入账编号", lambda q: q.pending_id),
        ("写入时间", lambda q: timezone.localtime(q.created_at).isoformat()),
        ("隔离时间", lambda q: timezone.localtime(q.quarantined_at).isoformat()),
        ("隔离原因", lambda q: q.reason),
        ("调用记录编号", lambda q: q.call_id),
        ("叶子数据（base64）", lambda q: base64.b64encode(bytes(q.leaf)).decode("ascii")),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("release")

    @admin.display(description="调用记录")
    def call_link(self, obj: QuarantinedEntry) -> str:
        return admin_link("trust.EnvelopeCall", "接口调用记录", pk=obj.call_id) if obj.call_id else "—"

    @admin.display(description="处理状态")
    def state(self, obj: QuarantinedEntry) -> str:
        release = getattr(obj, "release", None)
        if release is None:
            return "仍在隔离中（未入账）"
        return format_html(
            "已于 {} 由 {} 重新入账（新待入账编号 {}）：{}",
            timezone.localtime(release.released_at).strftime("%Y-%m-%d %H:%M:%S"), release.operator,
            release.pending_id, release.reason,
        )

    @admin.display(description="叶子数据长度（字节）")
    def leaf_size(self, obj: QuarantinedEntry) -> int:
        return len(bytes(obj.leaf))

    @admin.display(description="叶子数据哈希（SM3）")
    def leaf_hash_hex(self, obj: QuarantinedEntry) -> str:
        return sm3_hex(bytes(obj.leaf))

    @admin.display(description="叶子数据（base64）")
    def leaf_base64(self, obj: QuarantinedEntry) -> str:
        return base64.b64encode(bytes(obj.leaf)).decode("ascii")
