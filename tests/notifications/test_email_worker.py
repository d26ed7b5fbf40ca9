"""A scenario event's e-mail sent by a real Celery worker on the broker (inline without one).

With ``CELERY_BROKER_URL`` set the tasks go to Redis and a worker sends the mail: a worker in
this process's threads (as the publication tests run it), and on PostgreSQL also a worker
process of its own. The mail is written by Django's file-based backend into a directory both
can write to, so what the worker sent is read back whatever process sent it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection

from notifications.models import EmailState, NotificationEmail

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..factories import no_delivery
from ..faults.processes import celery_process
from ..publication.conftest import celery_worker_queue  # noqa: F401 - fixture: a real worker
from ..publication.helpers import wait_for
from ..scenarios.factories import four_admins, propose
from .helpers import with_email
from .mailbox import delivered, refused, use_flaky_backend

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


@pytest.fixture
def mail_worker(request) -> str | None:
    """The queue of a real worker when a broker is configured; None when the tasks run inline."""
    if os.environ.get("CELERY_BROKER_URL"):
        from kombu.asynchronous import set_event_loop

        # The event loop is global to the process: an earlier test's worker leaves its own, stopped,
        # whose timer would never fire this worker's delayed tasks (the retries' countdowns).
        set_event_loop(None)
        return request.getfixturevalue("celery_worker_queue")
    return None


@pytest.fixture
def process_queue() -> Iterator[str]:
    """A queue of its own on the broker, for a worker process; that process needs PostgreSQL to share the data."""
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("未配置 CELERY_BROKER_URL：独立的 worker 进程需要 Redis 代理")
    if connection.vendor != "postgresql":
        pytest.skip("需要 PostgreSQL（设置 DATABASE_URL）：另一个进程读不到 SQLite 的测试数据库")
    from ysj_portal.celery import app

    queue = f"ysj-mail-{uuid.uuid4().hex[:12]}"
    saved = {
        "CELERY_TASK_ALWAYS_EAGER": app.conf.task_always_eager,
        "CELERY_TASK_DEFAULT_QUEUE": app.conf.task_default_queue,
    }
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=False, CELERY_TASK_DEFAULT_QUEUE=queue)
    try:
        yield queue
    finally:
        app.conf.update(saved)
        with app.connection_for_write() as broker:
            broker.default_channel.queue_delete(queue)


@pytest.fixture
def js_admin():
    admins = four_admins()
    return with_email(admins["JS"], "js-admin@example.gov.cn")


def propose_list(code: str) -> None:
    entry = PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(131))
    with no_delivery():
        propose(code, [entry], by="SH")  # committed: the notice and its e-mail follow on commit


def copy_state(user) -> tuple[str, int] | None:
    row = (
        NotificationEmail.objects.filter(notification__recipient=user)
        .values_list("state", "attempts")
        .first()
    )
    return tuple(row) if row else None


def test_the_worker_sends_a_scenario_events_mail(mail_worker, js_admin, settings, tmp_path):
    use_flaky_backend(settings, tmp_path)
    propose_list("W-001")
    assert wait_for(lambda: copy_state(js_admin) == (EmailState.SENT, 1))
    [message] = delivered(tmp_path)
    assert message["To"] == "js-admin@example.gov.cn"
    assert message["Subject"].strip() == "[长三角电子证照] 用证清单「清单 W-001」（W-001）第 1 版待本地区确认"


def test_the_worker_retries_a_failed_mail_after_its_backoff(mail_worker, js_admin, settings, tmp_path):
    settings.YSJ_NOTIFICATION_EMAIL_RETRY_BASE_SECONDS = 0.0  # the retry is queued with the least countdown
    use_flaky_backend(settings, tmp_path, failures=1, error="refused")
    propose_list("W-002")
    assert wait_for(lambda: copy_state(js_admin) == (EmailState.SENT, 2))
    assert refused() == 1 and len(delivered(tmp_path)) == 1


def test_a_worker_process_of_its_own_sends_the_mail(process_queue, js_admin, tmp_path):
    mails = tmp_path / "mail"
    mails.mkdir()
    worker = {
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "CELERY_TASK_DEFAULT_QUEUE": process_queue,
        "EMAIL_BACKEND": "tests.notifications.mailbox.FlakyFileBackend",
        "EMAIL_FILE_PATH": str(mails),
    }
    args = ("-P", "threads", "-c", "1", "-Q", process_queue, "--without-gossip", "--without-mingle")
    with celery_process("worker", tmp_path / "worker.log", *args, "-n", "mail@%h", **worker):
        propose_list("W-003")
        sent = wait_for(lambda: copy_state(js_admin) == (EmailState.SENT, 1), timeout=60)
        assert sent, (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
    [message] = delivered(mails)
    assert message["To"] == "js-admin@example.gov.cn" and "W-003" in message["Subject"]
