"""A failed publication delivery tells the catalog administrators once per failure streak (real nodes)."""

from __future__ import annotations

import pytest
from django.core import mail

from catalog import services as catalog_services
from catalog.models import DeliveryState, PublicationDelivery
from catalog.tasks import sweep_publications
from notifications.models import Notification, NotificationKind

from ..catalog.factories import CatalogEntryFactory, gb_type_code
from ..publication.helpers import continue_sequences
from ..scenarios.factories import region_admin
from .helpers import catalog_editor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quick_retries(settings) -> None:
    settings.YSJ_PUBLICATION_RETRY_BASE_SECONDS = 0.0
    settings.YSJ_PUBLICATION_RETRY_MAX_SECONDS = 0.0


def test_a_region_down_notifies_once_per_streak(live_regions, regional_nodes, quick_retries):
    continue_sequences(live_regions, regional_nodes)
    editor = catalog_editor(email="catalog@example.gov.cn")
    sh_admin = region_admin("SH")
    entry = CatalogEntryFactory(type_name="投递失败通知测试证照", type_code=gb_type_code(881))
    with regional_nodes.down("SH"):
        catalog_services.publish_entry(entry, actor=editor, reason="首次发布")
        sweep_publications()
        sweep_publications()  # retries of the same failing delivery
        head = PublicationDelivery.objects.get(region=live_regions["SH"], publication__code=entry.type_code)
        assert head.state == DeliveryState.PENDING and head.attempts >= 3
        notices = list(Notification.objects.filter(kind=NotificationKind.DELIVERY_FAILED))
        assert [n.recipient_id for n in notices] == [editor.pk]  # once, to the catalog administrators only
        assert notices[0].delivery_id == head.pk
        assert notices[0].title.endswith("未能送达上海市")
        assert "第 1 次投递失败" in notices[0].text and "不再重复通知" in notices[0].text
        assert [m.to for m in mail.outbox] == [["catalog@example.gov.cn"]]
    sweep_publications()
    head.refresh_from_db()
    assert head.state == DeliveryState.DELIVERED
    assert Notification.objects.filter(kind=NotificationKind.DELIVERY_FAILED).count() == 1
    assert not Notification.objects.filter(recipient=sh_admin).exists()
    # A later failure is a new streak: told again.
    entry.refresh_from_db()
    entry.type_name = "投递失败通知测试证照（更名）"
    with regional_nodes.down("SH"):
        catalog_services.save_entry(entry, actor=editor, reason="更名")
        sweep_publications()
    assert Notification.objects.filter(kind=NotificationKind.DELIVERY_FAILED).count() == 2
    sweep_publications()


def test_without_catalog_administrators_the_superusers_are_told(live_regions, regional_nodes, quick_retries,
                                                               django_user_model):
    continue_sequences(live_regions, regional_nodes)
    root = django_user_model.objects.create_superuser("root", password="Root-pass-12345")
    entry = CatalogEntryFactory(type_name="投递失败通知测试证照二", type_code=gb_type_code(882))
    with regional_nodes.down("JS"):
        catalog_services.publish_entry(entry, actor=root, reason="首次发布")
        sweep_publications()
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [root.pk]
    sweep_publications()
