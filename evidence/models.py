"""The evidence log (8.5, 11.3): pending entries, the append-only log, its tree and checkpoints.

A served call, a publication or a governance step writes a ``PendingEntry`` in its own
transaction; the integrator (``evidence.integrate``) gives pending entries their place in the log
(``EvidenceEntry``), stores the new interior hashes of the Merkle tree (``TreeNode``) and signs a
``Checkpoint``; the regions' witnesses add ``Cosignature`` rows. Everything but the pending
entries is append-only: the models refuse to change or delete a row, and database triggers
(migration 0002) refuse it on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone


class AppendOnlyError(RuntimeError):
    """An attempt to change or delete a row of the append-only log."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} 只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} 只能追加，不能删除")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} 只能追加，不能修改")


class AppendOnlyModel(models.Model):
    """Rows are inserted once; saving an existing row or deleting one raises ``AppendOnlyError``."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} 只能追加，不能修改")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} 只能追加，不能删除")


class PendingEntry(models.Model):
    """A leaf committed with the call or decision it records, waiting for its place in the log.

    Only the integrator deletes these rows, in the transaction that appends them to the log.
    """

    id = models.BigAutoField(primary_key=True)
    leaf = models.BinaryField("叶子数据")
    #: The served or made call's record (``trust.EnvelopeCall``), for the audit pages' links.
    call_id = models.BigIntegerField("调用记录", null=True, blank=True)
    created_at = models.DateTimeField("写入时间", default=timezone.now)

    class Meta:
        verbose_name = "待入账存证"
        verbose_name_plural = "待入账存证"

    def __str__(self) -> str:
        return f"待入账 {self.pk}"


class QuarantinedEntry(AppendOnlyModel):
    """A pending entry the integrator could not read, set aside so that the entries after it go on.

    The row keeps the pending entry's bytes, call and time as they were, with the reason; it never
    enters the tree. Append-only: it is not deleted, and leaves only by an operator's
    ``requeue_evidence`` (a ``QuarantineRelease`` and a new pending entry with the same bytes).
    """

    id = models.BigAutoField(primary_key=True)
    #: Not unique: a pending id may come back after a restore, and the quarantine must never refuse a row.
    pending_id = models.BigIntegerField("原待入账编号", db_index=True)
    leaf = models.BinaryField("叶子数据")
    call_id = models.BigIntegerField("调用记录", null=True, blank=True)
    created_at = models.DateTimeField("写入时间")
    reason = models.CharField("隔离原因", max_length=500)
    quarantined_at = models.DateTimeField("隔离时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "隔离的待入账存证"
        verbose_name_plural = "隔离的待入账存证"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"隔离 {self.pending_id}"


class QuarantineRelease(AppendOnlyModel):
    """An operator sent a quarantined entry back to the integrator (its bytes now read), once."""

    entry = models.OneToOneField(
        QuarantinedEntry, verbose_name="隔离的存证", on_delete=models.DO_NOTHING, related_name="release"
    )
    pending_id = models.BigIntegerField("新待入账编号")
    operator = models.CharField("操作人", max_length=64)
    reason = models.CharField("说明", max_length=500)
    released_at = models.DateTimeField("重新入账时间", default=timezone.now)

    class Meta:
        verbose_name = "隔离存证的重新入账"
        verbose_name_plural = "隔离存证的重新入账"

    def __str__(self) -> str:
        return f"重新入账 {self.entry_id}"


class EntryKind(models.TextChoices):
    SERVED = "served", "调用"
    MADE = "made", "对地区调用"
    GOVERNANCE = "governance", "治理决定"
    PUBLICATION = "publication", "发布"
    CATALOG = "catalog", "证照目录变更"
    DOWNLOAD = "download", "文件下载"


class EvidenceEntry(AppendOnlyModel):
    """One entry of the log at its position ``index``; the columns besides ``leaf`` are copied from it.

    ``leaf`` is the exact bytes hashed into the tree (``evidence.leaf``); the other columns exist
    for browsing and are checked against the leaf by ``verify_evidence``.
    """

    index = models.BigIntegerField("序号", primary_key=True)
    leaf = models.BinaryField("叶子数据")
    leaf_hash = models.BinaryField("叶子哈希（SM3）", max_length=32)
    kind = models.CharField("类型", max_length=16, choices=EntryKind.choices)
    at = models.DateTimeField("时间")
    region = models.CharField("地区", max_length=8, blank=True)
    application = models.CharField("应用标识", max_length=64, blank=True)
    relaying_region = models.CharField("转发地区", max_length=8, blank=True)
    operator = models.CharField("经办人", max_length=64, blank=True)
    holder_digest = models.CharField("持证主体摘要", max_length=64, blank=True)
    scenario_code = models.CharField("用证清单编码", max_length=64, blank=True)
    biz_num = models.CharField("业务流水号", max_length=64, blank=True)
    endpoint = models.CharField("接口", max_length=128, blank=True)
    status_code = models.CharField("状态码", max_length=8, blank=True)
    request_id = models.CharField("请求标识", max_length=64, blank=True)
    request_digest = models.CharField("请求摘要（SM3）", max_length=64, blank=True)
    call = models.ForeignKey(
        "trust.EnvelopeCall",
        verbose_name="调用记录",
        null=True,
        blank=True,
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    integrated_at = models.DateTimeField("入账时间", default=timezone.now)

    class Meta:
        verbose_name = "存证条目"
        verbose_name_plural = "存证条目"
        ordering = ["-index"]
        indexes = [
            models.Index(fields=["kind", "-index"], name="evidence_kind"),
            models.Index(fields=["at"], name="evidence_at"),
            models.Index(fields=["region", "-index"], name="evidence_region"),
            models.Index(fields=["application", "-index"], name="evidence_application"),
            models.Index(fields=["relaying_region", "-index"], name="evidence_relaying"),
            models.Index(fields=["operator", "-index"], name="evidence_operator"),
            models.Index(fields=["holder_digest", "-index"], name="evidence_holder"),
            models.Index(fields=["scenario_code", "-index"], name="evidence_scenario"),
            models.Index(fields=["biz_num", "-index"], name="evidence_biz_num"),
            models.Index(fields=["status_code", "-index"], name="evidence_status"),
            models.Index(fields=["request_id"], name="evidence_request_id"),
            models.Index(fields=["request_digest"], name="evidence_request_digest"),
            models.Index(fields=["call"], name="evidence_call"),
        ]

    def __str__(self) -> str:
        return f"#{self.index} {self.get_kind_display()}"


#: A tree node's key: ``level << NODE_LEVEL_SHIFT | index`` (level >= 1; leaves are in EvidenceEntry).
NODE_LEVEL_SHIFT = 56


class TreeNode(AppendOnlyModel):
    """The hash of one complete subtree of the log: 2**level leaves from ``index * 2**level``.

    Complete subtrees never change once their last leaf is in, so each row is written once.
    The leaves' own hashes (level 0) stay in ``EvidenceEntry.leaf_hash``.
    """

    key = models.BigIntegerField("键", primary_key=True)
    hash = models.BinaryField("哈希（SM3）", max_length=32)

    class Meta:
        verbose_name = "默克尔树节点"
        verbose_name_plural = "默克尔树节点"

    def __str__(self) -> str:
        return f"({self.level}, {self.index})"

    @staticmethod
    def key_of(level: int, index: int) -> int:
        return (level << NODE_LEVEL_SHIFT) | index

    @property
    def level(self) -> int:
        return self.key >> NODE_LEVEL_SHIFT

    @property
    def index(self) -> int:
        return self.key & ((1 << NODE_LEVEL_SHIFT) - 1)


class Checkpoint(AppendOnlyModel):
    """A signed state of the log: its first ``size`` entries hash to ``root`` (C2SP tlog-checkpoint)."""

    size = models.BigIntegerField("条目数", unique=True)
    root = models.BinaryField("根哈希（SM3）", max_length=32)
    #: The signed note: the checkpoint body, a blank line and the hub's signature line.
    note = models.TextField("签名检查点")
    created_at = models.DateTimeField("签发时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "检查点"
        verbose_name_plural = "检查点"
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"检查点 {self.size}"


class Cosignature(AppendOnlyModel):
    """A region's witness cosignature of a checkpoint (C2SP tlog-cosignature)."""

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name="检查点", on_delete=models.DO_NOTHING, related_name="cosignatures"
    )
    region = models.CharField("地区", max_length=8)
    #: The signature line as the witness returned it (``— <name> <base64>``).
    line = models.TextField("联署签名行")
    timestamp = models.BigIntegerField("联署时间（Unix 秒）")
    #: The region's SM2 key the cosignature verified with when collected (hex ``04||x||y``); a
    #: region rotates its key, and ``verify_evidence`` checks this key was one the region held.
    #: Null on cosignatures collected before it was recorded: those are found by key ID. Nullable, not
    #: ``""``, so that SQLite adds the column in place and keeps the table's append-only triggers.
    public_key = models.CharField("见证公钥", max_length=130, null=True, blank=True)  # noqa: DJ001
    received_at = models.DateTimeField("收到时间", default=timezone.now)

    class Meta:
        verbose_name = "见证联署"
        verbose_name_plural = "见证联署"
        ordering = ["checkpoint", "region"]
        constraints = [models.UniqueConstraint(fields=["checkpoint", "region"], name="evidence_cosignature_once")]

    def __str__(self) -> str:
        return f"{self.region} @ {self.checkpoint_id}"


class WitnessState(models.Model):
    """What the hub knows of one region's witness: the size it last cosigned, its last error.

    Not part of the evidence (it is derived from the cosignatures and can be rebuilt); kept so
    the next request names the right old size without a scan.
    """

    region = models.CharField("地区", max_length=8, unique=True)
    size = models.BigIntegerField("已联署条目数", default=0)
    last_error = models.CharField("最近错误", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "见证状态"
        verbose_name_plural = "见证状态"

    def __str__(self) -> str:
        return f"{self.region}: {self.size}"
