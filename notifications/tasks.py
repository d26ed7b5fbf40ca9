"""E-mail copies of notifications, sent by a Celery task so a slow mail server never slows the admin.

Mail goes through Django's mail settings (``EMAIL_BACKEND``, the console backend by default). A
failure is logged and leaves ``emailed_at`` empty; the notice in the admin is the record.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

logger = logging.getLogger(__name__)


def queue_emails(notification_ids: list[int]) -> None:
    """Send the e-mails of these notices from a task; a broker that is down loses the e-mail, not the notice."""
    try:
        send_emails.delay(list(notification_ids))
    except Exception:
        logger.warning("could not queue notification e-mails %s", notification_ids, exc_info=True)


def notification_url(notification: object) -> str:
    """The absolute address of the page a notice is about (the hub's public base URL)."""
    from .links import target_path

    return settings.YSJ_PUBLIC_BASE_URL.rstrip("/") + target_path(notification)


@shared_task(name="notifications.send_emails", ignore_result=True)
def send_emails(notification_ids: list[int]) -> int:
    """Send one e-mail per notice to its recipient; returns how many were sent."""
    from .models import Notification

    sent = 0
    rows = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("recipient")
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception:
        logger.exception("could not open the mail connection for notifications %s", notification_ids)
        return 0
    try:
        for row in rows:
            address = row.recipient.email
            if not address:
                continue
            body = f"{row.text}\n\n查看：{notification_url(row)}\n\n（本邮件由长三角电子证照融合共享服务系统自动发送）"
            message = EmailMessage(subject=f"[长三角电子证照] {row.title}", body=body, to=[address],
                                   connection=connection)
            try:
                message.send()
            except Exception:
                logger.exception("could not e-mail notification %s", row.pk)
                continue
            Notification.objects.filter(pk=row.pk).update(emailed_at=timezone.now())
            sent += 1
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("could not close the mail connection", exc_info=True)
    return sent
