"""9 b: linked scenario lists follow catalog changes."""

from __future__ import annotations

import pytest

from catalog import services as catalog_services
from catalog.models import Publication
from scenarios import services
from scenarios.models import EventKind, RoundState, ScenarioStatus

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from .factories import confirm, four_admins, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins():
    return four_admins()


def test_catalog_update_moves_update_time_and_republishes_the_list(admins):
    entry = PublishedEntryFactory(type_name="结婚证", type_code=gb_type_code(301))
    scenario = propose("P-001", [entry])
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    before = scenario.updated_at
    entry.type_name = "结婚证（电子）"
    catalog_services.save_entry(entry, actor=admins["SH"], reason="名称规范")
    scenario.refresh_from_db()
    assert scenario.updated_at > before
    assert scenario.round_state == RoundState.CONFIRMED and scenario.revision == 1
    update = Publication.objects.filter(code="P-001").order_by("-published_at").first()
    assert update.action == "update"
    assert update.payload["dataList"] == [{"certificateType": "结婚证（电子）", "certificateTypeCode": gb_type_code(301)}]
    assert scenario.events.filter(kind=EventKind.UPDATED).exists()


def test_withdrawn_entry_leaves_every_list_at_once(admins):
    keep = PublishedEntryFactory(type_name="营业执照", type_code=gb_type_code(201))
    gone = PublishedEntryFactory(type_name="食品经营许可证", type_code=gb_type_code(202))
    scenario = propose("P-002", [keep, gone])
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    catalog_services.withdraw_entry(gone, actor=admins["SH"], reason="许可证改革")
    scenario.refresh_from_db()
    assert list(scenario.published_entries.all()) == [keep]
    assert list(scenario.entries.all()) == [keep]
    assert scenario.status == ScenarioStatus.PUBLISHED and scenario.round_state == RoundState.CONFIRMED
    update = Publication.objects.filter(code="P-002").order_by("-published_at").first()
    assert update.action == "update" and [d["certificateTypeCode"] for d in update.payload["dataList"]] == [gb_type_code(201)]
    # Re-publishing the entry does not put it back: that is an edit the four regions confirm.
    catalog_services.publish_entry(gone, actor=admins["SH"], reason="恢复")
    scenario.refresh_from_db()
    assert list(scenario.published_entries.all()) == [keep]


def test_list_left_without_entries_is_withdrawn(admins):
    only = PublishedEntryFactory(type_code=gb_type_code(401))
    scenario = propose("P-003", [only])
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    catalog_services.withdraw_entry(only, actor=admins["SH"], reason="停止共享")
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.WITHDRAWN
    assert Publication.objects.filter(code="P-003").order_by("-published_at").first().action == "withdraw"


def test_withdrawal_resets_a_pending_round_that_included_the_entry(admins):
    keep, gone = PublishedEntryFactory(type_code=gb_type_code(501)), PublishedEntryFactory(type_code=gb_type_code(502))
    scenario = propose("P-004", [keep, gone])
    confirm(scenario, "SH", "JS")
    catalog_services.withdraw_entry(gone, actor=admins["SH"], reason="撤回")
    scenario.refresh_from_db()
    assert scenario.revision == 2 and scenario.round_state == RoundState.PENDING
    assert scenario.events.filter(kind=EventKind.ROUND_RESET).exists()
    assert confirm(scenario, "ZJ", "AH").published is False
    assert confirm(scenario, "SH", "JS").published is True


def test_pending_revision_never_widens_the_live_list(admins):
    a, b = PublishedEntryFactory(type_code=gb_type_code(601)), PublishedEntryFactory(type_code=gb_type_code(602))
    scenario = propose("P-005", [a])
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    services.edit_list(scenario, actor=admins["JS"], name=scenario.name, entries=[a, b],
                       valid_start=scenario.valid_start, valid_end=None, reason="增加")
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.PUBLISHED and scenario.round_state == RoundState.PENDING
    assert list(scenario.published_entries.all()) == [a]
