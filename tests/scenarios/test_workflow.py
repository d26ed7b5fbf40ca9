"""Joint confirmation of scenario lists by the four regions (9 a), at the service layer."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from catalog.errors import GovernanceError
from catalog.models import Publication, PublicationDelivery
from scenarios import services
from scenarios.models import Decision, EventKind, RoundState, ScenarioConfirmation, ScenarioStatus
from trust.models import Region

from ..catalog.factories import CatalogEntryFactory, PublishedEntryFactory, gb_type_code
from .factories import confirm, four_admins, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins():
    return four_admins()


@pytest.fixture
def entry():
    return PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(111))


def test_three_confirmations_of_four_do_not_publish(admins, entry):
    scenario = propose("S-001", [entry])
    result = confirm(scenario, "SH", "JS", "ZJ")
    assert result.published is False
    assert result.confirmed_regions == ["JS", "SH", "ZJ"]
    assert scenario.status == ScenarioStatus.DRAFT
    assert scenario.round_state == RoundState.PENDING
    assert not Publication.objects.filter(code="S-001").exists()  # nothing of the list was published


def test_fourth_confirmation_publishes_to_every_region(admins, entry):
    scenario = propose("S-002", [entry])
    result = confirm(scenario, "SH", "JS", "ZJ", "AH")
    assert result.published is True
    assert scenario.status == ScenarioStatus.PUBLISHED
    assert scenario.published_revision == scenario.revision == 1
    assert list(scenario.published_entries.all()) == [entry]
    assert scenario.first_published_at is not None and scenario.updated_at is not None
    publication = Publication.objects.get(code="S-002")
    assert publication.action == "publish"
    assert publication.payload["dataList"] == [{"certificateType": "居民身份证", "certificateTypeCode": gb_type_code(111)}]
    assert sorted(PublicationDelivery.objects.filter(publication=publication).values_list("region__code", flat=True)) == [
        "AH", "JS", "SH", "ZJ"
    ]
    kinds = list(scenario.events.values_list("kind", flat=True))
    assert kinds == ["proposed", "confirmed", "confirmed", "confirmed", "confirmed", "published"]


def test_rejection_needs_a_reason_and_blocks_publication(admins, entry):
    scenario = propose("S-003", [entry])
    with pytest.raises(GovernanceError, match="驳回须填写理由"):
        services.decide(scenario, actor=admins["JS"], region=Region.objects.get(code="JS"), revision=1,
                        decision=Decision.REJECTED, reason="  ")
    services.decide(scenario, actor=admins["JS"], region=Region.objects.get(code="JS"), revision=1,
                    decision=Decision.REJECTED, reason="江苏暂无对应办事场景")
    scenario.refresh_from_db()
    assert scenario.round_state == RoundState.REJECTED
    with pytest.raises(GovernanceError, match="已被驳回"):
        confirm(scenario, "SH", "ZJ", "AH")
    assert scenario.status == ScenarioStatus.DRAFT
    event = scenario.events.get(kind=EventKind.REJECTED)
    assert (event.region.code, event.actor.username, event.reason) == ("JS", "admin_js", "江苏暂无对应办事场景")


def test_substantive_edit_resets_confirmations_and_says_so(admins, entry):
    other = PublishedEntryFactory(type_name="营业执照", type_code=gb_type_code(201))
    scenario = propose("S-004", [entry])
    confirm(scenario, "SH", "JS", "ZJ")
    result = services.edit_list(
        scenario, actor=admins["ZJ"], name=scenario.name, entries=[entry, other],
        valid_start=scenario.valid_start, valid_end=None, reason="增加营业执照",
    )
    assert result.substantive is True
    assert result.reset_regions == ["上海市", "江苏省", "浙江省"]
    assert "已失效" in result.message
    scenario.refresh_from_db()
    assert scenario.revision == 2 and scenario.round_state == RoundState.PENDING
    assert scenario.events.filter(kind=EventKind.ROUND_RESET).exists()
    # The three earlier confirmations no longer count: AH alone does not publish revision 2.
    result = confirm(scenario, "AH")
    assert result.published is False and result.confirmed_regions == ["AH"]
    result = confirm(scenario, "SH", "JS", "ZJ")
    assert result.published is True


def test_non_substantive_edit_keeps_confirmations(admins, entry):
    scenario = propose("S-005", [entry])
    confirm(scenario, "SH")
    result = services.edit_list(
        scenario, actor=admins["SH"], name=scenario.name, entries=[entry], valid_start=scenario.valid_start,
        valid_end=None, description="补充说明",
    )
    assert result.substantive is False
    scenario.refresh_from_db()
    assert scenario.revision == 1
    assert confirm(scenario, "JS", "ZJ", "AH").published is True


def test_decision_is_bound_to_the_revision_reviewed(admins, entry):
    scenario = propose("S-006", [entry])
    services.edit_list(scenario, actor=admins["SH"], name="改名后的清单", entries=[entry],
                       valid_start=scenario.valid_start, valid_end=None, reason="更名")
    with pytest.raises(GovernanceError, match="请重新审阅"):
        services.decide(scenario, actor=admins["JS"], region=Region.objects.get(code="JS"), revision=1,
                        decision=Decision.CONFIRMED)
    assert not ScenarioConfirmation.objects.exists()


def test_js_administrator_cannot_decide_for_sh(admins, entry):
    scenario = propose("S-007", [entry])
    with pytest.raises(GovernanceError, match="不能代表上海市"):
        services.decide(scenario, actor=admins["JS"], region=Region.objects.get(code="SH"), revision=1,
                        decision=Decision.CONFIRMED)
    assert not ScenarioConfirmation.objects.exists()


def test_superuser_without_region_cannot_decide_nor_publish(admins, entry):
    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Root-pass-1")
    scenario = propose("S-008", [entry])
    confirm(scenario, "SH", "JS", "ZJ")
    for code in ("AH", "SH"):
        with pytest.raises(GovernanceError, match="不是任何地区的管理员"):
            services.decide(scenario, actor=root, region=Region.objects.get(code=code), revision=1,
                            decision=Decision.CONFIRMED)
    with pytest.raises(GovernanceError, match="尚有地区未确认"):
        services._publish(scenario, root)
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DRAFT


def test_one_decision_per_region_per_revision(admins, entry):
    scenario = propose("S-009", [entry])
    confirm(scenario, "SH")
    with pytest.raises(GovernanceError, match="上海市已对第 1 版作出决定"):
        confirm(scenario, "SH")
    assert ScenarioConfirmation.objects.filter(scenario_list=scenario).count() == 1


def test_list_with_unpublished_entry_cannot_be_confirmed(admins):
    draft = CatalogEntryFactory(type_name="草稿证照")
    scenario = propose("S-010", [draft])
    with pytest.raises(GovernanceError, match="未发布"):
        confirm(scenario, "SH")


def test_proposal_needs_an_entry_and_a_region(admins):
    with pytest.raises(GovernanceError, match="至少应关联一个证照目录"):
        propose("S-011", [])
    root = get_user_model().objects.create_superuser("root2", "r@example.gov.cn", "Root-pass-1")
    with pytest.raises(GovernanceError, match="不是任何地区的管理员"):
        services.register_proposal(actor=root, code="S-012", name="x", entries=[PublishedEntryFactory()])


def test_mutual_reference_starts_from_another_regions_list(admins, entry):
    source = propose("S-013", [entry], by="ZJ")
    derived = propose("S-014", list(source.entries.all()), by="AH", based_on=source)
    assert derived.based_on == source and derived.proposed_by.code == "AH"
    assert "参考" in derived.events.get().reason


def test_withdrawal_is_immediate_and_published(admins, entry):
    scenario = propose("S-015", [entry])
    confirm(scenario, "SH", "JS", "ZJ", "AH")
    with pytest.raises(GovernanceError, match="须填写原因"):
        services.withdraw_list(scenario, actor=admins["JS"], reason="")
    services.withdraw_list(scenario, actor=admins["JS"], reason="场景停用")
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.WITHDRAWN and scenario.round_state == RoundState.CLOSED
    assert Publication.objects.filter(code="S-015", action="withdraw").count() == 1
    services.reopen(scenario, actor=admins["SH"], reason="场景恢复")
    scenario.refresh_from_db()
    assert scenario.revision == 2 and scenario.round_state == RoundState.PENDING
    assert confirm(scenario, "SH", "JS", "ZJ", "AH").published is True
    assert Publication.objects.filter(code="S-015").order_by("published_at").last().action == "publish"


@pytest.mark.django_db(transaction=True)
def test_four_simultaneous_confirmations_publish_exactly_once():
    if connection.vendor == "sqlite":
        pytest.skip("row locks need PostgreSQL (SQLite serialises writers itself); CI runs this on PostgreSQL")
    admins = four_admins()
    entry = PublishedEntryFactory(type_code=gb_type_code(111))
    scenario = propose("S-RACE", [entry])
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def decide(code: str) -> None:
        try:
            barrier.wait()
            services.decide(scenario, actor=admins[code], region=Region.objects.get(code=code), revision=1,
                            decision=Decision.CONFIRMED)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(code,)) for code in ("SH", "JS", "ZJ", "AH")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.PUBLISHED
    assert ScenarioConfirmation.objects.filter(scenario_list=scenario).count() == 4
    assert Publication.objects.filter(code="S-RACE").count() == 1
    assert PublicationDelivery.objects.filter(publication__code="S-RACE").count() == 4
