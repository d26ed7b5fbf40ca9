"""Writing the publication outbox (6.1 a): one delivery per region, in the caller's transaction.

Nothing here talks to a region. The rows written are the truth of what must reach each region;
delivery tasks are queued only after the transaction commits, off the request thread, and the
periodic sweeper re-queues whatever is due, so a lost task, a broker that is down or a killed
worker loses nothing and blocks no one.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from trust.models import Region
from ysj_protocol.contrib.observability import current_request_id

from .models import Publication, PublicationChannel, PublicationDelivery

logger = logging.getLogger(__name__)

#: Called with each new publication inside its transaction (the evidence log's entry); a failure
#: rolls the publication back. Registered by the evidence app; none registered refuses to publish.
_publication_recorder: Callable[[Publication], None] | None = None


def register_publication_recorder(recorder: Callable[[Publication], None]) -> None:
    global _publication_recorder
    _publication_recorder = recorder


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
        # Kept on the row: the delivery is sent later, by whichever run reaches it, under this ID.
        request_id=current_request_id(),
    )
    if _publication_recorder is None:
        raise RuntimeError("no evidence recorder registered: publications cannot be recorded")
    _publication_recorder(publication)
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
    """Queue one delivery run per region (after commit), never making the caller wait for the broker.

    With a broker, the tasks are sent by a background thread of this process: a broker that is down
    or silent costs the admin request nothing, and the rows wait for the sweeper. Without one
    (tasks run inline: development, tests) they run here, as before.
    """
    from ysj_portal.celery import app

    if app.conf.task_always_eager:
        _send_tasks(sorted(set(region_ids)))
    else:
        _enqueuer.submit(region_ids)


def _send_tasks(region_ids: list[int]) -> bool:
    """Send the tasks; at the first failure stop (the broker is down) and leave the rest to the sweeper."""
    from .tasks import deliver_region

    for region_id in region_ids:
        try:
            deliver_region.delay(region_id)
        except Exception:  # broker down: the outbox keeps the rows, the sweeper re-queues them
            logger.warning("could not queue publication delivery to regions %s; the sweeper will", region_ids,
                           exc_info=True)
            return False
    return True


class _Enqueuer:
    """One background thread per process sending delivery tasks; regions asked for meanwhile coalesce.

    It holds no database connection. Whatever it has not sent when the process stops is found by
    the sweeper, since the outbox rows are the guarantee, not the tasks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: set[int] = set()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def submit(self, region_ids: list[int]) -> None:
        with self._lock:
            self._pending.update(region_ids)
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()  # a forked child starts its own thread
                self._wake = threading.Event()
                self._thread = threading.Thread(target=self._loop, name="publication-enqueuer", daemon=True)
                self._thread.start()
            self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                self._wake.clear()
                batch, self._pending = sorted(self._pending), set()
            if batch:
                _send_tasks(batch)


_enqueuer = _Enqueuer()
