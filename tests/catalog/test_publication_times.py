"""Publication times (6.2 b, 6.3 c) and windows (6.2 c, 6.3 d) in what the regions receive, and the backfill."""

from __future__ import annotations

import importlib
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone

from catalog import services
from catalog.models import CatalogEntry, CatalogStatus, Publication
from scenarios.models import ScenarioList, ScenarioStatus
from scenarios.usage import check_usage
from ysj_protocol import status
from ysj_protocol.envelope import EnvelopeError

from ..factories import ApplicationFactory, all_regions, no_delivery
from ..scenarios.factories import confirm, fast_passwords, four_admins, propose
from .factories import CatalogEntryFactory, PublishedEntryFactory, gb_type_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _regions(settings):
    fast_passwords(settings)
    settings.TIME_ZONE = "UTC"  # the payloads are Shanghai wall time whatever the server's zone
    all_regions()


def wall(moment) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def payloads(code: str) -> list[dict]:
    return [p.payload for p in Publication.objects.filter(code=code).order_by("published_at", "id")]


def test_catalog_publications_carry_the_first_publication_and_the_share_window():
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    end = start + timedelta(days=365)
    entry = CatalogEntryFactory(share_start=start, share_end=end)
    with no_delivery():
        services.publish_entry(entry, actor=None)
        entry.refresh_from_db()
        first = entry.first_published_at
        entry.type_name = "更名后的证照"
        services.save_entry(entry, actor=None, reason="更名")
        services.withdraw_entry(entry, actor=None, reason="暂停")
        services.publish_entry(entry, actor=None, reason="恢复")
    entry.refresh_from_db()
    assert entry.first_published_at == first
    published, updated, withdrawn, again = payloads(entry.type_code)
    for payload in (published, updated, withdrawn, again):
        assert payload["firstPublishTime"] == wall(first)
        assert (payload["shareStart"], payload["shareEnd"]) == (wall(start), wall(end))
    assert published["updateTime"] == wall(first)
    assert again["updateTime"] == wall(entry.updated_at) and entry.updated_at > first


def test_scenario_publications_carry_the_first_publication_and_the_validity_window():
    four_admins()
    entry = PublishedEntryFactory(type_code=gb_type_code(11))
    start = timezone.now().replace(microsecond=0) - timedelta(days=1)
    scenario = propose("T-TIMES", [entry], valid_start=start)
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    (payload,) = payloads("T-TIMES")
    assert payload["firstPublishTime"] == wall(scenario.first_published_at) != ""
    assert payload["updateTime"] == wall(scenario.updated_at)
    assert (payload["validStart"], payload["validEnd"]) == (wall(start), "")


def test_an_entry_whose_window_opens_later_is_listed_but_not_usable_before_it():
    four_admins()
    now = timezone.now()
    current = PublishedEntryFactory(
        type_name="居民身份证", type_code=gb_type_code(21), share_start=now - timedelta(days=1)
    )
    later = PublishedEntryFactory(
        type_name="未来证照", type_code=gb_type_code(22), share_start=now + timedelta(days=2)
    )
    ended = PublishedEntryFactory(
        type_name="已结束证照", type_code=gb_type_code(23),
        share_start=now - timedelta(days=5), share_end=now - timedelta(days=1),
    )
    CatalogEntryFactory(type_name="草稿证照", type_code=gb_type_code(24))
    assert list(CatalogEntry.objects.listed_at(now)) == [current, later]
    assert list(CatalogEntry.objects.shared_at(now)) == [current]
    assert ended.status == CatalogStatus.PUBLISHED

    scenario = propose("T-LATER", [current, later])
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    app = ApplicationFactory(app_id="app-later")
    scenario.applications.add(app)
    with pytest.raises(EnvelopeError) as refused:
        check_usage(app, "T-LATER", ["未来证照"])
    assert refused.value.status.code == status.CATALOG_NOT_SHARED.code == "3005"
    assert check_usage(app, "T-LATER").allowed_type_codes == [current.type_code]
    assert check_usage(app, "T-LATER", at=now + timedelta(days=3)).allowed_type_codes == [
        current.type_code, later.type_code,
    ]


def _backfill(app_label: str) -> None:
    importlib.import_module(f"{app_label}.migrations.0004_backfill_first_published_at").backfill(apps, None)


def test_backfill_takes_the_first_publication_then_the_update_time():
    published = CatalogEntryFactory()
    with no_delivery():
        services.publish_entry(published, actor=None)
    published.refresh_from_db()
    first_publication = Publication.objects.get(code=published.type_code).published_at
    never_sent = CatalogEntryFactory()
    draft = CatalogEntryFactory()
    CatalogEntry.objects.filter(pk=never_sent.pk).update(status=CatalogStatus.WITHDRAWN)
    CatalogEntry.objects.filter(pk__in=[published.pk, never_sent.pk, draft.pk]).update(first_published_at=None)
    _backfill("catalog")
    published.refresh_from_db()
    never_sent.refresh_from_db()
    draft.refresh_from_db()
    assert published.first_published_at == first_publication
    assert never_sent.first_published_at == never_sent.updated_at
    assert draft.first_published_at is None


def test_scenario_backfill_takes_the_first_publication():
    four_admins()
    scenario = propose("T-FILL", [PublishedEntryFactory(type_code=gb_type_code(31))])
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    first_publication = Publication.objects.get(code="T-FILL").published_at
    draft = propose("T-DRAFT", [PublishedEntryFactory(type_code=gb_type_code(32))])
    ScenarioList.objects.update(first_published_at=None)
    _backfill("scenarios")
    scenario.refresh_from_db()
    draft.refresh_from_db()
    assert scenario.status == ScenarioStatus.PUBLISHED and scenario.first_published_at == first_publication
    assert draft.first_published_at is None
