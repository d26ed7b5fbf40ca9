"""Receiving publications (idempotent, in sequence order per object) and handing them to subscribers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ysj_protocol import profile
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError

from ..keys import hub_public_key
from . import published
from .models import Forwarding, Publication, PublicationAction, PublishedEntry, Subscriber


@dataclass(slots=True)
class Receipt:
    publication: Publication
    duplicate: bool
    applied: bool

    def answer(self) -> dict[str, Any]:
        return profile.publication_receipt(duplicate=self.duplicate, applied=self.applied)


def _check_payload(message: dict[str, Any]) -> None:
    """The payload names the object it is about: 12.1.3 entries by type code, 12.1.4 lists by item code."""
    payload = message["payload"]
    key = profile.PAYLOAD_CODE_FIELD[message["kind"]]
    if key in payload and str(payload[key]) != message["code"]:
        raise EnvelopeError(st.INVALID_PARAMETERS, f"payload.{key} 与 code 不一致")


def receive(message: dict[str, Any], *, raw: dict[str, Any] | None = None) -> Receipt:
    """Store a publication once and apply it unless a newer one for the same object is already in force.

    ``message`` has been validated for shape; ``raw`` is what was sent, over which the hub's
    signature is checked. A known publicationId changes nothing and is answered as a duplicate.
    """
    known = Publication.objects.filter(publication_id=message["publicationId"]).first()
    if known is not None:
        return _duplicate(known)
    if not profile.verify_publication(raw if raw is not None else message, message["signature"], hub_public_key()):
        raise EnvelopeError(st.INVALID_PARAMETERS, "signature 验证失败：发布不是由融合共享服务系统签发的")
    _check_payload(message)
    try:
        with transaction.atomic():
            return _store_and_apply(message)
    except IntegrityError as exc:
        # Two deliveries of the same publication raced; the other one stored it.
        known = Publication.objects.filter(publication_id=message["publicationId"]).first()
        if known is not None:
            return _duplicate(known)
        raise EnvelopeError(st.INVALID_PARAMETERS, "sequence 已被另一条发布使用") from exc


def _duplicate(known: Publication) -> Receipt:
    """A publication already stored. When it was applied, the cache marker is moved again: the
    hub repeats a publication whose answer it did not get, and the process that stored it may
    have stopped between its commit and moving the marker (published.py)."""
    if known.applied:
        published.changed()
    return Receipt(known, duplicate=True, applied=known.applied)


def _store_and_apply(message: dict[str, Any]) -> Receipt:
    # Checked again under the write lock: a concurrent delivery of the same publication may have
    # stored it since the first look.
    known = Publication.objects.filter(publication_id=message["publicationId"]).first()
    if known is not None:
        return _duplicate(known)
    if Publication.objects.filter(sequence=message["sequence"]).exists():
        raise EnvelopeError(st.INVALID_PARAMETERS, "sequence 已被另一条发布使用")
    entry = (
        PublishedEntry.objects.select_for_update().filter(kind=message["kind"], code=message["code"]).first()
    )
    applies = entry is None or entry.sequence < message["sequence"]
    publication = Publication.objects.create(
        publication_id=message["publicationId"],
        kind=message["kind"],
        code=message["code"],
        signature=message["signature"].upper(),
        applied=applies,
        **_in_force(message),
    )
    if applies:
        withdrawn = message["action"] == PublicationAction.WITHDRAW
        if entry is None:
            PublishedEntry.objects.create(
                kind=message["kind"],
                code=message["code"],
                first_published_at=message["publishedAt"],
                withdrawn=withdrawn,
                **_in_force(message),
            )
        else:
            for name, value in _in_force(message).items():
                setattr(entry, name, value)
            entry.withdrawn = withdrawn
            entry.save()
        schedule_forwarding(publication)
    return Receipt(publication, duplicate=False, applied=applies)


def _in_force(message: dict[str, Any]) -> dict[str, Any]:
    """The columns a stored publication and the entry it puts in force both take from the message,
    so the record and the entry in force cannot come to disagree on them."""
    return {
        "sequence": message["sequence"],
        "action": message["action"],
        "payload": message["payload"],
        "published_at": message["publishedAt"],
    }


def schedule_forwarding(publication: Publication) -> list[Forwarding]:
    """One delivery per active subscriber, attempted right after commit and then by the sweeper."""
    now = timezone.now()
    forwardings = [
        Forwarding(publication=publication, subscriber=subscriber, next_attempt_at=now)
        for subscriber in Subscriber.objects.filter(is_active=True)
    ]
    Forwarding.objects.bulk_create(forwardings, ignore_conflicts=True)
    if forwardings:
        from .forwarding import deliver_soon

        transaction.on_commit(lambda: deliver_soon(publication.pk))
    return forwardings


def backoff(attempts: int) -> dt.timedelta:
    """2, 4, 8 ... seconds, at most five minutes, before the next attempt."""
    return dt.timedelta(seconds=min(2**attempts, 300))
