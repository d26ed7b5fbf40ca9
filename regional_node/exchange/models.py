"""Publications received from the hub, the region's configuration they build, subscribers, and the call log."""

from __future__ import annotations

from typing import Any

from django.db import models

from ysj_protocol import profile

#: The profile's kinds and actions (docs/region-protocol.md); the stored values are the wire values.
PublicationKind = models.TextChoices("PublicationKind", profile.text_choices(profile.PublicationKind))
PublicationAction = models.TextChoices("PublicationAction", profile.text_choices(profile.PublicationAction))


class Publication(models.Model):
    """One publication as received from the hub (6.1 a), kept whole with its signature."""

    publication_id = models.UUIDField("发布编号", unique=True)
    sequence = models.BigIntegerField("序号", unique=True)
    kind = models.CharField("类别", max_length=16, choices=PublicationKind.choices)
    action = models.CharField("动作", max_length=16, choices=PublicationAction.choices)
    code = models.CharField("编码", max_length=64)
    published_at = models.CharField("发布时间", max_length=19)
    payload = models.JSONField("内容")
    signature = models.CharField("签名", max_length=256)
    applied = models.BooleanField("已生效", default=False, help_text="否：同一对象已有更新的发布，本条不覆盖")
    received_at = models.DateTimeField("接收时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "接收的发布"
        verbose_name_plural = "接收的发布"
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["kind", "code", "sequence"], name="node_pub_object_seq")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_kind_display()} {self.code} {self.get_action_display()}"

    def as_message(self) -> dict[str, Any]:
        """The publication as the hub sent it (what is forwarded to subscribers)."""
        message = profile.publication_message(
            publication_id=str(self.publication_id),
            sequence=self.sequence,
            kind=self.kind,
            action=self.action,
            code=self.code,
            published_at=self.published_at,
            payload=self.payload,
        )
        message["signature"] = self.signature
        return message


class PublishedEntry(models.Model):
    """The region's current view of one catalog entry or scenario list (6.1 c), built from publications."""

    kind = models.CharField("类别", max_length=16, choices=PublicationKind.choices)
    code = models.CharField("编码", max_length=64)
    sequence = models.BigIntegerField("最后生效的序号")
    action = models.CharField("最后动作", max_length=16, choices=PublicationAction.choices)
    payload = models.JSONField("内容")
    published_at = models.CharField("发布时间", max_length=19)
    withdrawn = models.BooleanField("已撤回", default=False)
    first_published_at = models.CharField("首次发布时间", max_length=19)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "目录与清单配置"
        verbose_name_plural = "目录与清单配置"
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="node_entry_kind_code_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class Subscriber(models.Model):
    """An application system of this region that receives the forwarded publications (6.1 b)."""

    name = models.CharField("应用名称", max_length=128)
    url = models.URLField("接收地址", max_length=255, help_text="接收发布转发的完整地址（POST 信封）")
    public_key = models.CharField("SM2 公钥", max_length=130, help_text="04 开头的十六进制曲线点")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "订阅应用系统"
        verbose_name_plural = "订阅应用系统"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ForwardingState(models.TextChoices):
    PENDING = "pending", "待转发"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "失败"


class Forwarding(models.Model):
    """Delivery of one publication to one subscriber, retried with back-off until delivered or given up."""

    publication = models.ForeignKey(
        Publication, verbose_name="发布", on_delete=models.CASCADE, related_name="forwardings"
    )
    subscriber = models.ForeignKey(
        Subscriber, verbose_name="订阅应用", on_delete=models.CASCADE, related_name="forwardings"
    )
    state = models.CharField(
        "状态", max_length=16, choices=ForwardingState.choices, default=ForwardingState.PENDING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", db_index=True)
    claimed_until = models.DateTimeField("处理锁定至", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=255, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "发布转发"
        verbose_name_plural = "发布转发"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "subscriber"], name="node_forwarding_unique")
        ]

    def __str__(self) -> str:
        return f"{self.publication} → {self.subscriber}"


class CallLog(models.Model):
    """One envelope call served or made by this node (11.3); bodies are kept only as SM3 digests."""

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    direction = models.CharField("方向", max_length=3, choices=[("in", "被调用"), ("out", "调用外部")])
    account_id = models.CharField("对方账号", max_length=128)
    endpoint = models.CharField("接口", max_length=255)
    http_status = models.PositiveSmallIntegerField("HTTP 状态")
    status_code = models.CharField("业务状态码", max_length=8, blank=True)
    latency_ms = models.FloatField("耗时（毫秒）")
    biz_num = models.CharField("业务编号", max_length=64, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    request_digest = models.CharField("请求摘要（SM3）", max_length=64, blank=True)
    response_digest = models.CharField("应答摘要（SM3）", max_length=64, blank=True)
    error = models.CharField("错误", max_length=64, blank=True)

    class Meta:
        verbose_name = "接口调用记录"
        verbose_name_plural = "接口调用记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.endpoint} {self.status_code or self.http_status}"


class SeenGrant(models.Model):
    """The nonce of a trust-service grant this node has accepted, kept until the grant expires.

    Shared by every process of the node through the database: the unique nonce refuses a replay
    whichever process sees it first (``regional_node.grants``).
    """

    nonce = models.CharField("凭证随机数", max_length=32, unique=True)
    expires_at = models.DateTimeField("凭证过期时间", db_index=True)

    class Meta:
        verbose_name = "已使用的调用凭证"
        verbose_name_plural = "已使用的调用凭证"

    def __str__(self) -> str:
        return self.nonce
