from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from celery.signals import task_postrun
from django.db import connections

from tests.scenarios.factories import fast_passwords


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    fast_passwords(settings)


@pytest.fixture
def quick_retries(settings) -> None:
    """Retries due at once, so a test does not wait for the production backoff."""
    settings.YSJ_PUBLICATION_RETRY_BASE_SECONDS = 0.0
    settings.YSJ_PUBLICATION_RETRY_MAX_SECONDS = 0.0


def _close_worker_thread_connections(sender=None, **kwargs) -> None:
    """task_postrun, in the thread that ran the task: release its connections (not for inline tasks)."""
    request = getattr(sender, "request", None)
    if request is not None and getattr(request, "is_eager", False):
        return  # an inline task runs in the test's own thread, inside its transaction
    connections.close_all()


@pytest.fixture
def celery_worker_queue() -> Iterator[str]:
    """A real Celery worker on the configured broker, consuming a queue of its own.

    Skipped only when no broker is configured (CI sets CELERY_BROKER_URL to a Redis database).
    The queue name is unique per test and deleted afterwards, so nothing queued here reaches
    another test, and nothing another test queued reaches this worker.

    Tasks run in the thread pool's threads, each with a database connection of its own that
    ``CONN_MAX_AGE`` keeps open after the task, and the pool's threads outlive the worker: the
    connections are closed in those threads after every task, or PostgreSQL would refuse to drop
    the test database at the end of the run ("being accessed by other users").
    """
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("未配置 CELERY_BROKER_URL：真实 Celery worker 测试需要 Redis 代理（CI 会设置）")
    from celery.contrib.testing.worker import start_worker

    from ysj_portal.celery import app

    queue = f"ysj-test-{uuid.uuid4().hex[:12]}"
    # Configured from Django settings with the CELERY namespace: the prefixed keys are the ones read.
    saved = {"CELERY_TASK_ALWAYS_EAGER": app.conf.task_always_eager, "CELERY_TASK_DEFAULT_QUEUE": app.conf.task_default_queue}
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=False, CELERY_TASK_DEFAULT_QUEUE=queue)
    task_postrun.connect(_close_worker_thread_connections, weak=False)
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, queues=[queue],
                          shutdown_timeout=30):
            yield queue
    finally:
        task_postrun.disconnect(_close_worker_thread_connections)
        app.conf.update(saved)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
