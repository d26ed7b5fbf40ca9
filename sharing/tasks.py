"""Periodic housekeeping of the sharing records."""

from celery import shared_task

from .certificate_ids import purge_expired


@shared_task(name="sharing.purge_expired_certificate_ids")
def purge_expired_certificate_ids() -> int:
    """Delete certificate IDs expired for more than a day (until then they answer 4002, not 4001)."""
    return purge_expired()
