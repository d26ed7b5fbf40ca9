"""Moving outbox rows to the regions (POST {endpoint}/api/v1/publications, docs/region-protocol.md).

One worker at a time delivers to a region: it takes a lease on the region's channel row with a
conditional UPDATE (no transaction is held open during HTTP calls), then sends the region's
pending deliveries in sequence order. A transient failure (no answer, 5xx) stops the run and
schedules the head of the queue again with exponential backoff, so a region that was down gets
everything, in order, when it returns. A 4xx answer is a permanent failure shown to the
administrator; it does not block later deliveries.

The lease is short (``YSJ_PUBLICATION_LEASE_SECONDS``, 15 s) and renewed while the run lasts:
before each publication and, from a heartbeat thread, every third of the lease during a long HTTP
call. A killed worker stops renewing, so its region is free again within one lease and the next
sweep sends the same publication again; the region recognises its ``publicationId``. Lease times
are the database's clock, so workers on hosts with skewed clocks agree on when a lease expires.
A run that cannot renew (it lost the lease) sends nothing more.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from trust.calls import record_call
from trust.keys import hub_private_key
from trust.models import Region
from ysj_protocol import profile
from ysj_protocol import status as st
from ysj_protocol.client import EnvelopeClient, Peer, ProtocolError, StatusError, TransportError
from ysj_protocol.contrib.observability import request_id_var

from .models import DeliveryState, PublicationChannel, PublicationDelivery
from .payloads import format_time
from .signals import publication_delivery_failed

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


def _lease_end() -> ExpressionWrapper:
    return ExpressionWrapper(
        Now() + timedelta(seconds=settings.YSJ_PUBLICATION_LEASE_SECONDS), output_field=DateTimeField()
    )


def _claim(region_id: int, owner: str) -> bool:
    PublicationChannel.objects.get_or_create(region_id=region_id)
    taken = PublicationChannel.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=Now()) | Q(lease_owner=owner), region_id=region_id
    ).update(lease_owner=owner, lease_until=_lease_end())
    return taken == 1


def _renew(region_id: int, owner: str) -> bool:
    return PublicationChannel.objects.filter(region_id=region_id, lease_owner=owner).update(lease_until=_lease_end()) == 1


def _release(region_id: int, owner: str) -> None:
    PublicationChannel.objects.filter(region_id=region_id, lease_owner=owner).update(lease_owner="", lease_until=None)


def new_owner() -> str:
    """A lease owner naming the host and process, so an operator (and a test) can tell who holds it."""
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


class Lease:
    """A region's delivery lease held by one run, kept alive by a heartbeat thread.

    The heartbeat renews every third of the lease, so a publication whose HTTP call outlasts the
    lease still has one sender; it uses its own database connection, closed when it stops. When a
    renewal fails (another worker took the lease, or the database is unreachable) ``lost`` is set
    and the run stops before its next publication.
    """

    def __init__(self, region_id: int, owner: str) -> None:
        self.region_id = region_id
        self.owner = owner
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def claim(self) -> bool:
        if not _claim(self.region_id, self.owner):
            return False
        interval = max(settings.YSJ_PUBLICATION_LEASE_SECONDS / 3, 0.5)
        self._thread = threading.Thread(
            target=self._beat, args=(interval,), name=f"lease-{self.region_id}", daemon=True
        )
        self._thread.start()
        return True

    def renew(self) -> bool:
        if self.lost.is_set() or not _renew(self.region_id, self.owner):
            self.lost.set()
        return not self.lost.is_set()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if not self.lost.is_set():
            _release(self.region_id, self.owner)

    def _beat(self, interval: float) -> None:
        try:
            while not self._stop.wait(interval):
                try:
                    if not _renew(self.region_id, self.owner):
                        self.lost.set()
                except Exception:
                    logger.warning("could not renew the publication lease of region %s", self.region_id, exc_info=True)
                    self.lost.set()
                if self.lost.is_set():
                    return
        finally:
            connections.close_all()  # this thread's connections only


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
    report = RunReport(region_id=region_id)
    lease = Lease(region_id, new_owner())
    if not lease.claim():
        report.claimed = False
        return report
    try:
        region = Region.objects.get(pk=region_id)
        if not region.is_active:
            return report
        with client_for(region) as client:
            _run(region, client, lease, report)
    finally:
        lease.release()
    return report


def _run(region: Region, client: EnvelopeClient, lease: Lease, report: RunReport) -> None:
    pending = PublicationDelivery.objects.filter(region=region, state=DeliveryState.PENDING).select_related("publication")
    while True:
        delivery = pending.order_by("sequence").first()
        if delivery is None or delivery.next_attempt_at > timezone.now():
            return  # the head is not due yet: later ones wait, so the region sees them in order
        if not lease.renew():
            logger.warning("lost the publication lease of region %s", region.code)
            return
        outcome = _send(client, delivery, region=region.code)
        if outcome == DeliveryState.DELIVERED:
            report.delivered.append(delivery.pk)
        elif outcome == DeliveryState.FAILED:
            report.failed.append(delivery.pk)
        else:
            report.retry_scheduled.append(delivery.pk)
            return


#: Refusals worth asking again: the region is busy or timed the call out on its side.
_RETRIED_HTTP = {408, 425, 429}


def is_permanent(exc: StatusError) -> bool:
    """A refusal the region would repeat (a 4xx kind of status): shown to the administrator, not retried.

    Judged by the status code's own HTTP status in the table as well as the answer's: a region may
    answer every envelope with HTTP 200 and the outcome in ``head.status`` (12.1.2).
    """
    known = st.lookup(exc.status)
    mapped = known.http_status if known is not None else 0
    return any(400 <= code < 500 and code not in _RETRIED_HTTP for code in (exc.http_status, mapped))


def delivery_request_id(delivery: PublicationDelivery) -> str:
    """The request ID a delivery is sent and logged under: the publishing request's, else one naming the publication."""
    return delivery.publication.request_id or f"pub-{delivery.publication_id.hex}"


def _send(client: EnvelopeClient, delivery: PublicationDelivery, *, region: str) -> str:
    """Send one delivery under the request ID of the change that published it (log lines, the region's record)."""
    request_id = delivery_request_id(delivery)
    token = request_id_var.set(request_id)
    try:
        return _attempt(client, delivery, request_id=request_id, region=region)
    finally:
        request_id_var.reset(token)


def _attempt(client: EnvelopeClient, delivery: PublicationDelivery, *, request_id: str, region: str) -> str:
    now = timezone.now()
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {"attempts": attempts, "last_attempt_at": now}
    try:
        opened = client.call(profile.PUBLICATIONS_PATH, build_message(delivery), request_id=request_id)
    except StatusError as exc:
        fields.update(last_status=f"{exc.status}/{exc.http_status}", last_error=exc.message[:500])
        if is_permanent(exc):
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
    saved = PublicationDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(**fields)
    state = fields.get("state", DeliveryState.PENDING)
    if state == DeliveryState.DELIVERED:
        logger.info("publication %s delivered to %s (sequence %s, attempt %s)", delivery.publication_id, region,
                    delivery.sequence, attempts)
    else:
        logger.warning("publication %s not delivered to %s (attempt %s): %s %s", delivery.publication_id,
                       region, attempts, fields.get("last_status", ""), fields.get("last_error", ""))
    if saved and state != DeliveryState.DELIVERED:
        _signal_failure(delivery, fields, permanent=state == DeliveryState.FAILED)
    return state


def _signal_failure(delivery: PublicationDelivery, fields: dict[str, Any], *, permanent: bool) -> None:
    """Tell listeners (notifications) about a failed attempt; a listener's error never stops delivery.

    The streak starts at the first failure after a clean state (no error recorded): later retries
    of the same failing delivery are not a new streak.
    """
    first_in_streak = not delivery.last_error and not delivery.last_status
    for attr, value in fields.items():
        setattr(delivery, attr, value)
    try:
        publication_delivery_failed.send(
            sender=PublicationDelivery, delivery=delivery, first_in_streak=first_in_streak, permanent=permanent
        )
    except Exception:
        logger.exception("a listener of failed delivery %s failed", delivery.pk)


def due_region_ids() -> list[int]:
    """Regions with a pending delivery that is due (a retry, a lost task, a killed worker's run)."""
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
