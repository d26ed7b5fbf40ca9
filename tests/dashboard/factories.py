"""Rows the home page reads: call records, deliveries, users without a region, lists at a given age."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog.models import DeliveryState, Publication, PublicationChannel, PublicationDelivery
from scenarios.models import ScenarioEvent, ScenarioList
from trust.models import EnvelopeCall, Region
from ysj_protocol.records import MADE, SERVED

from ..catalog.factories import PublishedEntryFactory
from ..scenarios.factories import PASSWORD, propose


def superuser(username: str = "root"):
    return get_user_model().objects.create_superuser(username=username, password=PASSWORD)


def call(
    *,
    to: str | None = None,
    served_for: str | None = None,
    at: datetime | None = None,
    latency_ms: float = 20.0,
    status_code: str = "0",
    error: str = "",
    relaying_region: str = "",
) -> EnvelopeCall:
    """One call record: made to account ``to`` (direction out) or served to ``served_for`` (in), at ``at``."""
    row = EnvelopeCall.objects.create(
        direction=MADE if to is not None else SERVED,
        account_id=to if to is not None else served_for,
        endpoint="/api/v1/certificates/search",
        http_status=200 if not error else 0,
        status_code="" if error else status_code,
        latency_ms=latency_ms,
        error=error,
        relaying_region=relaying_region,
    )
    if at is not None:  # created_at is stamped on insert: move it to the wanted time
        EnvelopeCall.objects.filter(pk=row.pk).update(created_at=at)
        row.created_at = at
    return row


def delivery(
    region: Region,
    *,
    state: str = DeliveryState.PENDING,
    age: timedelta = timedelta(0),
    error: str = "",
    code: str = "X",
) -> PublicationDelivery:
    """An outbox row for ``region`` created ``age`` ago, numbered by the region's channel as the outbox does."""
    publication = Publication.objects.create(
        kind="catalog", action="publish", code=code, object_id=1, payload={}
    )
    channel, _ = PublicationChannel.objects.get_or_create(region=region)  # the outbox's own sequence
    channel.last_sequence += 1
    channel.save(update_fields=["last_sequence"])
    row = PublicationDelivery.objects.create(
        publication=publication,
        region=region,
        sequence=channel.last_sequence,
        state=state,
        last_error=error,
        last_attempt_at=timezone.now() if error else None,
        delivered_at=timezone.now() if state == DeliveryState.DELIVERED else None,
    )
    PublicationDelivery.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    row.refresh_from_db()
    return row


def proposed(code: str, *, by: str = "SH", age: timedelta = timedelta(0)) -> ScenarioList:
    """A list registered by ``by``; its round opened ``age`` ago."""
    scenario = propose(code, [PublishedEntryFactory()], by=by)
    ScenarioEvent.objects.filter(scenario_list=scenario).update(at=timezone.now() - age)
    return scenario
