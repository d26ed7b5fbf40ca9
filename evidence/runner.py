"""Running the integrator without a broker: a loop on a background thread, or in its own command.

With a broker, Celery beat runs ``evidence.tasks.integrate_log`` every
``YSJ_EVIDENCE_INTEGRATE_SECONDS``. Without one (the embedded demo), a process that sets
``YSJ_EVIDENCE_INTEGRATOR_THREAD`` runs the same loop on a daemon thread, started at the first
entry and woken at every commit of one; ``manage.py run_integrator`` runs it in the foreground.
The loop is off by default elsewhere (tests call ``integrate()`` themselves).
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def interval() -> float:
    return float(getattr(settings, "YSJ_EVIDENCE_INTEGRATE_SECONDS", 2.0))


def run_once(*, witnesses: bool = True) -> None:
    """Integrate what is pending, sign a checkpoint if the tree grew, and collect its cosignatures."""
    from .integrate import batch_size_setting, integrate
    from .witnesses import collect_cosignatures

    result = integrate(batch_size=batch_size_setting())
    if witnesses and not result.locked_out:
        collect_cosignatures()


class _Loop:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def wake(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._wake = threading.Event()
                self._thread = threading.Thread(target=self._run, name="evidence-integrator", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(timeout=interval())
            self._wake.clear()
            try:
                run_once()
            except Exception:  # the loop must survive a database hiccup; entries stay pending
                logger.exception("evidence integrator run failed")
            finally:
                close_old_connections()
            time.sleep(min(0.5, interval()))  # coalesce a burst of commits into one run


_loop = _Loop()


def wake() -> None:
    """Called after an entry commits: wakes this process's integrator thread where there is one."""
    if getattr(settings, "YSJ_EVIDENCE_INTEGRATOR_THREAD", False):
        _loop.wake()


def run_forever(*, stop: threading.Event | None = None) -> None:
    """The loop of ``manage.py run_integrator``: one run every ``interval()`` seconds."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            run_once()
        except Exception:
            logger.exception("evidence integrator run failed")
        finally:
            close_old_connections()
        stop.wait(interval())
