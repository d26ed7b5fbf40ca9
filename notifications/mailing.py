"""Sending the e-mail copies of notifications: claims, retries with backoff, a durable outcome.

Each copy is a ``NotificationEmail`` row. A sender claims it (``sending``, one attempt more)
with a conditional update before talking to the mail server, so two deliveries of the same task
never both send it, and a copy marked ``sent`` is never sent again. A transient failure (the
server unreachable, a timeout, a 4xx reply) puts it back to ``pending`` with the next attempt's
time, until ``YSJ_NOTIFICATION_EMAIL_ATTEMPTS`` attempts are used; a permanent one (a 5xx reply,
a message that cannot be built) or the last attempt leaves it ``failed`` with its error.

A claim lasts ``claim_lease()``: a sender that died after claiming (worker killed) leaves the copy
to whoever finds the lease expired. Copies no task will come back to (queued while the broker was
down, a retry that could not be queued, a dead sender's) are found by ``overdue`` for the
periodic sweep (``notifications.sweep_emails``). If it died between the server accepting the mail and the row
being marked sent, that copy is sent twice; the Message-ID stays the same, so mail clients show one.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import EmailState, Notification, NotificationEmail

logger = logging.getLogger(__name__)

#: Longest error text kept on the row.
ERROR_LENGTH = 500


def max_attempts() -> int:
    return max(1, int(settings.YSJ_NOTIFICATION_EMAIL_ATTEMPTS))


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: doubling from the base, capped."""
    base = float(settings.YSJ_NOTIFICATION_EMAIL_RETRY_BASE_SECONDS)
    cap = float(settings.YSJ_NOTIFICATION_EMAIL_RETRY_MAX_SECONDS)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def claim_lease() -> timedelta:
    """How long a claim holds: well beyond one SMTP exchange bounded by ``EMAIL_TIMEOUT``."""
    timeout = settings.EMAIL_TIMEOUT or 30.0
    return timedelta(seconds=60.0 + 3 * float(timeout))


def is_transient(exc: BaseException) -> bool:
    """Whether trying again later may succeed (RFC 5321 4.2.1: 4yz replies are transient, 5yz permanent)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPException | OSError | TimeoutError)


class NotSent(smtplib.SMTPException):
    """The backend returned without error but reported the message as not sent."""


@dataclass(slots=True)
class SendReport:
    """What one run did with the copies it was given (notification ids)."""

    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)  # failed transiently, attempts left
    held: list[int] = field(default_factory=list)  # claimed by another sender whose lease runs
    failed: list[int] = field(default_factory=list)  # given up now (permanent error, attempts used)
    retry_at: datetime | None = None  # when the earliest of ``retry`` and ``held`` is due

    def due(self, when: datetime) -> None:
        self.retry_at = when if self.retry_at is None else min(self.retry_at, when)


def record(notifications: Iterable[Notification]) -> list[int]:
    """Write a pending copy for each notification whose recipient has an address; returns their ids."""
    rows = [
        NotificationEmail(notification_id=n.pk, address=n.recipient.email)
        for n in notifications
        if n.recipient.email
    ]
    NotificationEmail.objects.bulk_create(rows, ignore_conflicts=True)
    return [row.notification_id for row in rows]


def _adopt_unrecorded(notification_ids: Sequence[int]) -> None:
    """Tasks queued before copies had rows name notifications without one: give them one."""
    bare = (
        Notification.objects.filter(pk__in=notification_ids, email__isnull=True, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
    )
    record(bare)


def overdue(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Copies left behind: due for longer than a lease, so their own task (if any) had its turn."""
    since = (now or timezone.now()) - claim_lease()
    rows = NotificationEmail.objects.filter(
        Q(state=EmailState.PENDING, next_attempt_at__lte=since)
        | Q(state=EmailState.PENDING, next_attempt_at__isnull=True, notification__created_at__lte=since)
        | Q(state=EmailState.SENDING, last_attempt_at__lt=since)
    )
    return list(rows.order_by("pk").values_list("pk", flat=True)[:limit])


def _claimable(now: datetime) -> Q:
    return Q(state=EmailState.PENDING) | Q(state=EmailState.SENDING, last_attempt_at__lt=now - claim_lease())


def _claim(row: NotificationEmail, now: datetime) -> bool:
    """Take the copy for one attempt; false when another sender holds it or it is settled."""
    claimed = NotificationEmail.objects.filter(_claimable(now), pk=row.pk, attempts=row.attempts).update(
        state=EmailState.SENDING, attempts=F("attempts") + 1, last_attempt_at=now, next_attempt_at=None
    )
    if claimed:
        row.state, row.attempts, row.last_attempt_at = EmailState.SENDING, row.attempts + 1, now
    return bool(claimed)


def _message(row: NotificationEmail, connection: object) -> EmailMessage:
    from .tasks import notification_url

    notice = row.notification
    body = f"{notice.text}\n\n查看：{notification_url(notice)}\n\n（本邮件由长三角电子证照融合共享服务系统自动发送）"
    domain = urlsplit(settings.YSJ_PUBLIC_BASE_URL).hostname or "localhost"
    # The same Message-ID at every attempt: a copy sent twice after a crash is one mail to the client.
    message_id = f"<notification-{notice.pk}.{notice.created_at:%Y%m%d%H%M%S}@{domain}>"
    return EmailMessage(
        subject=f"[长三角电子证照] {notice.title}",
        body=body,
        to=[row.address],
        connection=connection,
        headers={"Message-ID": message_id},
    )


def _mark_sent(row: NotificationEmail, now: datetime) -> None:
    with transaction.atomic():
        NotificationEmail.objects.filter(pk=row.pk, state=EmailState.SENDING, attempts=row.attempts).update(
            state=EmailState.SENT, last_error=""
        )
        Notification.objects.filter(pk=row.pk).update(emailed_at=now)


def _release(row: NotificationEmail, exc: BaseException, now: datetime, report: SendReport) -> None:
    """Record a failed attempt: pending again with its next time, or failed for good."""
    error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
    again = is_transient(exc) and row.attempts < max_attempts()
    when = now + backoff(row.attempts) if again else None
    NotificationEmail.objects.filter(pk=row.pk, state=EmailState.SENDING, attempts=row.attempts).update(
        state=EmailState.PENDING if again else EmailState.FAILED, last_error=error, next_attempt_at=when
    )
    if again:
        report.retry.append(row.pk)
        report.due(when)
        logger.warning(
            "e-mail of notification %s failed (attempt %s), retry at %s: %s",
            row.pk,
            row.attempts,
            when.isoformat(),
            error,
        )
    else:
        report.failed.append(row.pk)
        logger.error(
            "e-mail of notification %s given up after %s attempt(s): %s", row.pk, row.attempts, error
        )


def send_due(*, notification_ids: Sequence[int]) -> SendReport:
    """Send the copies of these notifications that are not sent, failed or held by another sender."""
    report = SendReport()
    _adopt_unrecorded(notification_ids)
    rows = list(
        NotificationEmail.objects.filter(
            pk__in=notification_ids, state__in=[EmailState.PENDING, EmailState.SENDING]
        )
        .select_related("notification")
        .order_by("pk")
    )
    connection = None
    open_error: BaseException | None = None
    try:
        for row in rows:
            now = timezone.now()
            if not _claim(row, now):
                current = (
                    NotificationEmail.objects.filter(pk=row.pk)
                    .values_list("state", "last_attempt_at")
                    .first()
                )
                if current and current[0] in (EmailState.PENDING, EmailState.SENDING):
                    report.held.append(row.pk)
                    report.due((current[1] or now) + claim_lease())
                continue
            try:
                if open_error is not None:
                    raise open_error
                if connection is None:
                    try:
                        connection = get_connection(fail_silently=False)
                        connection.open()
                    except Exception as exc:
                        open_error, connection = exc, None
                        raise
                if not _message(row, connection).send():
                    raise NotSent("邮件后端未发送该邮件")
            except Exception as exc:
                _release(row, exc, timezone.now(), report)
                continue
            _mark_sent(row, timezone.now())
            report.sent.append(row.pk)
    finally:
        if connection is not None:
            try:
                connection.close()
            except Exception:
                logger.warning("could not close the mail connection", exc_info=True)
    return report
