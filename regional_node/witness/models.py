"""The region as a witness of the hub's evidence log (C2SP tlog-witness), and its own calls checked in it.

``WitnessedLog`` is the state tlog-witness requires (the latest cosigned checkpoint of each log)
plus a refusal: once a checkpoint validly signed by the log contradicts what this witness
cosigned, the witness keeps the evidence (``Conflict``) and cosigns nothing more of that log until
an operator lifts the refusal (``WitnessReset``). ``CosignedCheckpoint`` is the history.
``CallCheck`` records that a call this node served is in the log (``docs/evidence.md``),
without touching ``CallLog``; ``CallCheckWatermark`` is how far the check has read the call log.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ysj_protocol.tlog.witness import WitnessState


class WitnessedLog(models.Model):
    """One log this node witnesses: what it last cosigned, and whether it refuses the log."""

    origin = models.CharField("日志标识", max_length=255, unique=True)
    size = models.BigIntegerField("已见证条目数", null=True, blank=True, help_text="空：尚未见证过该日志")
    root = models.CharField("根哈希（十六进制）", max_length=64, blank=True)
    note = models.TextField("最近见证的检查点", blank=True)
    cosignature = models.TextField("本节点的联署", blank=True)
    cosigned_at = models.DateTimeField("最近见证时间", null=True, blank=True)
    epoch = models.PositiveIntegerField(
        "见证轮次", default=1, help_text="运维人员清除已见证状态后加一；此前的见证记录保留，不再参与分叉比对"
    )
    refused = models.BooleanField("拒绝见证", default=False)
    refused_at = models.DateTimeField("开始拒绝时间", null=True, blank=True)
    refusal = models.ForeignKey(
        "Conflict", verbose_name="拒绝依据", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "见证的证据日志"
        verbose_name_plural = "见证的证据日志"
        ordering = ["origin"]

    def __str__(self) -> str:
        return self.origin

    def state(self) -> WitnessState | None:
        if self.size is None:
            return None
        return WitnessState(size=self.size, root=bytes.fromhex(self.root))


class CosignedCheckpoint(models.Model):
    """A checkpoint this node cosigned: the history of the witness, one row per tree size."""

    log = models.ForeignKey(
        WitnessedLog, verbose_name="日志", on_delete=models.PROTECT, related_name="history"
    )
    epoch = models.PositiveIntegerField("见证轮次", default=1)
    size = models.BigIntegerField("条目数")
    root = models.CharField("根哈希（十六进制）", max_length=64)
    old_size = models.BigIntegerField("此前见证的条目数")
    note = models.TextField("检查点")
    cosignature = models.TextField("本节点的联署")
    timestamp = models.BigIntegerField("联署时间戳（秒）")
    cosigned_at = models.DateTimeField("见证时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "见证记录"
        verbose_name_plural = "见证记录"
        ordering = ["-size"]
        constraints = [
            models.UniqueConstraint(fields=["log", "epoch", "size"], name="node_witness_history_size_unique")
        ]

    def __str__(self) -> str:
        return f"{self.log} #{self.size}"


class ConflictKind(models.TextChoices):
    FORK = "fork", "分叉（同一条目数出现不同根哈希）"


class Conflict(models.Model):
    """A checkpoint signed by the log that contradicts what this witness cosigned: kept as evidence."""

    log = models.ForeignKey(
        WitnessedLog, verbose_name="日志", on_delete=models.PROTECT, related_name="conflicts"
    )
    kind = models.CharField("类别", max_length=16, choices=ConflictKind.choices)
    reason = models.CharField("说明", max_length=255)
    size = models.BigIntegerField("冲突检查点的条目数")
    root = models.CharField("冲突检查点的根哈希（十六进制）", max_length=64)
    witnessed_root = models.CharField("本节点曾见证的根哈希（十六进制）", max_length=64)
    witnessed_size = models.BigIntegerField("当时已见证的条目数")
    request = models.TextField("收到的完整请求（旧条目数、一致性证明与检查点）")
    received_at = models.DateTimeField("收到时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "日志冲突证据"
        verbose_name_plural = "日志冲突证据"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.log} #{self.size} {self.get_kind_display()}"


class WitnessReset(models.Model):
    """An operator lifting a refusal (command ``witness_reset`` or the admin action), with the reason."""

    log = models.ForeignKey(
        WitnessedLog, verbose_name="日志", on_delete=models.PROTECT, related_name="resets"
    )
    conflict = models.ForeignKey(
        Conflict,
        verbose_name="所处理的冲突",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resets",
    )
    reason = models.TextField("理由")
    operator = models.CharField("操作人", max_length=150)
    forgot_state = models.BooleanField("同时清除已见证状态", default=False)
    previous_size = models.BigIntegerField("处理前已见证的条目数", null=True, blank=True)
    previous_root = models.CharField("处理前的根哈希（十六进制）", max_length=64, blank=True)
    created_at = models.DateTimeField("处理时间", auto_now_add=True)

    class Meta:
        verbose_name = "解除拒绝记录"
        verbose_name_plural = "解除拒绝记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.log} {self.created_at:%Y-%m-%d %H:%M}"


class CallCheckState(models.TextChoices):
    CONFIRMED = "confirmed", "已确认入账"
    ABSENT = "absent", "尚未找到"
    UNWITNESSED = "unwitnessed", "已入账，待本节点见证"
    MISMATCH = "mismatch", "不一致"


class CallCheck(models.Model):
    """The check that a call this node served is in the hub's evidence log, under a checkpoint it cosigned.

    A row exists once the call was looked for; ``confirmed`` rows are final. A call without a row,
    or not confirmed, is pending while young and missing once older than
    ``NODE_EVIDENCE_MISSING_SECONDS`` (``checking.summary``).
    """

    call = models.OneToOneField(
        "node_exchange.CallLog",
        verbose_name="调用记录",
        on_delete=models.CASCADE,
        related_name="evidence_check",
    )
    state = models.CharField("结果", max_length=16, choices=CallCheckState.choices, db_index=True)
    index = models.BigIntegerField("日志条目序号", null=True, blank=True)
    checkpoint_size = models.BigIntegerField("所依据检查点的条目数", null=True, blank=True)
    leaf_hash = models.CharField("叶哈希（十六进制）", max_length=64, blank=True)
    detail = models.CharField("说明", max_length=255, blank=True)
    attempts = models.PositiveIntegerField("核对次数", default=0)
    checked_at = models.DateTimeField("最近核对时间", db_index=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    next_check_at = models.DateTimeField(
        "下次核对时间",
        null=True,
        blank=True,
        help_text="空：核对已结束（已确认入账、不一致，或超过 NODE_EVIDENCE_GIVE_UP_SECONDS 不再查找）",
    )

    class Meta:
        verbose_name = "调用存证核对"
        verbose_name_plural = "调用存证核对"
        ordering = ["-id"]
        indexes = [
            # The retry queue: only the checks not finished, so it stays small however long the history.
            models.Index(
                fields=["next_check_at", "id"],
                name="node_callcheck_due",
                condition=Q(next_check_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.get_state_display()}"


class CallCheckWatermark(models.Model):
    """How far the check has read the call log, so that no run reads the history again.

    Every call log row with an id up to ``through_id`` has been looked at: a call served to the
    hub among them is confirmed, mismatched, given up, or waits in the retry queue
    (``CallCheck.next_check_at``); the other rows are not the check's.
    """

    SERVED_CALLS = "served-calls"

    key = models.CharField("名称", max_length=32, unique=True)
    through_id = models.BigIntegerField("已读至调用记录编号", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "调用存证核对进度"
        verbose_name_plural = "调用存证核对进度"

    def __str__(self) -> str:
        return f"{self.key} #{self.through_id}"
