"""E-mail copies of notifications, sent by a Celery task so a slow mail server never slows the admin.

Mail goes through Django's mail settings (``EMAIL_BACKEND``, the console backend by default). Each
copy's state, attempts and last error are on its ``NotificationEmail`` row (``notifications.mailing``);
nothing here ever reaches the workflow that the notice is about.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


def queue_emails(notification_ids: list[int]) -> None:
    """Send the e-mails of these notices from a task; a broker that is down leaves their copies pending."""
    try:
        send_emails.delay(list(notification_ids))
    except Exception:
        logger.warning("could not queue notification e-mails %s", notification_ids, exc_info=True)


def notification_url(notification: object) -> str:
    """The absolute address of the page a notice is about (the hub's public base URL)."""
    from .links import target_path

    return settings.YSJ_PUBLIC_BASE_URL.rstrip("/") + target_path(notification)


@shared_task(
    bind=True,
    name="notifications.send_emails",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_emails(self: Task, notification_ids: list[int]) -> int:
    """Send the e-mails of these notices; retried with backoff for those that failed transiently.

    The rows bound the attempts (``notifications.mailing``), not the task's retry count, so a
    duplicated task neither sends twice nor extends the attempts. Returns how many were sent.
    """
    from . import mailing

    report = mailing.send_due(notification_ids=notification_ids)
    if self.request.is_eager:
        # Inline (no broker): nothing would run a retry later, so the attempts follow at once;
        # each pass uses one attempt of every copy it retries, so this ends.
        sent = len(report.sent)
        for _ in range(mailing.max_attempts()):
            if not report.retry:
                break
            report = mailing.send_due(notification_ids=report.retry)
            sent += len(report.sent)
        return sent
    # Copies another worker holds are looked at again when its lease ends.
    waiting = report.retry + report.held
    if waiting:
        countdown = max(1.0, (report.retry_at - timezone.now()).total_seconds()) if report.retry_at else 1.0
        raise self.retry(args=[waiting], countdown=countdown, max_retries=None)
    return len(report.sent)


@shared_task(name="notifications.sweep_emails", ignore_result=True)
def sweep_emails() -> list[int]:
    """Periodic: queue again the copies no task will send (``notifications.mailing.overdue``)."""
    from . import mailing

    ids = mailing.overdue()
    if ids:
        send_emails.delay(ids)
    return ids
