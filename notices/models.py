"""Holder notices (8.4): what the holder is told each time certificates of theirs are handed out.

One ``HolderNotice`` per holder per call that hands certificates out (12.1.6-12.1.9, 12.2.2),
written in the call's unit of work, so that it exists exactly when the answer left. Holders are
named by their keyed digest only (``sharing.holders``) and face numbers are kept masked: the
notice says what the holder is told, nothing more.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class NoticeKind(models.TextChoices):
    FILE_BY_ID = "file_by_id", "基于证照标识下载证照文件（12.1.6）"
    FILE_BY_HOLDER = "file_by_holder", "基于持证主体下载证照文件（12.1.7）"
    INFO_BY_ID = "info_by_id", "基于证照标识获取证照信息（12.1.8）"
    INFO_BY_HOLDER = "info_by_holder", "基于持证主体获取证照信息（12.1.9）"
    SERVICE_CODE = "service_code", "政务服务码验证（12.2.2）"


class HolderNotice(models.Model):
    """One call that handed out certificates of one holder: by whom, under which list, why, when.

    Append-only; purged after ``YSJ_NOTICE_RETENTION_DAYS`` (``notices.services.purge_expired``).
    ``certificates`` lists ``certificateType``, ``certificateTypeCode``, the masked
    ``certificateNumber`` and the issuing ``regionCode`` of each certificate, once each.
    """

    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    holder_key = models.CharField("持证主体摘要", max_length=64, editable=False)
    kind = models.CharField("服务", max_length=16, choices=NoticeKind.choices)
    application = models.ForeignKey(
        "trust.TrustedApplication", verbose_name="应用系统", on_delete=models.PROTECT, related_name="+"
    )
    #: The application's name when the notice was written: the text the holder got names it so.
    application_name = models.CharField("应用系统名称", max_length=128)
    relaying_region = models.ForeignKey(
        "trust.Region", verbose_name="转发地区", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scenario_code = models.CharField("用证清单编码", max_length=64, db_index=True)
    scenario_name = models.CharField("用证清单名称", max_length=200, blank=True)
    item_name = models.CharField("场景或业务名称", max_length=200, blank=True)
    use_for = models.CharField("查询事由", max_length=200, blank=True)
    item_org = models.CharField("调用单位名称", max_length=200, blank=True)
    operator = models.CharField("操作人员", max_length=64, blank=True)
    biz_num = models.CharField("业务编号", max_length=64, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    certificates = models.JSONField("证照（照面编号已脱敏）", default=list)
    #: The retrieval record of the call (12.1.6-12.1.9); none for 12.2.2, which leaves none.
    retrieval = models.ForeignKey(
        "sharing.Retrieval",
        verbose_name="证照获取记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holder_notices",
    )
    text = models.TextField("告知内容")

    class Meta:
        verbose_name = "持证主体告知"
        verbose_name_plural = "持证主体告知"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["holder_key", "-id"], name="notices_holder_newest"),
            models.Index(fields=["application", "created_at"], name="notices_app_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.biz_num}"

    @property
    def certificates_text(self) -> str:
        """The certificates for people, face numbers masked."""
        return "；".join(
            f"{item.get('certificateType', '')} {item.get('certificateNumber', '')}".strip()
            for item in self.certificates
        )


class PresentedServiceCode(models.Model):
    """A service code the holder page accepted, kept until it expires: shown once, then refused.

    A code seen by someone else (over a shoulder, on a counter's screen) cannot be presented again
    to read the holder's notices; codes already accepted by 12.2.2 are refused too.
    """

    nonce_hash = models.CharField("随机数摘要（SM3）", max_length=64, unique=True, editable=False)
    presented_at = models.DateTimeField("出示时间", default=timezone.now)
    expires_at = models.DateTimeField("码过期时间", db_index=True)

    class Meta:
        verbose_name = "持证主体页面已出示的政务服务码"
        verbose_name_plural = "持证主体页面已出示的政务服务码"

    def __str__(self) -> str:
        return f"{self.presented_at:%Y-%m-%d %H:%M:%S}"


class PageThrottle(models.Model):
    """Attempts of one client address on the holder page within the current window."""

    client = models.CharField("客户端地址", max_length=45, unique=True)
    window_started_at = models.DateTimeField("窗口开始时间")
    attempts = models.PositiveIntegerField("尝试次数", default=0)

    class Meta:
        verbose_name = "持证主体页面访问频率"
        verbose_name_plural = "持证主体页面访问频率"

    def __str__(self) -> str:
        return f"{self.client} {self.attempts}"
