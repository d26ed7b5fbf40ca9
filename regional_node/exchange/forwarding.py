"""Forwarding publications to the region's application systems (6.1 b), with retries.

Each (publication, subscriber) pair is a ``Forwarding`` row. It is attempted right after the
publication is stored and then by a sweeper thread running in every server process; a row is
claimed with a conditional UPDATE, so several processes never deliver the same row at once. A
delivery is a section-12 envelope signed by nobody but encrypted for the subscriber, carrying the
publication exactly as the hub signed it, so the subscriber can check the hub's signature itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import httpx
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Q
from django.utils import timezone

from ysj_protocol.client import ClientError, EnvelopeClient, Peer, StatusError
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError

from ..envelope import record_call
from ..keys import node_private_key
from .models import Forwarding, ForwardingState
from .services import backoff

logger = logging.getLogger(__name__)
CLAIM_SECONDS = 60
#: Spent and expired download tickets are deleted a day after expiry, checked this often.
PURGE_EVERY_SECONDS = 600


def _claim(forwarding_id: int) -> bool:
    now = timezone.now()
    return (
        Forwarding.objects.filter(pk=forwarding_id, state=ForwardingState.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS))
        == 1
    )


def deliver(forwarding_id: int) -> str | None:
    """Attempt one delivery if it is due and nobody else holds it; the resulting state, or None."""
    if not _claim(forwarding_id):
        return None
    forwarding = Forwarding.objects.select_related("publication", "subscriber").get(pk=forwarding_id)
    subscriber = forwarding.subscriber
    forwarding.attempts += 1
    error = ""
    permanent = False
    try:
        url = httpx.URL(subscriber.url)
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        path = url.raw_path.decode("ascii") or "/"
        peer = Peer(
            base_url=origin, public_key=sm2.PublicKey.from_hex(subscriber.public_key), name=subscriber.name
        )
        message = {**forwarding.publication.as_message(), "forwardedBy": settings.NODE_REGION}
        with EnvelopeClient(
            peer,
            account_id=settings.NODE_ACCOUNT_ID,
            private_key=node_private_key(),
            timeout=settings.NODE_FORWARD_TIMEOUT,
            recorder=record_call,
        ) as client:
            client.call(path, message)
    except StatusError as exc:
        error = f"{exc.status} {exc.message}"
        # The subscriber refused the content itself (4xx): sending it again changes nothing.
        permanent = 400 <= exc.http_status < 500
    except ClientError as exc:
        error = str(exc)
    except CryptoError as exc:
        error = f"订阅应用公钥无效：{exc}"
        permanent = True
    now = timezone.now()
    if not error:
        forwarding.state = ForwardingState.DELIVERED
        forwarding.delivered_at = now
        forwarding.last_error = ""
    elif permanent or forwarding.attempts >= settings.NODE_FORWARD_MAX_ATTEMPTS:
        forwarding.state = ForwardingState.FAILED
        forwarding.last_error = error[:255]
    else:
        forwarding.next_attempt_at = now + backoff(forwarding.attempts)
        forwarding.last_error = error[:255]
    forwarding.claimed_until = None
    forwarding.save(
        update_fields=["state", "attempts", "next_attempt_at", "claimed_until", "last_error", "delivered_at"]
    )
    if error:
        logger.warning(
            "forwarding %s to %s failed (attempt %s): %s",
            forwarding.publication,
            subscriber,
            forwarding.attempts,
            error,
        )
    return forwarding.state


def due_ids(limit: int = 50) -> list[int]:
    now = timezone.now()
    return list(
        Forwarding.objects.filter(state=ForwardingState.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def sweep() -> int:
    """Deliver every due forwarding once; the number attempted."""
    attempted = 0
    for forwarding_id in due_ids():
        if deliver(forwarding_id) is not None:
            attempted += 1
    return attempted


def _deliver_publication(publication_id: int) -> None:
    try:
        for forwarding_id in Forwarding.objects.filter(publication_id=publication_id).values_list(
            "id", flat=True
        ):
            deliver(forwarding_id)
    except Exception:
        logger.exception("immediate forwarding of publication %s failed; the sweeper retries", publication_id)
    finally:
        # This thread ends here: close its connection now rather than leave it to the garbage
        # collector (connections persist for NODE_DB_CONN_MAX_AGE, close_old_connections keeps them).
        connections.close_all()


def deliver_soon(publication_id: int) -> None:
    """Attempt delivery in the background so the hub's call is answered without waiting for subscribers."""
    threading.Thread(
        target=_deliver_publication, args=(publication_id,), name="forward-now", daemon=True
    ).start()


class Sweeper(threading.Thread):
    """Retries due forwardings every ``NODE_FORWARD_SWEEP_SECONDS`` until stopped; purges old tickets."""

    def __init__(self, interval: float | None = None) -> None:
        super().__init__(name="forward-sweeper", daemon=True)
        self.interval = interval if interval is not None else settings.NODE_FORWARD_SWEEP_SECONDS
        self.stopped = threading.Event()

    def run(self) -> None:
        from ..certificates.services import purge_tickets

        last_purge = 0.0
        while not self.stopped.wait(self.interval):
            try:
                sweep()
                if time.monotonic() - last_purge > PURGE_EVERY_SECONDS:
                    last_purge = time.monotonic()
                    purge_tickets()
            except Exception:
                logger.exception("forwarding sweep failed")
            finally:
                close_old_connections()
        connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
