"""Celery tasks of the evidence log (scheduled by beat: ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from .runner import run_once


@shared_task(name="evidence.integrate_log", ignore_result=True)
def integrate_log() -> None:
    """Integrate pending entries, sign a checkpoint and collect the witnesses' cosignatures."""
    run_once()
