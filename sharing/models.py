"""Certificate IDs, retrieval records and file download links of the fused sharing services.

Nothing here holds a certificate's content: the regions keep that. The hub keeps what it needs to
answer by ID for ten minutes (12.1.5) and the record of who obtained what under which scenario
list (8.4 holder notices, 8.5 evidence), with holders referred to by a keyed hash only and face
numbers (照面编号, a person's identity number on their identity card) kept encrypted.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from .holders import (
    face_number_key,
    holder_key_of_number,
    mask_face_number,
    seal_face_number,
    unseal_face_number,
)


class FaceNumberQuerySet(models.QuerySet):
    def with_number(self, number: str) -> FaceNumberQuerySet:
        """Rows whose face number is ``number``, found by its keyed digest (no plain column to match)."""
        key = face_number_key(number)
        return self.filter(certificate_number_key=key) if key else self.none()


class SealedFaceNumber(models.Model):
    """A certificate's face number (照面编号), kept SM4-GCM encrypted with a keyed digest for lookups.

    The face number of a person's identity card is their identity number, and the hub cannot
    always tell whose certificate a number belongs to (a 12.1.10 file has no holder), so every
    face number is protected alike: a database dump alone does not reveal one. Code reads and
    writes ``certificate_number`` as before; the plain value exists in memory only.
    """

    certificate_number_sealed = models.TextField("证照照面编号（密文）", blank=True, editable=False)
    certificate_number_key = models.CharField(
        "证照照面编号摘要", max_length=64, blank=True, db_index=True, editable=False
    )

    objects = FaceNumberQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def certificate_number(self) -> str:
        sealed = self.certificate_number_sealed
        cached = self.__dict__.get("_face_number")
        if cached is None or cached[0] != sealed:  # decrypted once per loaded value
            cached = self.__dict__["_face_number"] = (sealed, unseal_face_number(sealed))
        return cached[1]

    @certificate_number.setter
    def certificate_number(self, value: str) -> None:
        value = str(value or "")[:128]
        self.certificate_number_sealed = seal_face_number(value)
        self.certificate_number_key = face_number_key(value)
        self.__dict__["_face_number"] = (self.certificate_number_sealed, value)

    @property
    def certificate_number_masked(self) -> str:
        """For people; a value the data key cannot open (key changed, row altered) does not break a page."""
        try:
            return mask_face_number(self.certificate_number)
        except ValueError:
            return "（无法解密）"


class CertificateID(SealedFaceNumber):
    """A ``certificateID`` handed out by a search or a service-code verification (12.1.5, 12.2.2).

    The value itself is never stored, only its SM3 digest, so a database dump does not let anyone
    use live IDs. It names one certificate at one region and is bound to the application that
    obtained it, the holder and the scenario list it was found under.
    """

    key_hash = models.CharField("标识摘要（SM3）", max_length=64, unique=True, editable=False)
    application = models.ForeignKey(
        "trust.TrustedApplication", verbose_name="应用", on_delete=models.CASCADE, related_name="+"
    )
    holder_key = models.CharField("持证主体摘要", max_length=64, db_index=True)
    scenario_code = models.CharField("用证清单编码", max_length=64)
    region = models.ForeignKey("trust.Region", verbose_name="颁证地区", on_delete=models.PROTECT, related_name="+")
    certificate_ref = models.CharField("地区证照引用", max_length=128)
    certificate_type_code = models.CharField("证照类型代码", max_length=64, blank=True)
    #: The holder token's ``permission`` (12.2.3) the ID was found under, normalised; 12.1.6 and
    #: 12.1.8 by this ID are held to it (trust.permissions). Empty: no restriction.
    holder_permission = models.CharField("持证主体访问授权", max_length=200, blank=True)
    stored_summary = models.JSONField("检索结果摘要（不含照面编号）", default=dict)
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间", db_index=True)

    class Meta:
        verbose_name = "证照全局唯一标识"
        verbose_name_plural = "证照全局唯一标识"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.certificate_number_masked or self.certificate_ref}"

    @property
    def summary(self) -> dict[str, Any]:
        """The search entry handed out again by 12.1.6, its face number decrypted in memory."""
        return {**self.stored_summary, "certificateNumber": self.certificate_number}

    @summary.setter
    def summary(self, value: dict[str, Any]) -> None:
        """Stored without the face number, which lives in the sealed column only."""
        value = dict(value)
        number = value.pop("certificateNumber", None)
        if number is not None and not self.certificate_number_sealed:
            self.certificate_number = number
        self.stored_summary = value

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class RetrievalKind(models.TextChoices):
    SEARCH = "search", "检索（12.1.5）"
    FILE_BY_ID = "file_by_id", "基于证照标识下载文件（12.1.6）"
    FILE_BY_HOLDER = "file_by_holder", "基于持证主体下载文件（12.1.7）"
    INFO_BY_ID = "info_by_id", "基于证照标识获取信息（12.1.8）"
    INFO_BY_HOLDER = "info_by_holder", "基于持证主体获取信息（12.1.9）"
    VERIFY = "verify", "文件核验（12.1.10）"


class RetrievalQuerySet(models.QuerySet):
    def naming(self, number: str) -> RetrievalQuerySet:
        """Retrievals for the holder a full number names, or listing a certificate with that face number.

        Holders and face numbers are stored as keyed digests only, so a full number is the only
        way to find them; a partial one cannot match.
        """
        condition = models.Q(pk__in=RetrievedCertificate.objects.with_number(number).values("retrieval_id"))
        holder = holder_key_of_number(number)
        if holder:
            condition |= models.Q(holder_key=holder)
        return self.filter(condition)


class Retrieval(models.Model):
    """One call of 12.1.5-12.1.10 that reached the sharing services, with its audit fields.

    Append-only. Holder notices (8.4) and the evidence log (8.5) are built on it: the items say
    which certificates were obtained, and from which region.
    """

    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    kind = models.CharField("服务", max_length=16, choices=RetrievalKind.choices)
    application = models.ForeignKey(
        "trust.TrustedApplication", verbose_name="应用", on_delete=models.PROTECT, related_name="+"
    )
    holder_key = models.CharField("持证主体摘要", max_length=64, blank=True, db_index=True)
    scenario_code = models.CharField("用证清单编码", max_length=64)
    use_for = models.CharField("查询事由", max_length=200)
    item_name = models.CharField("场景或业务名称", max_length=200)
    item_org = models.CharField("调用单位名称", max_length=200)
    operator = models.CharField("操作人员", max_length=64)
    biz_num = models.CharField("业务编号", max_length=64, db_index=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    unavailable_regions = models.CharField("未应答地区", max_length=32, blank=True)
    result_count = models.PositiveIntegerField("结果数", default=0)

    objects = RetrievalQuerySet.as_manager()

    class Meta:
        verbose_name = "证照获取记录"
        verbose_name_plural = "证照获取记录"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["application", "created_at"], name="sharing_retrieval_app_time"),
            # The audit pages: a call's retrievals by request, and the lists by scenario list and
            # operator, newest first.
            models.Index(fields=["request_id"], name="sharing_retrieval_request"),
            models.Index(fields=["scenario_code", "-id"], name="sharing_retrieval_scenario"),
            models.Index(fields=["operator", "-id"], name="sharing_retrieval_operator"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.biz_num}"


class Obtained(models.TextChoices):
    SUMMARY = "summary", "检索摘要"
    INFO = "info", "证照信息与照面数据"
    FILE_PDF = "file_pdf", "PDF 文件下载地址"
    FILE_OFD = "file_ofd", "OFD 文件下载地址"
    VERIFIED = "verified", "文件核验结论"


class RetrievedCertificate(SealedFaceNumber):
    """One certificate obtained (or found) in a retrieval: what the holder will be told about."""

    retrieval = models.ForeignKey(Retrieval, verbose_name="获取记录", on_delete=models.CASCADE, related_name="items")
    region = models.ForeignKey("trust.Region", verbose_name="颁证地区", on_delete=models.PROTECT, related_name="+")
    certificate_type = models.CharField("证照类型名称", max_length=128, blank=True)
    certificate_type_code = models.CharField("证照类型代码", max_length=64, blank=True)
    obtained = models.CharField("获取内容", max_length=16, choices=Obtained.choices)

    class Meta:
        verbose_name = "获取的证照"
        verbose_name_plural = "获取的证照"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.certificate_type} {self.certificate_number_masked}"


class FileLink(models.Model):
    """A short-lived, single-use download address on the hub for one certificate file (12.1.6, 12.1.7).

    The hub asks the region for a fresh single-use ``downloadUrl`` only when the address is used,
    and streams the file through; the token is stored as its SM3 digest.
    """

    token_hash = models.CharField("地址摘要（SM3）", max_length=64, unique=True, editable=False)
    item = models.ForeignKey(
        RetrievedCertificate, verbose_name="获取的证照", on_delete=models.CASCADE, related_name="file_links"
    )
    application = models.ForeignKey(
        "trust.TrustedApplication", verbose_name="应用", on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey("trust.Region", verbose_name="颁证地区", on_delete=models.PROTECT, related_name="+")
    certificate_ref = models.CharField("地区证照引用", max_length=128)
    file_format = models.CharField("文件格式", max_length=3)
    audit = models.JSONField("审计字段", default=dict)
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间", db_index=True)
    used_at = models.DateTimeField("下载时间", null=True, blank=True)
    completed_at = models.DateTimeField("下载完成时间", null=True, blank=True)
    bytes_sent = models.BigIntegerField("已传输字节", default=0)
    error = models.CharField("错误", max_length=128, blank=True)

    class Meta:
        verbose_name = "证照文件下载地址"
        verbose_name_plural = "证照文件下载地址"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_format} {self.item_id}"
