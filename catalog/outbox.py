"""Writing the publication outbox (6.1 a): one delivery per region, in the caller's transaction.

Nothing here talks to a region. The rows written are the truth of what must reach each region;
delivery tasks are queued only after the transaction commits, and the periodic sweeper re-queues
whatever is due, so a lost task or a killed worker loses nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from trust.models import Region

from .models import Publication, PublicationChannel, PublicationDelivery

logger = logging.getLogger(__name__)


def record_publication(
    *,
    kind: str,
    action: str,
    code: str,
    object_id: int,
    payload: dict[str, Any],
    actor: AbstractBaseUser | None = None,
    reason: str = "",
) -> Publication:
    """Write a publication and its per-region deliveries; must run inside ``transaction.atomic``.

    Sequences come from a per-region counter row locked for the rest of the transaction, so the
    order of sequences is the order of commits, which is the order regions must apply them in.
    Counters are locked in region order, so concurrent publications never deadlock.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("record_publication must run inside the transaction of the change")
    publication = Publication.objects.create(
        kind=kind,
        action=action,
        code=code,
        object_id=object_id,
        payload=payload,
        published_at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        reason=reason[:500],
    )
    region_ids = list(Region.objects.order_by("pk").values_list("pk", flat=True))
    existing = set(PublicationChannel.objects.filter(region_id__in=region_ids).values_list("region_id", flat=True))
    for region_id in region_ids:
        if region_id not in existing:
            PublicationChannel.objects.get_or_create(region_id=region_id)
    channels = list(PublicationChannel.objects.select_for_update().filter(region_id__in=region_ids).order_by("region_id"))
    deliveries = []
    now = timezone.now()
    for channel in channels:
        channel.last_sequence += 1
        deliveries.append(
            PublicationDelivery(
                publication=publication, region_id=channel.region_id, sequence=channel.last_sequence, next_attempt_at=now
            )
        )
    PublicationChannel.objects.bulk_update(channels, ["last_sequence"])
    PublicationDelivery.objects.bulk_create(deliveries)
    transaction.on_commit(lambda: enqueue_delivery(region_ids))
    return publication


def enqueue_delivery(region_ids: list[int]) -> None:
    """Queue one delivery run per region (after commit). A failure to queue is left to the sweeper."""
    from .tasks import deliver_region

    for region_id in region_ids:
        try:
            deliver_region.delay(region_id)
        except Exception:  # broker down: the outbox keeps the rows, the sweeper re-queues them
            logger.warning("could not queue publication delivery to region %s", region_id, exc_info=True)
