"""Publication delivered by a real Celery worker on the broker (Redis in CI)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from catalog import services as catalog_services
from catalog.models import DeliveryState, PublicationDelivery
from catalog.tasks import sweep_publications

from ..catalog.factories import CatalogEntryFactory, gb_type_code
from .helpers import continue_sequences, node_publications, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def test_worker_delivers_after_commit_and_the_sweeper_catches_up(
    celery_worker_queue, live_regions, regional_nodes, quick_retries
):
    base = continue_sequences(live_regions, regional_nodes)
    editor = get_user_model().objects.create_user("editor", password="Editor-pass-1", is_staff=True)
    entry = CatalogEntryFactory(type_name="食品经营许可证", type_code=gb_type_code(901))
    with regional_nodes.down("ZJ"):
        catalog_services.publish_entry(entry, actor=editor)  # queued on commit, run by the worker
        assert wait_for(
            lambda: PublicationDelivery.objects.filter(state=DeliveryState.DELIVERED).count() == 3
            and PublicationDelivery.objects.get(region=live_regions["ZJ"]).attempts >= 1
        )
        assert PublicationDelivery.objects.get(region=live_regions["ZJ"]).state == DeliveryState.PENDING
    sweep_publications.delay()  # what beat does periodically
    assert wait_for(lambda: PublicationDelivery.objects.filter(state=DeliveryState.DELIVERED).count() == 4)
    for node in regional_nodes:
        assert [row[3] for row in node_publications(node, base[node.code])] == ["publish"]
