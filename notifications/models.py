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
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("类别", max_length=32, choices=NotificationKind.choices)
    scenario_list = models.ForeignKey(
        "scenarios.ScenarioList", verbose_name="用证清单", null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    delivery = models.ForeignKey(
        "catalog.PublicationDelivery", verbose_name="发布投递", null=True, blank=True, on_delete=models.CASCADE,
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
