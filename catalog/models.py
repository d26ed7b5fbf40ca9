"""The certificate catalog (证照目录, 6.2) and the publication outbox towards the regions (6.1).

Catalog entries follow table 1 of 12.1.3 and the core of GB/T 36902. The outbox lives here too
because both the catalog and the scenario lists publish through it: one ``Publication`` per
governance change, one ``PublicationDelivery`` per region, written in the same transaction as
the change; Celery only moves rows of it to the regions.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ysj_protocol import profile
from ysj_protocol.identifiers import is_valid_uscc

CODE_VALIDATOR = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z._-]*$", "代码只能由字母、数字、点、下划线和连字符组成", code="invalid_code"
)


def validate_uscc(value: str) -> None:
    """GB 32100: 18 characters over the 31-letter alphabet, the last being the MOD 31 check character."""
    if not is_valid_uscc(value):
        raise ValidationError(
            "统一社会信用代码无效：应为 18 位（不含 I、O、Z、S、V），且第 18 位校验码正确", code="invalid_uscc"
        )


#: GB/T 36902 certificate type code: the defining authority's unified social credit code (18
#: characters, GB 32100) followed by a three-digit serial number that authority gives the type.
TYPE_CODE_LENGTH = 21
_TYPE_CODE_SERIAL = re.compile(r"^\d{3}$")
TYPE_CODE_RULE = (
    "证照类型代码应符合 GB/T 36902：证照定义机构的 18 位统一社会信用代码（校验码正确）加 3 位数字顺序码，"
    "共 21 位，例如 11100000000013127D001"
)


def validate_type_code(value: str) -> None:
    """Refuse a type code outside the GB/T 36902 structure; it cannot be changed once published."""
    code = (value or "").strip().upper()
    authority, serial = code[:18], code[18:]
    if (
        len(code) != TYPE_CODE_LENGTH
        or not is_valid_uscc(authority)
        or not _TYPE_CODE_SERIAL.match(serial)
        or serial == "000"
    ):
        raise ValidationError(f"{TYPE_CODE_RULE}；「{value}」不符合", code="invalid_type_code")


class CatalogStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class HolderType(models.TextChoices):
    NATURAL_PERSON = "natural", "自然人"
    LEGAL_ENTITY = "legal", "法人和其他组织"
    BOTH = "both", "自然人、法人和其他组织"


class CatalogEntryQuerySet(models.QuerySet):
    def published(self) -> CatalogEntryQuerySet:
        return self.filter(status=CatalogStatus.PUBLISHED)

    def shared_at(self, at: datetime | None = None) -> CatalogEntryQuerySet:
        """Published and inside the share window at ``at`` (6.2 c: an empty end is indefinite)."""
        at = at or timezone.now()
        return self.listed_at(at).filter(share_start__lte=at)

    def listed_at(self, at: datetime | None = None) -> CatalogEntryQuerySet:
        """Published and whose share window has not ended at ``at``: what 12.1.3 lists.

        An entry whose window opens later is listed with it, so that the parties can configure it
        ahead (6.1 c); using it before the window opens is still refused (7.3 b).
        """
        at = at or timezone.now()
        return self.published().filter(Q(share_end__isnull=True) | Q(share_end__gt=at))


class CatalogEntry(models.Model):
    """One certificate type of the shared catalog (长三角电子证照共享目录)."""

    type_name = models.CharField("证照类型名称", max_length=128, db_index=True)
    type_code = models.CharField(
        "证照类型代码",
        max_length=64,
        unique=True,
        validators=[validate_type_code],
        help_text=(
            "GB/T 36902 证照类型代码：证照定义机构统一社会信用代码（18 位）加 3 位顺序码；"
            "发布后不可修改（用证清单与各地配置据此引用）"
        ),
    )
    authority_name = models.CharField("证照主管部门名称", max_length=128)
    authority_code = models.CharField(
        "证照主管部门统一社会信用代码", max_length=18, validators=[validate_uscc], db_index=True
    )
    holder_type = models.CharField(
        "持证主体类别", max_length=16, choices=HolderType.choices, default=HolderType.NATURAL_PERSON
    )
    related_item_name = models.CharField("相关事项名称", max_length=200)
    related_item_code = models.CharField("相关事项代码", max_length=64, validators=[CODE_VALIDATOR])
    share_start = models.DateTimeField("共享开始时间", default=timezone.now)
    share_end = models.DateTimeField("共享结束时间", null=True, blank=True, help_text="留空表示长期共享（6.2 c）")
    status = models.CharField(
        "状态", max_length=16, choices=CatalogStatus.choices, default=CatalogStatus.DRAFT, editable=False
    )
    revision = models.PositiveIntegerField("修订版本", default=1, editable=False)
    first_published_at = models.DateTimeField("首次发布时间", null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(
        "最后更新时间", default=timezone.now, editable=False, help_text="即 12.1.3 的 updateTime"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="证照目录历史")
    objects = CatalogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "证照目录"
        verbose_name_plural = "证照目录"
        ordering = ["type_code"]
        indexes = [
            models.Index(fields=["status", "share_start", "share_end"], name="catalog_status_window"),
            # The authority filter of the admin lists the distinct authorities from this index.
            models.Index(fields=["authority_name"], name="catalog_authority"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(share_end__isnull=True) | Q(share_end__gt=models.F("share_start")),
                name="catalog_share_end_after_start",
                violation_error_message="共享结束时间应晚于共享开始时间",
            ),
        ]
        permissions = [("publish_catalogentry", "发布、更新或撤回证照目录")]

    def __str__(self) -> str:
        return f"{self.type_name}（{self.type_code}）"

    def clean(self) -> None:
        if self.share_end and self.share_start and self.share_end <= self.share_start:
            raise ValidationError({"share_end": "共享结束时间应晚于共享开始时间"})
        if self.authority_code:
            self.authority_code = self.authority_code.strip().upper()
        if self.type_code:
            self.type_code = self.type_code.strip().upper()

    def is_shared_at(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return (
            self.status == CatalogStatus.PUBLISHED
            and self.share_start <= at
            and (self.share_end is None or self.share_end > at)
        )

    @property
    def is_published(self) -> bool:
        return self.status == CatalogStatus.PUBLISHED


# --------------------------------------------------------------------------- publication outbox


#: The profile's kinds and actions (docs/region-protocol.md); the stored values are the wire values.
PublicationKind = models.TextChoices("PublicationKind", profile.text_choices(profile.PublicationKind))
PublicationAction = models.TextChoices("PublicationAction", profile.text_choices(profile.PublicationAction))


class Publication(models.Model):
    """One governance change to publish to the four regions; its id is the idempotency key."""

    id = models.UUIDField("发布编号 publicationId", primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("对象类别", max_length=16, choices=PublicationKind.choices)
    action = models.CharField("动作", max_length=16, choices=PublicationAction.choices)
    code = models.CharField("对象代码", max_length=64, db_index=True)
    object_id = models.BigIntegerField("对象主键")
    payload = models.JSONField("发布内容", help_text="12.1.3 或 12.1.4 格式的条目及共享期/有效期")
    published_at = models.DateTimeField("发布时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField("原因", max_length=500, blank=True)
    request_id = models.CharField(
        "请求编号", max_length=64, blank=True,
        help_text="发起发布的请求（管理操作或接口调用）的请求编号；投递时作为 X-Request-ID 发送",
    )

    class Meta:
        verbose_name = "发布记录"
        verbose_name_plural = "发布记录"
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["kind", "object_id"], name="catalog_pub_object")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}{self.get_action_display()} {self.code}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待投递"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "投递失败（需处理）"


class PublicationDelivery(models.Model):
    """The delivery of one publication to one region; the outbox row that is the truth."""

    publication = models.ForeignKey(Publication, verbose_name="发布记录", on_delete=models.PROTECT, related_name="deliveries")
    region = models.ForeignKey("trust.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="publication_deliveries")
    sequence = models.BigIntegerField("地区序号", help_text="该地区内严格递增，地区按序号应用")
    state = models.CharField("投递状态", max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", default=timezone.now)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    last_status = models.CharField("最近应答状态", max_length=16, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    duplicate = models.BooleanField("地区已收到过", default=False, help_text="地区答复 duplicate: true（此前已送达）")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "发布投递"
        verbose_name_plural = "发布投递"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "sequence"], name="catalog_delivery_region_sequence"),
            models.UniqueConstraint(fields=["publication", "region"], name="catalog_delivery_once_per_region"),
        ]
        indexes = [
            models.Index(fields=["region", "state", "sequence"], name="catalog_delivery_queue"),
            models.Index(fields=["state", "next_attempt_at"], name="catalog_delivery_due"),
        ]
        permissions = [("retry_publicationdelivery", "立即重试发布投递")]

    def __str__(self) -> str:
        return f"{self.publication}（投递至{self.region.name}，地区序号 {self.sequence}）"


class PublicationChannel(models.Model):
    """Per-region sequence counter and delivery lease: one worker delivers to a region at a time, in order."""

    region = models.OneToOneField("trust.Region", verbose_name="地区", on_delete=models.CASCADE, primary_key=True, related_name="publication_channel")
    last_sequence = models.BigIntegerField("已分配的最大序号", default=0)
    lease_owner = models.CharField("投递占用者", max_length=64, blank=True)
    lease_until = models.DateTimeField("占用截止", null=True, blank=True)

    class Meta:
        verbose_name = "地区发布通道"
        verbose_name_plural = "地区发布通道"

    def __str__(self) -> str:
        return f"{self.region.name}发布通道"
