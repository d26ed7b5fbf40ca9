"""12.1.3 and 12.1.4 over real HTTP with real envelopes."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import CatalogEntry
from scenarios.models import ScenarioList
from trust import services as trust_services
from ysj_protocol.client import EnvelopeClient, Peer

from ..catalog.factories import CatalogEntryFactory, PublishedEntryFactory, gb_type_code
from ..factories import ApplicationFactory, RegionFactory, no_delivery
from ..keys import hub_key, key_for
from .factories import confirm, four_admins, propose

pytestmark = pytest.mark.django_db(transaction=True)

ID_CARD, LICENCE, FUTURE, DRAFT, ENDED = (gb_type_code(n) for n in (111, 201, 999, 998, 997))


def client_for(live_server, account: str, key_name: str | None = None) -> EnvelopeClient:
    return EnvelopeClient(
        Peer(live_server.url, hub_key().public_key), account_id=account, private_key=key_for(key_name or account)
    )


@pytest.fixture
def governance():
    four_admins()
    now = timezone.now()
    id_card = PublishedEntryFactory(type_name="居民身份证", type_code=ID_CARD, authority_name="公安部")
    PublishedEntryFactory(
        type_name="未来证照", type_code=FUTURE, share_start=now + timedelta(days=5), share_end=now + timedelta(days=400)
    )
    CatalogEntryFactory(type_name="草稿证照", type_code=DRAFT)
    PublishedEntryFactory(
        type_name="已结束证照", type_code=ENDED, share_start=now - timedelta(days=10), share_end=now - timedelta(days=1)
    )
    licence = PublishedEntryFactory(type_name="营业执照", type_code=LICENCE)
    app = ApplicationFactory(app_id="app-query", region=RegionFactory(code="SH"))
    other = ApplicationFactory(app_id="app-other", region=RegionFactory(code="JS"))
    mine = propose("Q-001", [id_card, licence], name="企业开办")
    confirm(mine, "SH", "JS", "ZJ", "AH")
    mine.applications.add(app)
    theirs = propose("Q-002", [licence], name="他人清单")
    confirm(theirs, "SH", "JS", "ZJ", "AH")
    theirs.applications.add(other)
    pending = propose("Q-003", [licence], name="待确认清单")
    pending.applications.add(app)
    return app


def wall(moment) -> str:
    """The profile's form, computed independently of the code under test."""
    return timezone.localtime(moment, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def test_catalog_query_lists_published_entries_whose_window_has_not_ended(live_server, governance):
    token = trust_services.issue_access_token(governance).token
    with client_for(live_server, "app-query") as client:
        opened = client.call("/api/v1/catalogs/query", {}, head={"accessToken": token})
    assert opened.ok
    codes = [item["certificateTypeCode"] for item in opened.data["dataList"]]
    # Draft and ended entries are not listed; one whose window opens later is, for configuration ahead.
    assert codes == [ID_CARD, LICENCE, FUTURE] and opened.data["total"] == 3
    item = opened.data["dataList"][0]
    entry = CatalogEntry.objects.get(type_code=ID_CARD)
    assert item == {
        "certificateType": "居民身份证",
        "certificateTypeCode": ID_CARD,
        "updateTime": wall(entry.updated_at),
        "certificateDefineAuthorityName": "公安部",
        "certificateDefineAuthorityCode": entry.authority_code,
        "relatedItemName": entry.related_item_name,
        "relatedItemCode": entry.related_item_code,
        "firstPublishTime": wall(entry.first_published_at),
        "shareStart": wall(entry.share_start),
        "shareEnd": "",
    }
    future = CatalogEntry.objects.get(type_code=FUTURE)
    assert opened.data["dataList"][2]["shareStart"] == wall(future.share_start)
    assert opened.data["dataList"][2]["shareEnd"] == wall(future.share_end)


def test_catalog_times_keep_the_first_publication_across_updates(live_server, governance):
    entry = CatalogEntry.objects.get(type_code=ID_CARD)
    first = entry.first_published_at
    entry.related_item_name = "居民身份证换领"
    with no_delivery():
        catalog_services.save_entry(entry, actor=None, reason="事项更名")
    entry.refresh_from_db()
    assert entry.first_published_at == first and entry.updated_at > first
    token = trust_services.issue_access_token(governance).token
    with client_for(live_server, "app-query") as client:
        opened = client.call("/api/v1/catalogs/query", {}, head={"accessToken": token})
    item = opened.data["dataList"][0]
    assert (item["firstPublishTime"], item["updateTime"]) == (wall(first), wall(entry.updated_at))


def test_scenario_query_answers_only_the_callers_live_lists(live_server, governance):
    token = trust_services.issue_access_token(governance).token
    with client_for(live_server, "app-query") as client:
        opened = client.call("/api/v1/scenarios/query", {"appId": "app-query"}, head={"accessToken": token})
        assert opened.data["total"] == 1
        (item,) = opened.data["dataList"]
        assert item["itemCode"] == "Q-001" and item["itemName"] == "企业开办"
        assert item["dataList"] == [
            {"certificateType": "居民身份证", "certificateTypeCode": ID_CARD},
            {"certificateType": "营业执照", "certificateTypeCode": LICENCE},
        ]
        live = ScenarioList.objects.get(code="Q-001")
        assert item["firstPublishTime"] == wall(live.first_published_at) != ""
        assert item["updateTime"] == wall(live.updated_at)
        assert (item["validStart"], item["validEnd"]) == (wall(live.published_valid_start), "")
        refused = client.call("/api/v1/scenarios/query", {"appId": "app-other"}, head={"accessToken": token}, check=False)
        assert refused.status == "1007" and "appId" in refused.message
        missing = client.call("/api/v1/scenarios/query", {}, head={"accessToken": token}, check=False)
        assert missing.status == "1007"


def test_region_may_ask_for_an_application_of_its_own_region(live_server, governance):
    with client_for(live_server, "region-sh", "region-SH") as client:
        opened = client.call("/api/v1/scenarios/query", {"appId": "app-query"})
        assert [item["itemCode"] for item in opened.data["dataList"]] == ["Q-001"]
        refused = client.call("/api/v1/scenarios/query", {"appId": "app-other"}, check=False)
        assert refused.status == "1007"
