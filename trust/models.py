"""Regions, application systems and the record of every envelope call."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ysj_protocol.crypto import sm2

from .validators import normalise_public_key, validate_sm2_public_key


class RegionCode(models.TextChoices):
    SH = "SH", "上海市"
    JS = "JS", "江苏省"
    ZJ = "ZJ", "浙江省"
    AH = "AH", "安徽省"


DIVISION_CODES = {"SH": "310000", "JS": "320000", "ZJ": "330000", "AH": "340000"}


class Region(models.Model):
    """One of the four regional certificate management systems (三省一市电子证照管理系统)."""

    code = models.CharField("地区", max_length=2, choices=RegionCode.choices, unique=True)
    division_code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=64)
    endpoint = models.URLField("接口地址", max_length=255, help_text="该地区电子证照管理系统的接口根地址")
    account_id = models.CharField(
        "调用方账号", max_length=64, unique=True, help_text="该地区调用本系统时使用的 head.accountId"
    )
    public_key = models.CharField(
        "SM2 公钥", max_length=130, validators=[validate_sm2_public_key], help_text="04 开头的十六进制曲线点"
    )
    hub_account_id = models.CharField(
        "本系统在该地区的账号",
        max_length=64,
        blank=True,
        help_text="本系统调用该地区时使用的 head.accountId；留空则使用系统默认账号",
    )
    timeout_seconds = models.FloatField("调用超时（秒）", default=3.0)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "地区电子证照管理系统"
        verbose_name_plural = "地区电子证照管理系统"
        ordering = ["division_code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.division_code}）"

    def save(self, *args, **kwargs) -> None:
        self.public_key = normalise_public_key(self.public_key)
        super().save(*args, **kwargs)

    @cached_property
    def sm2_public_key(self) -> sm2.PublicKey:
        return sm2.PublicKey.from_hex(self.public_key)

    @property
    def caller_account_id(self) -> str:
        return self.hub_account_id or settings.YSJ_HUB_ACCOUNT_ID


class ApplicationStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "已暂停"
    REVOKED = "revoked", "已吊销"


class TrustedApplication(models.Model):
    """An application system (电子证照应用系统) allowed to call the hub (10.1 a)."""

    app_id = models.CharField("应用标识 appId", max_length=64, unique=True)
    name = models.CharField("应用名称", max_length=128)
    region = models.ForeignKey(Region, verbose_name="所属地区", on_delete=models.PROTECT, related_name="applications")
    corp_name = models.CharField("单位名称", max_length=128)
    corp_code = models.CharField("统一社会信用代码", max_length=18)
    public_key = models.CharField("SM2 公钥", max_length=130, validators=[validate_sm2_public_key])
    status = models.CharField("状态", max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.ACTIVE)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "可信应用"
        verbose_name_plural = "可信应用"
        ordering = ["app_id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.app_id}）"

    def save(self, *args, **kwargs) -> None:
        self.public_key = normalise_public_key(self.public_key)
        super().save(*args, **kwargs)

    @cached_property
    def sm2_public_key(self) -> sm2.PublicKey:
        return sm2.PublicKey.from_hex(self.public_key)

    @property
    def is_active(self) -> bool:
        return self.status == ApplicationStatus.ACTIVE


class CallDirection(models.TextChoices):
    SERVED = "in", "被调用"
    MADE = "out", "调用外部"


class EnvelopeCall(models.Model):
    """One envelope call served or made, success or failure (11.3).

    Append-only and narrow on purpose: it is the seed of the evidence log, written on every call.
    Bodies are not kept, only their SM3 digests.
    """

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    direction = models.CharField("方向", max_length=3, choices=CallDirection.choices)
    account_id = models.CharField("对方账号", max_length=64, db_index=True)
    endpoint = models.CharField("接口", max_length=128)
    http_status = models.PositiveSmallIntegerField("HTTP 状态")
    status_code = models.CharField("业务状态码", max_length=8, blank=True)
    latency_ms = models.FloatField("耗时（毫秒）")
    biz_num = models.CharField("业务编号", max_length=64, blank=True, db_index=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    request_digest = models.CharField("请求摘要（SM3）", max_length=64, blank=True)
    response_digest = models.CharField("应答摘要（SM3）", max_length=64, blank=True)
    error = models.CharField("错误", max_length=64, blank=True)

    class Meta:
        verbose_name = "接口调用记录"
        verbose_name_plural = "接口调用记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["endpoint", "created_at"], name="trust_call_endpoint_time")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.endpoint} {self.status_code or self.http_status}"
