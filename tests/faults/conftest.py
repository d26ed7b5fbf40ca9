from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection


@pytest.fixture
def postgresql(transactional_db) -> None:
    """Skip on SQLite: these faults (killed server connections) exist only with a database server."""
    if connection.vendor != "postgresql":
        pytest.skip("需要 PostgreSQL（设置 DATABASE_URL）：SQLite 没有可被终止的服务器连接")


@pytest.fixture
def broker_queue(postgresql) -> Iterator[str]:
    """This process queues its tasks on the real broker, on a queue of its own (deleted afterwards).

    For tests that run the hub's workers as separate processes (``processes.celery_process``) on
    the same queue; skipped without a broker. Tests using it are marked ``celery_worker``.
    """
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("未配置 CELERY_BROKER_URL：需要 Redis 代理")
    from ysj_portal.celery import app

    queue = f"ysj-faults-{uuid.uuid4().hex[:12]}"
    saved = {"CELERY_TASK_ALWAYS_EAGER": app.conf.task_always_eager, "CELERY_TASK_DEFAULT_QUEUE": app.conf.task_default_queue}
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=False, CELERY_TASK_DEFAULT_QUEUE=queue)
    try:
        yield queue
    finally:
        app.conf.update(saved)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
