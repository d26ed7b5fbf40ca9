"""E-mail copies are retried on transient errors, recorded when given up, and never sent twice."""

from __future__ import annotations

import smtplib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications import mailing
from notifications.models import EmailState, Notification, NotificationEmail, NotificationKind
from notifications.tasks import send_emails, sweep_emails
from scenarios.models import ScenarioEvent

from ..dashboard.factories import superuser
from ..factories import no_delivery
from ..scenarios.factories import PASSWORD, propose
from .helpers import with_email
from .mailbox import delivered, refused, use_flaky_backend

pytestmark = pytest.mark.django_db




@pytest.fixture
def propose_with_mail(admins, entry, django_capture_on_commit_callbacks):
    """Propose a list as SH after committing; JS's administrator is the one recipient with an address."""
    with_email(admins["JS"], "js-admin@example.gov.cn")

    def run(code: str):
        with no_delivery(), django_capture_on_commit_callbacks(execute=True):
            return propose(code, [entry], by="SH")

    return run


def copy_of(user) -> NotificationEmail:
    return NotificationEmail.objects.select_related("notification").get(notification__recipient=user)


@pytest.mark.parametrize("error", ["disconnected", "refused", "timeout", "busy"])
def test_a_transient_failure_is_retried_until_the_mail_is_sent(
    admins, propose_with_mail, settings, tmp_path, error
):
    use_flaky_backend(settings, tmp_path, failures=2, error=error)
    scenario = propose_with_mail("R-001")
    assert refused() == 2
    copy = copy_of(admins["JS"])
    assert (copy.state, copy.attempts, copy.last_error, copy.next_attempt_at) == (
        EmailState.SENT,
        3,
        "",
        None,
    )
    assert copy.notification.emailed_at is not None
    [message] = delivered(tmp_path)
    assert message["To"] == "js-admin@example.gov.cn"
    assert message["Subject"].strip() == "[长三角电子证照] 用证清单「清单 R-001」（R-001）第 1 版待本地区确认"
    assert (
        message["Message-ID"]
        == f"<notification-{copy.pk}.{copy.notification.created_at:%Y%m%d%H%M%S}@127.0.0.1>"
    )
    assert ScenarioEvent.objects.filter(scenario_list=scenario).count() == 1


def test_after_the_last_attempt_the_failure_stays_on_record(admins, propose_with_mail, settings, tmp_path):
    settings.YSJ_NOTIFICATION_EMAIL_ATTEMPTS = 3
    use_flaky_backend(settings, tmp_path, failures=100, error="disconnected")
    scenario = propose_with_mail("R-002")
    assert refused() == 3  # bounded: three attempts, then given up
    copy = copy_of(admins["JS"])
    assert (copy.state, copy.attempts, copy.next_attempt_at) == (EmailState.FAILED, 3, None)
    assert copy.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert copy.notification.emailed_at is None and delivered(tmp_path) == []
    # The workflow went on: the list is proposed and the notice is in the inbox.
    scenario.refresh_from_db()
    assert scenario.events.count() == 1 and Notification.objects.filter(recipient=admins["JS"]).count() == 1
    # A later run of the same task (a duplicate) does not try a copy given up on.
    assert send_emails.delay([copy.pk]).get() == 0
    assert refused() == 3


def test_a_permanent_refusal_is_not_retried(admins, propose_with_mail, settings, tmp_path):
    use_flaky_backend(settings, tmp_path, failures=100, error="rejected")
    propose_with_mail("R-003")
    copy = copy_of(admins["JS"])
    assert (copy.state, copy.attempts) == (EmailState.FAILED, 1)
    assert copy.last_error.startswith("SMTPRecipientsRefused: ") and "550" in copy.last_error


def test_a_sent_mail_is_never_sent_again(admins, propose_with_mail, settings, tmp_path):
    use_flaky_backend(settings, tmp_path)
    propose_with_mail("R-004")
    copy = copy_of(admins["JS"])
    assert copy.state == EmailState.SENT and copy.attempts == 1
    # The task delivered again (a broker redelivery, a retry racing a duplicate): nothing is sent.
    assert send_emails.delay([copy.pk]).get() == 0
    assert mailing.send_due(notification_ids=[copy.pk]).sent == []
    assert len(delivered(tmp_path)) == 1
    copy.refresh_from_db()
    assert copy.attempts == 1


def test_a_copy_claimed_by_another_sender_waits_for_its_lease(admins, propose_with_mail, settings, tmp_path):
    use_flaky_backend(settings, tmp_path, failures=100)
    propose_with_mail("R-005")
    copy = copy_of(admins["JS"])
    assert copy.state == EmailState.FAILED
    use_flaky_backend(settings, tmp_path)  # the server is fine again
    # Another worker claimed the copy a moment ago and is sending it: this run leaves it alone.
    claimed_at = timezone.now()
    NotificationEmail.objects.filter(pk=copy.pk).update(
        state=EmailState.SENDING, attempts=1, last_attempt_at=claimed_at
    )
    report = mailing.send_due(notification_ids=[copy.pk])
    assert (report.sent, report.held, report.retry_at) == ([], [copy.pk], claimed_at + mailing.claim_lease())
    assert delivered(tmp_path) == []
    # That worker died: once its lease is over, the copy is taken again and sent.
    NotificationEmail.objects.filter(pk=copy.pk).update(last_attempt_at=claimed_at - mailing.claim_lease())
    assert mailing.send_due(notification_ids=[copy.pk]).sent == [copy.pk]
    copy.refresh_from_db()
    assert (copy.state, copy.attempts) == (EmailState.SENT, 2)
    assert len(delivered(tmp_path)) == 1


def test_backoff_doubles_up_to_its_cap(settings):
    settings.YSJ_NOTIFICATION_EMAIL_RETRY_BASE_SECONDS = 60
    settings.YSJ_NOTIFICATION_EMAIL_RETRY_MAX_SECONDS = 600
    assert [mailing.backoff(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_the_mail_records_are_read_only_in_chinese_for_superusers(
    admins, propose_with_mail, settings, tmp_path
):
    settings.YSJ_NOTIFICATION_EMAIL_ATTEMPTS = 2
    use_flaky_backend(settings, tmp_path, failures=100, error="busy")
    propose_with_mail("R-006")
    copy = copy_of(admins["JS"])
    root = superuser()
    client = Client()
    client.force_login(root)
    page = client.get(reverse("admin:notifications_notificationemail_changelist"), {"state": "failed"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "通知邮件" in body and "发送失败" in body and "js-admin@example.gov.cn" in body
    assert "SMTPDataError: (451" in body
    detail = client.get(
        reverse("admin:notifications_notificationemail_change", args=[copy.pk])
    ).content.decode()
    assert "尝试次数" in detail and "最近错误" in detail and 'name="_save"' not in detail
    assert (
        client.post(reverse("admin:notifications_notificationemail_delete", args=[copy.pk])).status_code
        == 403
    )
    # A region administrator reads only the state of their own copies, in their inbox.
    js = Client()
    assert js.login(username=admins["JS"].username, password=PASSWORD)
    assert js.get(reverse("admin:notifications_notificationemail_changelist")).status_code == 403
    inbox = js.get(reverse("admin:notifications_notification_changelist")).content.decode()
    assert "发送失败" in inbox


def test_a_notice_queued_before_copies_had_rows_is_still_sent(admins, settings, tmp_path):
    use_flaky_backend(settings, tmp_path)
    with_email(admins["JS"], "js-admin@example.gov.cn")
    old = Notification.objects.create(recipient=admins["JS"], kind=NotificationKind.PUBLISHED, title="旧通知")
    assert send_emails.delay([old.pk]).get() == 1
    assert copy_of(admins["JS"]).state == EmailState.SENT
    assert [m["To"] for m in delivered(tmp_path)] == ["js-admin@example.gov.cn"]


def test_transient_and_permanent_errors():
    assert mailing.is_transient(ConnectionResetError())
    assert mailing.is_transient(smtplib.SMTPConnectError(421, b"busy"))
    assert not mailing.is_transient(smtplib.SMTPAuthenticationError(535, b"bad credentials"))
    assert not mailing.is_transient(ValueError("bad header"))


def test_the_sweep_sends_the_copies_no_task_will_come_back_to(admins, settings, tmp_path):
    use_flaky_backend(settings, tmp_path)
    lease = mailing.claim_lease()
    now = timezone.now()
    users = [with_email(admins[code]) for code in ("SH", "JS", "ZJ", "AH")]
    rows = [
        Notification.objects.create(recipient=user, kind=NotificationKind.PUBLISHED, title="清单已发布")
        for user in users
    ]
    mailing.record(rows)
    never_queued, dead_sender, lost_retry, fresh = (row.pk for row in rows)
    # Written while the broker was down: no task was ever queued for it.
    Notification.objects.filter(pk=never_queued).update(created_at=now - 2 * lease)
    # Claimed by a worker that was killed while sending.
    NotificationEmail.objects.filter(pk=dead_sender).update(
        state=EmailState.SENDING, attempts=1, last_attempt_at=now - 2 * lease
    )
    # A retry whose task could not be queued, due long ago.
    NotificationEmail.objects.filter(pk=lost_retry).update(attempts=1, next_attempt_at=now - 2 * lease)
    # Just written: its own task is on its way, the sweep leaves it alone.
    assert mailing.overdue() == [never_queued, dead_sender, lost_retry]
    assert sweep_emails.delay().get() == [never_queued, dead_sender, lost_retry]
    states = dict(NotificationEmail.objects.values_list("pk", "state"))
    assert states == {
        never_queued: EmailState.SENT,
        dead_sender: EmailState.SENT,
        lost_retry: EmailState.SENT,
        fresh: EmailState.PENDING,
    }
    assert len(delivered(tmp_path)) == 3 and mailing.overdue() == []
    beat = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert beat["notifications.sweep_emails"] == 300.0
