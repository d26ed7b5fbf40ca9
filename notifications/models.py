"""Notifications to the governance portal's users: what is theirs to do or to know.

One row per recipient, written after the change they tell about has committed
(``notifications.receivers``); the e-mail copy is sent from a task (``notifications.tasks``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationKind(models.TextChoices):
    DECISION_NEEDED = "decision_needed", "待本地区决定"
    REJECTED = "rejected", "清单被驳回"
    PUBLISHED = "published", "清单已发布"
    WITHDRAWN = "withdrawn", "清单已撤回"
    DELIVERY_FAILED = "delivery_failed", "发布投递失败"


class Notification(models.Model):
    """One notice to one user; ``read_at`` empty while unread."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类别", max_length=32, choices=NotificationKind.choices)
    scenario_list = models.ForeignKey(
        "scenarios.ScenarioList",
        verbose_name="用证清单",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    delivery = models.ForeignKey(
        "catalog.PublicationDelivery",
        verbose_name="发布投递",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField("标题", max_length=200)
    text = models.TextField("内容", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class NotificationEmail(models.Model):
    """The e-mail copy of one notification: its state, attempts and last error (``notifications.mailing``).

    Written with the notification; the sender claims it before each attempt, so a retried or
    duplicated task never sends a mail that was sent, and a mail given up on stays on record.
    """

    notification = models.OneToOneField(
        Notification, verbose_name="通知", primary_key=True, on_delete=models.CASCADE, related_name="email"
    )
    address = models.EmailField("收件地址", max_length=254)
    state = models.CharField("状态", max_length=16, choices=EmailState.choices, default=EmailState.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次重试时间", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)

    class Meta:
        verbose_name = "通知邮件"
        verbose_name_plural = "通知邮件"
        ordering = ["-notification_id"]
        indexes = [models.Index(fields=["state", "-notification"], name="notification_email_state")]

    def __str__(self) -> str:
        return f"{self.address}（{self.get_state_display()}）"
