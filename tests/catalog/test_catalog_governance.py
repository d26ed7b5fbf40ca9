"""Catalog entries: GB 32100 codes, publish / update / withdraw with outbox rows and history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog import services
from catalog.errors import GovernanceError
from catalog.models import CatalogEntry, CatalogStatus, Publication, PublicationChannel, PublicationDelivery

from ..factories import all_regions
from .factories import CatalogEntryFactory, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return get_user_model().objects.create_user("editor", password="Editor-pass-1", is_staff=True)


def test_authority_code_is_checked_with_its_check_character():
    entry = CatalogEntryFactory.build(authority_code="91310000MA1FL0XXX0")
    with pytest.raises(ValidationError) as info:
        entry.full_clean()
    assert "统一社会信用代码无效" in str(info.value)
    CatalogEntryFactory.build(authority_code=make_uscc(7)).full_clean()


def test_share_end_must_follow_start():
    now = timezone.now()
    entry = CatalogEntryFactory.build(share_start=now, share_end=now - timedelta(days=1))
    with pytest.raises(ValidationError, match="共享结束时间应晚于共享开始时间"):
        entry.full_clean()


def test_publish_writes_one_delivery_per_region_with_increasing_sequences(editor):
    all_regions()
    first, second = CatalogEntryFactory(), CatalogEntryFactory()
    services.publish_entry(first, actor=editor, reason="首次发布")
    services.publish_entry(second, actor=editor)
    first.refresh_from_db()
    assert first.status == CatalogStatus.PUBLISHED and first.first_published_at is not None
    assert PublicationDelivery.objects.count() == 8
    for channel in PublicationChannel.objects.all():
        sequences = list(
            PublicationDelivery.objects.filter(region=channel.region).order_by("sequence").values_list("sequence", flat=True)
        )
        assert sequences == [1, 2] and channel.last_sequence == 2
    payload = Publication.objects.get(code=first.type_code).payload
    assert payload["certificateTypeCode"] == first.type_code and payload["shareEnd"] == ""
    record = first.history.first()
    assert (record.history_user, record.history_change_reason) == (editor, "首次发布")


def test_update_of_published_entry_is_published_and_history_shows_the_difference(editor):
    all_regions()
    entry = CatalogEntryFactory(type_name="机动车驾驶证")
    services.publish_entry(entry, actor=editor)
    entry.refresh_from_db()
    before = entry.updated_at
    entry.authority_name = "公安部交通管理局"
    services.save_entry(entry, actor=editor, reason="主管部门更名")
    entry.refresh_from_db()
    assert entry.updated_at > before
    assert Publication.objects.filter(code=entry.type_code).values_list("action", flat=True).first() == "update"
    new, old = entry.history.all()[:2]
    changes = {change.field: (change.old, change.new) for change in new.diff_against(old).changes}
    assert changes["authority_name"] == ("测试主管部门", "公安部交通管理局")


def test_type_code_is_fixed_after_publication(editor):
    all_regions()
    entry = CatalogEntryFactory()
    services.publish_entry(entry, actor=editor)
    entry.refresh_from_db()
    entry.type_code = "CHANGED"
    with pytest.raises(GovernanceError, match="发布后不可修改"):
        services.save_entry(entry, actor=editor)
    assert CatalogEntry.objects.filter(type_code="CHANGED").count() == 0


def test_draft_edits_are_not_published(editor):
    all_regions()
    entry = CatalogEntryFactory()
    entry.type_name = "新名称"
    services.save_entry(entry, actor=editor, reason="改名")
    assert Publication.objects.count() == 0


def test_withdraw_needs_a_reason_and_a_published_entry(editor):
    all_regions()
    entry = CatalogEntryFactory()
    with pytest.raises(GovernanceError, match="未处于发布状态"):
        services.withdraw_entry(entry, actor=editor, reason="x")
    services.publish_entry(entry, actor=editor)
    with pytest.raises(GovernanceError, match="须填写原因"):
        services.withdraw_entry(entry, actor=editor, reason=" ")
    services.withdraw_entry(entry, actor=editor, reason="证照停止共享")
    entry.refresh_from_db()
    assert entry.status == CatalogStatus.WITHDRAWN
    assert Publication.objects.filter(action="withdraw").count() == 1
    services.publish_entry(entry, actor=editor, reason="恢复共享")
    with pytest.raises(GovernanceError, match="已处于发布状态"):
        services.publish_entry(entry, actor=editor)


def test_shared_at_respects_status_and_window():
    now = timezone.now()
    live = CatalogEntryFactory(status=CatalogStatus.PUBLISHED, share_start=now - timedelta(days=1))
    CatalogEntryFactory(status=CatalogStatus.PUBLISHED, share_start=now + timedelta(days=1))
    CatalogEntryFactory(status=CatalogStatus.PUBLISHED, share_start=now - timedelta(days=9), share_end=now - timedelta(days=1))
    CatalogEntryFactory(status=CatalogStatus.DRAFT, share_start=now - timedelta(days=1))
    assert list(CatalogEntry.objects.shared_at(now)) == [live]
