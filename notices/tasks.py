"""Periodic housekeeping of the holder notices (Celery beat, or inline without a broker)."""

from celery import shared_task

from .services import purge_expired as purge


@shared_task(name="notices.purge_expired", ignore_result=True)
def purge_expired() -> int:
    """Delete notices past ``YSJ_NOTICE_RETENTION_DAYS`` and the holder page's expired codes."""
    return purge()
