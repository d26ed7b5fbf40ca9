"""Regions, application systems and the record of every envelope call."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ysj_protocol import regions
from ysj_protocol.crypto import sm2

from .validators import normalise_public_key, validate_sm2_public_key, validate_uscc


class RegisteredPublicKeyMixin:
    """A party registered by its SM2 public key, stored in one canonical form (04 + upper hex)."""

    public_key: str

    def save(self, *args, **kwargs) -> None:
        self.public_key = normalise_public_key(self.public_key)
        super().save(*args, **kwargs)

    @cached_property
    def sm2_public_key(self) -> sm2.PublicKey:
        return sm2.PublicKey.from_hex(self.public_key)


class RegistryGeneration(models.Model):
    """One row counting changes to the governance registry, so every worker's cache sees them (trust.registry)."""

    value = models.BigIntegerField("变更计数", default=0)

    class Meta:
        verbose_name = "注册信息变更计数"
        verbose_name_plural = "注册信息变更计数"

    def __str__(self) -> str:
        return str(self.value)


#: The parties' letter codes as model choices, built from the one table (``ysj_protocol.regions``).
RegionCode = models.TextChoices("RegionCode", [(info.code, (info.code, info.name)) for info in regions.REGIONS])

DIVISION_CODES: dict[str, str] = {info.code: info.division_code for info in regions.REGIONS}


class Region(RegisteredPublicKeyMixin, models.Model):
    """One party's regional certificate management system (三省一市电子证照管理系统; ``ysj_protocol.regions``)."""

    code = models.CharField("地区", max_length=regions.CODE_MAX_LENGTH, choices=RegionCode.choices, unique=True)
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

    @property
    def caller_account_id(self) -> str:
        return self.hub_account_id or settings.YSJ_HUB_ACCOUNT_ID


class ApplicationStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "已暂停"
    REVOKED = "revoked", "已吊销"


class TrustedApplication(RegisteredPublicKeyMixin, models.Model):
    """An application system (电子证照应用系统) allowed to call the hub (10.1 a)."""

    app_id = models.CharField(
        "应用标识 appId", max_length=64, unique=True, help_text="由可信访问平台分配，也是调用时的 head.accountId"
    )
    name = models.CharField("应用名称", max_length=128)
    region = models.ForeignKey(Region, verbose_name="所属地区", on_delete=models.PROTECT, related_name="applications")
    corp_name = models.CharField("单位名称", max_length=128)
    corp_code = models.CharField("统一社会信用代码", max_length=18, validators=[validate_uscc])
    contact_name = models.CharField("联系人", max_length=64, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    public_key = models.CharField(
        "SM2 公钥", max_length=130, validators=[validate_sm2_public_key], help_text="应用系统的 SM2 公钥，04 开头的十六进制曲线点"
    )
    status = models.CharField("状态", max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.ACTIVE)
    # Only a salted hash (Django's password hasher) of the appSecret is kept; the secret is shown once.
    secret_hash = models.CharField("应用密钥摘要", max_length=256, blank=True, editable=False)
    secret_issued_at = models.DateTimeField("密钥分配时间", null=True, blank=True, editable=False)
    status_reason = models.CharField("状态说明", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "secret_hash"])

    class Meta:
        verbose_name = "可信应用"
        verbose_name_plural = "可信应用"
        ordering = ["app_id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.app_id}）"

    @property
    def is_active(self) -> bool:
        return self.status == ApplicationStatus.ACTIVE

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_hash)


class AccessToken(models.Model):
    """An application access token (应用可信访问令牌, 10.1 a, 12.2.1).

    The token itself is 256 random bits shown once to the application; only its SM3 digest is
    stored, under a unique index, so that checking a call costs one indexed query.
    """

    token_hash = models.CharField("令牌摘要（SM3）", max_length=64, unique=True, editable=False)
    application = models.ForeignKey(
        TrustedApplication, verbose_name="应用", on_delete=models.CASCADE, related_name="access_tokens"
    )
    prefix = models.CharField("令牌前缀", max_length=12, help_text="令牌的前几位，便于与应用核对，不足以使用令牌")
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间", db_index=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_reason = models.CharField("吊销原因", max_length=200, blank=True)
    client_ip = models.GenericIPAddressField("申领地址", null=True, blank=True)

    class Meta:
        verbose_name = "应用可信访问令牌"
        verbose_name_plural = "应用可信访问令牌"
        ordering = ["-id"]
        indexes = [models.Index(fields=["application", "expires_at"], name="trust_atok_app_exp")]

    def __str__(self) -> str:
        return f"{self.prefix}…（{self.application_id}）"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, at: datetime | None = None) -> bool:
        return (at or timezone.now()) >= self.expires_at


class AuthType(models.TextChoices):
    BIOMETRIC = "1", "生物识别"
    ID_CARD = "2", "读取身份证件"
    QR_CODE = "3", "扫描二维码"
    SERVICE_CODE = "sc", "政务服务码验证（12.2.2）"


class HolderCodeType(models.TextChoices):
    ID_CARD = "身份证", "身份证"
    USCC = "统一社会信用代码", "统一社会信用代码"


class HolderToken(models.Model):
    """A holder's trusted token (服务对象可信访问令牌, 10.1 b, 12.2.2, 12.2.3).

    Bound to the holder, the application that asked and the permission given; it expires. The
    holder's number is kept SM4-GCM encrypted under the data key (``YSJ_DATA_KEY``) and as an
    HMAC-SM3 keyed digest for lookups, so a database dump alone does not reveal it; people see
    the masked form only.
    """

    token_hash = models.CharField("令牌摘要（SM3）", max_length=64, unique=True, editable=False)
    application = models.ForeignKey(
        TrustedApplication, verbose_name="应用", on_delete=models.CASCADE, related_name="holder_tokens"
    )
    prefix = models.CharField("令牌前缀", max_length=12)
    transaction_id = models.CharField("业务流水号", max_length=64, blank=True)
    auth_type = models.CharField("认证方式", max_length=2, choices=AuthType.choices)
    holder_name = models.CharField("姓名或名称", max_length=128, blank=True)
    holder_code_type = models.CharField("证件类型", max_length=16, choices=HolderCodeType.choices)
    holder_code_sealed = models.TextField("证件号码（密文）", editable=False)
    holder_key = models.CharField("持证主体摘要", max_length=64, db_index=True, editable=False)
    holder_code_masked = models.CharField("证件号码", max_length=32)
    phone_sealed = models.TextField("手机号（密文）", blank=True, editable=False)
    phone_masked = models.CharField("手机号", max_length=32, blank=True)
    service_code_type = models.CharField("政务服务码类型", max_length=32, blank=True)
    service_code_region = models.CharField("政务服务码签发地区", max_length=regions.CODE_MAX_LENGTH, blank=True)
    permission = models.CharField("访问授权信息", max_length=200, blank=True)
    location = models.CharField("设备场所位置", max_length=200, blank=True)
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间", db_index=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_reason = models.CharField("吊销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "持证主体可信访问令牌"
        verbose_name_plural = "持证主体可信访问令牌"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "transaction_id"],
                condition=~models.Q(transaction_id=""),
                name="trust_htok_unique_transaction",
            )
        ]

    def __str__(self) -> str:
        return f"{self.holder_name or '—'} {self.holder_code_masked}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, at: datetime | None = None) -> bool:
        return (at or timezone.now()) >= self.expires_at


class AcceptedServiceCode(models.Model):
    """The nonce of every service code accepted, kept while the code is unexpired (replay refusal)."""

    nonce_hash = models.CharField("随机数摘要（SM3）", max_length=64, unique=True, editable=False)
    code_type = models.CharField("政务服务码类型", max_length=32)
    region_code = models.CharField("签发地区", max_length=regions.CODE_MAX_LENGTH)
    application = models.ForeignKey(
        TrustedApplication, verbose_name="使用应用", on_delete=models.CASCADE, related_name="+"
    )
    accepted_at = models.DateTimeField("验证时间", default=timezone.now)
    expires_at = models.DateTimeField("码过期时间", db_index=True)

    class Meta:
        verbose_name = "已验证政务服务码"
        verbose_name_plural = "已验证政务服务码"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.code_type}/{self.region_code} {self.accepted_at:%Y-%m-%d %H:%M:%S}"


class RegistrationAttempt(models.Model):
    """One call of 12.2.1, success or failure: the basis of rate limiting and of the audit trail."""

    #: What each stored ``reason`` (a code kept stable for filters and tests) says to the staff.
    REASONS = {
        "ok": "成功",
        "bad_secret": "应用密钥（appSecret）错误",
        "rate_limited": "失败次数过多，暂时锁定",
        "app_id_mismatch": "appId 与调用方账号不符",
        "foreign_region": "非本地区登记的应用系统",
        "suspended": "应用系统已暂停",
        "revoked": "应用系统已吊销",
        "corp_code": "统一社会信用代码不符",
        "corp_name": "单位名称不符",
    }

    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    app_id = models.CharField("应用标识", max_length=64)
    client_ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    succeeded = models.BooleanField("成功")
    reason = models.CharField("结果", max_length=64, blank=True)

    class Meta:
        verbose_name = "可信应用注册记录"
        verbose_name_plural = "可信应用注册记录"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["app_id", "created_at"], name="trust_reg_app_time"),
            models.Index(fields=["client_ip", "created_at"], name="trust_reg_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id} {'成功' if self.succeeded else '失败'}"

    @property
    def reason_label(self) -> str:
        return self.REASONS.get(self.reason, self.reason)


#: ``RegistrationThrottle.app_id`` of the row counting an address's failures over every appId.
ANY_APP = "*"


class RegistrationThrottle(models.Model):
    """Failed registrations (12.2.1) of one appId from one client address, and its lock.

    One row per (appId, address), plus one per address for all appIds (``app_id`` = ``ANY_APP``).
    An attempt is counted here by one conditional UPDATE before its secret is checked, so
    concurrent guesses cannot all be checked; a success clears its own row. Counting per address means a
    stranger guessing an appId locks out only the stranger, never the application's own address.
    """

    app_id = models.CharField("应用标识", max_length=64)
    client = models.CharField("来源地址", max_length=45, blank=True, help_text="空：来源地址未知")
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    lockouts = models.PositiveIntegerField("锁定次数", default=0, help_text="决定下次锁定的时长（逐次加倍）")
    last_failure_at = models.DateTimeField("最近失败时间", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "可信应用注册锁定"
        verbose_name_plural = "可信应用注册锁定"
        ordering = ["-last_failure_at"]
        constraints = [models.UniqueConstraint(fields=["app_id", "client"], name="trust_reg_throttle_scope")]

    def __str__(self) -> str:
        return f"{self.app_id} @ {self.client or '未知地址'}"

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


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
    relaying_region = models.CharField(
        "转发地区", max_length=8, blank=True, db_index=True,
        help_text="地区系统为本地区应用系统转发的调用：转发地区的代码；对方账号为该应用的 appId",
    )
    application = models.CharField(
        "所属应用", max_length=64, blank=True, db_index=True,
        help_text="调用所属的应用系统的 appId：被调用时为调用方应用，调用外部时为枢纽代其调用地区的应用",
    )
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
        indexes = [
            models.Index(fields=["endpoint", "created_at"], name="trust_call_endpoint_time"),
            # The audit pages: a call's other records by request, and the lists by status, newest first.
            models.Index(fields=["request_id"], name="trust_call_request"),
            models.Index(fields=["status_code", "-id"], name="trust_call_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.endpoint} {self.status_code or self.http_status}"
