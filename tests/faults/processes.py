"""Real hub processes on the test database: a gunicorn hub, Celery workers and beat.

The processes read the test database that pytest-django created (so the test must commit:
``django_db(transaction=True)``) and the hub key of the test run. Each is started in its own
session so a test can kill exactly it (SIGKILL) and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection

from ..keys import hub_key
from ..regional import REPO_ROOT, free_port


def test_database_url() -> str:
    """The URL of the database the tests run on (PostgreSQL only)."""
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def hub_env(**extra: str) -> dict[str, str]:
    """The environment of a hub process on the test database, with ``extra`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "YSJ_", "CELERY_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ysj_portal.settings",
            "DATABASE_URL": test_database_url(),
            "YSJ_HUB_PRIVATE_KEY": hub_key().hex(),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    # The same secrets as this test process, so both read what the other stored.
    for name in ("SECRET_KEY", "YSJ_DATA_KEY", "YSJ_HOLDER_KEY_SECRET"):
        value = getattr(settings, name, "")
        if value:
            env[name] = value.hex() if isinstance(value, bytes) else str(value)
    env.update(extra)
    return env


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            args, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop a process group started by ``spawn`` (SIGKILL when it does not stop in time)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def hub_server(log: Path, *, threads: int = 1, **settings: str) -> Iterator[str]:
    """The hub under gunicorn (one process, ``threads`` threads) as in production; yields its URL."""
    port = free_port()
    process = spawn(
        [sys.executable, "-m", "gunicorn", "ysj_portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", str(threads), "--worker-class", "gthread", "--timeout", "120"],
        hub_env(**settings),
        log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the hub exited:\n{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{url}/admin/login/", timeout=2)
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the hub did not start within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        stop(process)


@contextlib.contextmanager
def celery_process(kind: str, log: Path, *args: str, **settings: str) -> Iterator[subprocess.Popen]:
    """``celery -A ysj_portal <kind> ...`` (worker or beat) on the test database and broker."""
    process = spawn([sys.executable, "-m", "celery", "-A", "ysj_portal", kind, "-l", "info", *args],
                    hub_env(**settings), log)
    try:
        yield process
    finally:
        stop(process)


def terminate_other_backends() -> int:
    """pg_terminate_backend on every other connection to the test database; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
