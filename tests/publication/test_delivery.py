"""The publication outbox against four real regional nodes over HTTP (6.1 a, docs/region-protocol.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog import delivery
from catalog import services as catalog_services
from catalog.models import DeliveryState, Publication, PublicationChannel, PublicationDelivery
from catalog.tasks import sweep_publications
from trust.models import EnvelopeCall

from ..catalog.factories import CatalogEntryFactory, gb_type_code
from .helpers import continue_sequences, node_publications

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base(live_regions, regional_nodes) -> dict[str, int]:
    return continue_sequences(live_regions, regional_nodes)


@pytest.fixture
def editor():
    return get_user_model().objects.create_user("editor", password="Editor-pass-1", is_staff=True)


def publication_ids(code: str) -> list[str]:
    return [p.hex for p in Publication.objects.filter(code=code).order_by("published_at").values_list("id", flat=True)]


def test_publication_reaches_all_four_nodes_signed_and_recorded(live_regions, regional_nodes, base, editor):
    # A type name none of the nodes keeps: the session's nodes map their certificates to the shared
    # codes by type name, and this entry stays published at them after the test.
    entry = CatalogEntryFactory(type_name="投递测试证照", type_code=gb_type_code(501))
    catalog_services.publish_entry(entry, actor=editor, reason="首次发布")
    deliveries = PublicationDelivery.objects.filter(publication__code=gb_type_code(501))
    assert deliveries.count() == 4
    assert set(deliveries.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    (publication_id,) = publication_ids(gb_type_code(501))
    for node in regional_nodes:
        assert node_publications(node, base[node.code]) == [(publication_id, base[node.code] + 1, "catalog", "publish")]
    assert EnvelopeCall.objects.filter(direction="out", endpoint="/api/v1/publications", status_code="0").count() == 4


def test_region_down_for_a_while_gets_everything_in_order_once(live_regions, regional_nodes, base, editor,
                                                               quick_retries):
    first, second = CatalogEntryFactory(type_code=gb_type_code(601)), CatalogEntryFactory(type_code=gb_type_code(602))
    with regional_nodes.down("SH"):
        catalog_services.publish_entry(first, actor=editor)
        catalog_services.publish_entry(second, actor=editor)
        first.refresh_from_db()
        first.type_name = "改名后的证照"
        catalog_services.save_entry(first, actor=editor, reason="更名")
        sweep_publications()  # retries while the node is still down: nothing is lost
        sh = PublicationDelivery.objects.filter(region=live_regions["SH"]).order_by("sequence")
        assert [d.state for d in sh] == [DeliveryState.PENDING] * 3
        head = sh.first()
        assert head.attempts >= 2 and head.last_error and head.delivered_at is None
        assert sh.last().attempts == 0  # later deliveries wait behind the head: order is kept
        for code in ("JS", "ZJ", "AH"):
            assert len(node_publications(regional_nodes[code], base[code])) == 3
    sweep_publications()
    sh = list(PublicationDelivery.objects.filter(region=live_regions["SH"]).order_by("sequence"))
    assert [d.state for d in sh] == [DeliveryState.DELIVERED] * 3
    stored = node_publications(regional_nodes["SH"], base["SH"])
    assert [row[1] - base["SH"] for row in stored] == [1, 2, 3]
    assert [row[0] for row in stored] == [d.publication_id.hex for d in sh]
    assert [row[3] for row in stored] == ["publish", "publish", "update"]


def test_resending_after_a_lost_acknowledgement_is_not_duplicated(live_regions, regional_nodes, base, editor):
    entry = CatalogEntryFactory(type_code=gb_type_code(701))
    catalog_services.publish_entry(entry, actor=editor)
    # A worker killed after the node stored the publication but before the hub marked it delivered.
    row = PublicationDelivery.objects.get(region=live_regions["JS"])
    PublicationDelivery.objects.filter(pk=row.pk).update(state=DeliveryState.PENDING, delivered_at=None)
    PublicationChannel.objects.filter(region=live_regions["JS"]).update(
        lease_owner="killed-worker", lease_until=timezone.now() - timedelta(seconds=1)
    )
    sweep_publications()
    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED and row.duplicate is True
    assert len(node_publications(regional_nodes["JS"], base["JS"])) == 1


def test_a_live_lease_keeps_a_second_worker_out(live_regions, editor):
    region = live_regions["ZJ"]
    PublicationChannel.objects.update_or_create(
        region=region, defaults={"lease_owner": "other-worker", "lease_until": timezone.now() + timedelta(minutes=1)}
    )
    report = delivery.deliver_region(region.pk)
    assert report.claimed is False


def test_a_refusal_is_permanent_shown_and_can_be_retried(live_regions, regional_nodes, base, editor):
    region = live_regions["AH"]
    region.hub_account_id = "not-the-hub"  # the node does not know this account: 1003 / HTTP 401
    region.save()
    entry = CatalogEntryFactory(type_code=gb_type_code(801))
    catalog_services.publish_entry(entry, actor=editor)
    failed = PublicationDelivery.objects.get(region=region)
    assert failed.state == DeliveryState.FAILED and failed.attempts == 1
    assert failed.last_status.startswith("1003/401") and failed.last_error
    sweep_publications()  # not retried forever
    failed.refresh_from_db()
    assert failed.attempts == 1
    region.hub_account_id = ""
    region.save()
    region_ids = delivery.retry_now([failed])
    assert region_ids == [region.pk]
    delivery.deliver_region(region.pk)
    failed.refresh_from_db()
    assert failed.state == DeliveryState.DELIVERED
    assert len(node_publications(regional_nodes["AH"], base["AH"])) == 1


def test_backoff_grows_exponentially_and_is_capped(settings):
    settings.YSJ_PUBLICATION_RETRY_BASE_SECONDS = 5.0
    settings.YSJ_PUBLICATION_RETRY_MAX_SECONDS = 600.0
    delays = [delivery.backoff_seconds(n) for n in (1, 2, 3, 4, 10, 30)]
    assert 5 <= delays[0] <= 10 and 10 <= delays[1] <= 15 and 20 <= delays[2] <= 25 and 40 <= delays[3] <= 45
    assert 600 <= delays[4] <= 605 and 600 <= delays[5] <= 605
