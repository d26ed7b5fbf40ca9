"""The region's own application systems (7.2 b, 8.1 b) and the access tokens relayed to them."""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import models

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError


def validate_public_key(value: str) -> None:
    """An application's key must be a point of the curve: the node encrypts every answer with it."""
    try:
        sm2.PublicKey.from_hex(value)
    except CryptoError as exc:
        raise ValidationError(f"SM2 公钥无效：{exc}") from exc


class ApplicationStatus(models.TextChoices):
    ACTIVE = "active", "正常"
    SUSPENDED = "suspended", "已暂停"


class Application(models.Model):
    """An application system of this region that calls the section-12 interfaces through the node.

    Its ``app_id`` is its ``head.accountId`` here and its appId at the hub, where it is registered
    under this region; the node answers it encrypted to ``public_key``.
    """

    app_id = models.CharField(
        "应用标识 appId", max_length=64, unique=True, help_text="与融合共享服务系统登记的 appId 相同，也是调用本节点时的 head.accountId"
    )
    name = models.CharField("应用名称", max_length=128)
    public_key = models.CharField(
        "SM2 公钥", max_length=130, validators=[validate_public_key], help_text="04 开头的十六进制曲线点"
    )
    status = models.CharField(
        "状态", max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.ACTIVE
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "本地区应用系统"
        verbose_name_plural = "本地区应用系统"
        ordering = ["app_id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.app_id}）"

    @property
    def is_active(self) -> bool:
        return self.status == ApplicationStatus.ACTIVE

    @cached_property
    def sm2_public_key(self) -> sm2.PublicKey:
        return sm2.PublicKey.from_hex(self.public_key)


class RelayedToken(models.Model):
    """An access token the hub issued through this node (12.2.1), kept as its SM3 digest.

    The hub sees the region's account on every relayed call; only the node knows which of its
    applications presents a token, so it refuses a token obtained by another application.
    """

    token_digest = models.CharField("令牌摘要（SM3）", max_length=64, unique=True)
    application = models.ForeignKey(
        Application, verbose_name="应用系统", on_delete=models.CASCADE, related_name="relayed_tokens"
    )
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)

    class Meta:
        verbose_name = "转接签发的访问令牌"
        verbose_name_plural = "转接签发的访问令牌"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.application.app_id} {self.token_digest[:12]}…"
