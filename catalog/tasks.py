"""Celery tasks of the publication outbox.

Tasks only point at outbox rows; they carry no business data, are acknowledged late and are
safe to run twice (the region lease and the publicationId make a second run harmless).
"""

from __future__ import annotations

import logging

from celery import shared_task

from . import delivery

logger = logging.getLogger(__name__)


@shared_task(name="catalog.deliver_region", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_region(region_id: int) -> dict[str, object]:
    """Deliver the due publications of one region, in sequence order."""
    report = delivery.deliver_region(region_id)
    if report.failed:
        logger.warning("region %s refused publication deliveries %s", region_id, report.failed)
    return {
        "region": region_id,
        "claimed": report.claimed,
        "delivered": report.delivered,
        "failed": report.failed,
        "retry": report.retry_scheduled,
    }


@shared_task(name="catalog.sweep_publications", ignore_result=True)
def sweep_publications() -> list[int]:
    """Periodic: queue a delivery run for every region with something due (retries, lost tasks)."""
    region_ids = delivery.due_region_ids()
    for region_id in region_ids:
        deliver_region.delay(region_id)
    return region_ids
