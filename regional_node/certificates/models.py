"""The region's certificate store: holders, certificates, their signed files and download tickets."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ysj_protocol import profile


class HolderCodeType(models.TextChoices):
    ID_CARD = profile.HolderCodeType.ID_CARD.value, "居民身份证"
    USCC = profile.HolderCodeType.USCC.value, "统一社会信用代码"


class Holder(models.Model):
    """A certificate holder (持证主体): a natural person or a legal person."""

    name = models.CharField("持证主体名称", max_length=128)
    code = models.CharField("持证主体代码", max_length=32)
    code_type = models.CharField("代码类型", max_length=16, choices=HolderCodeType.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "持证主体"
        verbose_name_plural = "持证主体"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["code_type", "code"], name="node_holder_code_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class CertificateStatus(models.TextChoices):
    """What is stored; the answers add the profile's "unknown" for a certificate not found."""

    VALID = profile.CertificateStatus.VALID.value, "有效"
    REVOKED = profile.CertificateStatus.REVOKED.value, "已注销"
    EXPIRED = profile.CertificateStatus.EXPIRED.value, "已过期"


class CertificateQuerySet(models.QuerySet):
    def effective_valid(self, today: dt.date | None = None) -> CertificateQuerySet:
        """Valid today: not revoked nor marked expired, and inside its validity period (empty end: indefinitely)."""
        today = today or timezone.localdate()
        return self.filter(status=CertificateStatus.VALID, valid_from__lte=today).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today)
        )


class Certificate(models.Model):
    """One electronic certificate (电子证照) issued in this region."""

    ref = models.CharField(
        "证照内部标识", max_length=64, unique=True, help_text="本地区对该证照的稳定引用 certificateRef"
    )
    holder = models.ForeignKey(
        Holder, verbose_name="持证主体", on_delete=models.PROTECT, related_name="certificates"
    )
    type_name = models.CharField("证照类型名称", max_length=128)
    type_code = models.CharField("证照类型代码", max_length=64, db_index=True)
    number = models.CharField("证照照面编号", max_length=128)
    issue_dept = models.CharField("颁证机关", max_length=128)
    issue_date = models.DateField("颁证日期")
    valid_from = models.DateField("有效期起始")
    valid_until = models.DateField("有效期截止", null=True, blank=True, help_text="为空表示长期有效")
    status = models.CharField(
        "状态", max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    status_reason = models.CharField("状态变更原因", max_length=255, blank=True)
    surface = models.JSONField("照面数据", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        ordering = ["type_code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["type_code", "number"], name="node_certificate_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.type_name} {self.number}"

    def effective_status(self, today: dt.date | None = None) -> str:
        """The status as of today: a valid certificate past its end date is expired."""
        today = today or timezone.localdate()
        if self.status != CertificateStatus.VALID:
            return self.status
        if self.valid_until is not None and self.valid_until < today:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID


class FileFormat(models.TextChoices):
    PDF = profile.FileFormat.PDF.value, "PDF"
    OFD = profile.FileFormat.OFD.value, "OFD"


class CertificateFile(models.Model):
    """The signed file of a certificate in one format, generated once and kept."""

    certificate = models.ForeignKey(
        Certificate, verbose_name="电子证照", on_delete=models.CASCADE, related_name="files"
    )
    file_format = models.CharField("文件格式", max_length=3, choices=FileFormat.choices)
    path = models.CharField("存储位置", max_length=255, help_text="相对于本节点文件目录")
    size = models.PositiveBigIntegerField("大小（字节）")
    sm3 = models.CharField("SM3 摘要", max_length=64)
    signer_fingerprint = models.CharField("签名公钥指纹", max_length=64)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "证照文件"
        verbose_name_plural = "证照文件"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "file_format"], name="node_file_format_unique")
        ]

    def __str__(self) -> str:
        return f"{self.certificate} {self.file_format}"

    @property
    def content_type(self) -> str:
        return "application/pdf" if self.file_format == FileFormat.PDF else "application/ofd"


class DownloadTicket(models.Model):
    """A single-use, short-lived permission to download one file (docs/region-protocol.md)."""

    token_digest = models.CharField("票据摘要（SM3）", max_length=64, unique=True)
    file = models.ForeignKey(
        CertificateFile, verbose_name="证照文件", on_delete=models.CASCADE, related_name="tickets"
    )
    biz_num = models.CharField("业务编号", max_length=64, blank=True)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间", db_index=True)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "下载票据"
        verbose_name_plural = "下载票据"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file} {self.expires_at:%Y-%m-%d %H:%M:%S}"


class Disclosure(models.Model):
    """What this region disclosed to whom, under which scenario list (8.5, 11.3): one row per certificate."""

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    action = models.CharField("操作", max_length=16)
    certificate = models.ForeignKey(
        Certificate, verbose_name="电子证照", on_delete=models.PROTECT, related_name="disclosures"
    )
    app_id = models.CharField("应用标识", max_length=64, db_index=True)
    item_code = models.CharField("用证清单编号", max_length=64)
    item_org = models.CharField("调用单位", max_length=128, blank=True)
    operator = models.CharField("操作人员", max_length=64, blank=True)
    use_for = models.CharField("查询事由", max_length=255, blank=True)
    biz_num = models.CharField("业务编号", max_length=64, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "证照提供记录"
        verbose_name_plural = "证照提供记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.certificate_id} → {self.app_id}"
