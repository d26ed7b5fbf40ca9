"""Moving outbox rows to the regions (POST {endpoint}/api/v1/publications, docs/region-protocol.md).

One worker at a time delivers to a region: it takes a lease on the region's channel row with a
conditional UPDATE (no transaction is held open during HTTP calls), then sends the region's
pending deliveries in sequence order. A transient failure (no answer, 5xx) stops the run and
schedules the head of the queue again with exponential backoff, so a region that was down gets
everything, in order, when it returns. A 4xx answer is a permanent failure shown to the
administrator; it does not block later deliveries. A killed worker's lease simply expires and the
sweeper sends the same publication again; the region recognises its ``publicationId``.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from trust.calls import record_call
from trust.keys import hub_private_key
from trust.models import Region
from ysj_protocol import profile
from ysj_protocol.client import EnvelopeClient, Peer, ProtocolError, StatusError, TransportError

from .models import DeliveryState, PublicationChannel, PublicationDelivery
from .payloads import format_time

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class RunReport:
    """What one delivery run to a region did (for logs and tests)."""

    region_id: int
    claimed: bool = True
    delivered: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry_scheduled: list[int] = field(default_factory=list)


def build_message(delivery: PublicationDelivery) -> dict[str, Any]:
    """The publication as the region receives it, signed by the hub (the profile's signing bytes)."""
    publication = delivery.publication
    message = profile.publication_message(
        publication_id=str(publication.id),
        sequence=delivery.sequence,
        kind=publication.kind,
        action=publication.action,
        code=publication.code,
        published_at=format_time(publication.published_at),
        payload=publication.payload,
    )
    message["signature"] = profile.sign_publication(message, hub_private_key())
    return message


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter, capped: base·2^(n-1) + U(0, base), at most the maximum."""
    base = settings.YSJ_PUBLICATION_RETRY_BASE_SECONDS
    cap = settings.YSJ_PUBLICATION_RETRY_MAX_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), cap) + random.uniform(0, base)


def _claim(region_id: int, owner: str) -> bool:
    now = timezone.now()
    PublicationChannel.objects.get_or_create(region_id=region_id)
    taken = PublicationChannel.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner), region_id=region_id
    ).update(lease_owner=owner, lease_until=now + timedelta(seconds=settings.YSJ_PUBLICATION_LEASE_SECONDS))
    return taken == 1


def _renew(region_id: int, owner: str) -> bool:
    until = timezone.now() + timedelta(seconds=settings.YSJ_PUBLICATION_LEASE_SECONDS)
    return PublicationChannel.objects.filter(region_id=region_id, lease_owner=owner).update(lease_until=until) == 1


def _release(region_id: int, owner: str) -> None:
    PublicationChannel.objects.filter(region_id=region_id, lease_owner=owner).update(lease_owner="", lease_until=None)


def client_for(region: Region) -> EnvelopeClient:
    return EnvelopeClient(
        Peer(base_url=region.endpoint, public_key=region.sm2_public_key, name=region.account_id),
        account_id=region.caller_account_id,
        private_key=hub_private_key(),
        timeout=region.timeout_seconds,
        recorder=record_call,
    )


def deliver_region(region_id: int) -> RunReport:
    """Send the region's due deliveries in sequence order; returns what happened."""
    owner = uuid.uuid4().hex
    report = RunReport(region_id=region_id)
    if not _claim(region_id, owner):
        report.claimed = False
        return report
    try:
        region = Region.objects.get(pk=region_id)
        if not region.is_active:
            return report
        with client_for(region) as client:
            _run(region, client, owner, report)
    finally:
        _release(region_id, owner)
    return report


def _run(region: Region, client: EnvelopeClient, owner: str, report: RunReport) -> None:
    pending = PublicationDelivery.objects.filter(region=region, state=DeliveryState.PENDING).select_related("publication")
    while True:
        delivery = pending.order_by("sequence").first()
        if delivery is None or delivery.next_attempt_at > timezone.now():
            return  # the head is not due yet: later ones wait, so the region sees them in order
        if not _renew(region.pk, owner):
            logger.warning("lost the publication lease of region %s", region.code)
            return
        outcome = _send(client, delivery)
        if outcome == DeliveryState.DELIVERED:
            report.delivered.append(delivery.pk)
        elif outcome == DeliveryState.FAILED:
            report.failed.append(delivery.pk)
        else:
            report.retry_scheduled.append(delivery.pk)
            return


def _send(client: EnvelopeClient, delivery: PublicationDelivery) -> str:
    now = timezone.now()
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {"attempts": attempts, "last_attempt_at": now}
    try:
        opened = client.call(profile.PUBLICATIONS_PATH, build_message(delivery), request_id=f"pub-{delivery.publication_id.hex}")
    except StatusError as exc:
        fields.update(last_status=f"{exc.status}/{exc.http_status}", last_error=exc.message[:500])
        if 400 <= exc.http_status < 500:
            fields["state"] = DeliveryState.FAILED
        else:
            fields["next_attempt_at"] = now + timedelta(seconds=backoff_seconds(attempts))
    except (TransportError, ProtocolError) as exc:
        fields.update(
            last_status="", last_error=str(exc)[:500], next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts))
        )
    else:
        fields.update(
            state=DeliveryState.DELIVERED,
            delivered_at=now,
            last_status=opened.status,
            last_error="",
            duplicate=profile.receipt_is_duplicate(opened.data),
        )
    PublicationDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(**fields)
    return fields.get("state", DeliveryState.PENDING)


def due_region_ids() -> list[int]:
    """Regions with a pending delivery that is due, or whose lease expired (a worker died)."""
    now = timezone.now()
    return list(
        PublicationDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now, region__is_active=True)
        .order_by()
        .values_list("region_id", flat=True)
        .distinct()
    )


def retry_now(deliveries: list[PublicationDelivery]) -> list[int]:
    """Make failed or waiting deliveries due at once; returns the regions to queue."""
    ids = [d.pk for d in deliveries if d.state != DeliveryState.DELIVERED]
    PublicationDelivery.objects.filter(pk__in=ids).exclude(state=DeliveryState.DELIVERED).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now()
    )
    return sorted({d.region_id for d in deliveries if d.pk in ids})
