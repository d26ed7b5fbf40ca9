"""The delivery lease is renewed while a call outlasts it, and a lost lease stops the run."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from catalog import delivery
from catalog import services as catalog_services
from catalog.models import DeliveryState, PublicationChannel, PublicationDelivery

from ..catalog.factories import CatalogEntryFactory
from ..factories import no_delivery
from ..publication.helpers import continue_sequences, node_publications

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(region_id: int, into: list) -> threading.Thread:  # noqa: ANN001
    def run() -> None:
        try:
            into.append(delivery.deliver_region(region_id))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_call_longer_than_the_lease_keeps_one_sender(postgresql, live_regions, regional_nodes, settings,
                                                        django_user_model):
    settings.YSJ_PUBLICATION_LEASE_SECONDS = 1.5
    base = continue_sequences(live_regions, regional_nodes)
    region = live_regions["JS"]
    region.timeout_seconds = 20
    region.save()
    editor = django_user_model.objects.create_user("editor", password="Editor-pass-1", is_staff=True)
    with no_delivery():  # the rows only: the delivery below is run by hand, in a thread
        catalog_services.publish_entry(CatalogEntryFactory(), actor=editor)
    regional_nodes["JS"].set_delay(4000)  # one call lasts more than twice the lease
    reports: list = []
    first = in_thread(region.pk, reports)
    try:
        time.sleep(3.0)  # past the lease as first claimed: only the heartbeat keeps it
        second = delivery.deliver_region(region.pk)
        assert second.claimed is False
        assert PublicationChannel.objects.get(region=region).lease_owner
    finally:
        first.join(timeout=30)
    (report,) = reports
    assert report.claimed and len(report.delivered) == 1
    assert PublicationChannel.objects.get(region=region).lease_owner == ""  # released at the end
    assert len(node_publications(regional_nodes["JS"], base["JS"])) == 1


def test_a_run_that_lost_its_lease_sends_nothing_more(postgresql, live_regions, regional_nodes, settings,
                                                      django_user_model):
    settings.YSJ_PUBLICATION_LEASE_SECONDS = 1.5
    base = continue_sequences(live_regions, regional_nodes)
    region = live_regions["ZJ"]
    region.timeout_seconds = 20
    region.save()
    editor = django_user_model.objects.create_user("editor", password="Editor-pass-1", is_staff=True)
    with no_delivery():
        for _ in range(2):
            catalog_services.publish_entry(CatalogEntryFactory(), actor=editor)
    regional_nodes["ZJ"].set_delay(3000)
    reports: list = []
    first = in_thread(region.pk, reports)
    try:
        time.sleep(1.0)  # the first call is in flight
        # Another worker took the region over (as after a pause longer than the lease).
        PublicationChannel.objects.filter(region=region).update(lease_owner="another-worker")
    finally:
        first.join(timeout=30)
    (report,) = reports
    assert len(report.delivered) == 1  # the call in flight completes; the second is not sent
    assert PublicationChannel.objects.get(region=region).lease_owner == "another-worker"  # not released by it
    assert len(node_publications(regional_nodes["ZJ"], base["ZJ"])) == 1
    assert PublicationDelivery.objects.filter(region=region, state=DeliveryState.PENDING).count() == 1
