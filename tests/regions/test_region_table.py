"""One table of the parties (``ysj_protocol.regions``): everything reads it, and rounds record theirs.

A fifth party is one row in the table (plus, at the hub, a migration of the choices): the rounds
opened after it need five confirmations, the rounds already open complete with the four they
recorded.
"""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import PublicationDelivery
from scenarios import services
from scenarios.admin import awaiting_region
from scenarios.models import ScenarioList, ScenarioStatus
from trust.models import DIVISION_CODES, AcceptedServiceCode, HolderToken, Region, RegionCode
from ysj_protocol import regions, service_code
from ysj_protocol.certfile import model as certfile_model
from ysj_protocol.regions import RegionInfo

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..scenarios.factories import confirm, fast_passwords, four_admins, propose, region_admin

FIFTH = RegionInfo("JX", "江西省", "赣", "360000", 5, "江西")


@pytest.fixture
def join_fifth_party(monkeypatch):
    """Adds one row to the table, as the standard may grow (every derived index follows), and
    registers the new party with an administrator; returns that administrator."""

    def join():
        table = (*regions.REGIONS, FIFTH)
        monkeypatch.setattr(regions, "REGIONS", table)
        monkeypatch.setattr(regions, "BY_CODE", {info.code: info for info in table})
        monkeypatch.setattr(regions, "BY_DIVISION", {info.division_code: info for info in table})
        monkeypatch.setattr(regions, "CODES", tuple(info.code for info in table))
        monkeypatch.setattr(regions, "CHOICES", [(info.code, info.name) for info in table])
        return region_admin(FIFTH.code)

    return join


@pytest.fixture
def admins(settings):
    fast_passwords(settings)
    return four_admins()


@pytest.fixture
def entry():
    return PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(111))


# ----------------------------------------------------------------------------- the table itself


def test_the_table_is_consistent():
    codes = [info.code for info in regions.REGIONS]
    divisions = [info.division_code for info in regions.REGIONS]
    assert len(set(codes)) == len(codes) and len(set(divisions)) == len(divisions)
    assert all(code.isupper() and 2 <= len(code) <= regions.CODE_MAX_LENGTH for code in codes)
    assert all(len(d) == 6 and d.isdigit() and d.endswith("0000") for d in divisions)  # province level
    assert [info.order for info in regions.REGIONS] == list(range(1, len(codes) + 1))
    assert divisions == sorted(divisions)  # the standard's order is the order of the division codes
    assert len({info.short_name for info in regions.REGIONS}) == len(codes)
    assert all(regions.BY_DIVISION[info.division_code] is info for info in regions.REGIONS)
    assert regions.CODES == ("SH", "JS", "ZJ", "AH")
    assert regions.codes_text("/") == "SH/JS/ZJ/AH"
    assert regions.places_text() == "上海、江苏、浙江、安徽"
    assert regions.parties_label() == "四地"


def test_every_consumer_reads_the_table():
    assert RegionCode.choices == regions.CHOICES
    assert {info.code: info.division_code for info in regions.REGIONS} == DIVISION_CODES
    for model, name in ((Region, "code"), (AcceptedServiceCode, "region_code"), (HolderToken, "service_code_region")):
        assert model._meta.get_field(name).max_length == regions.CODE_MAX_LENGTH
    assert service_code.REGIONS == regions.CODES
    assert {t.region for t in service_code.CODE_TYPES.values()} - {None} <= set(regions.CODES)
    assert {info.division_code: info.code for info in regions.REGIONS} == service_code.DIVISION_TO_REGION
    assert {code: (r.name, r.division_code) for code, r in certfile_model.REGIONS.items()} == {
        info.code: (info.name, info.division_code) for info in regions.REGIONS
    }
    node_settings = importlib.import_module("regional_node.settings")  # plain values, no Django set-up
    assert {info.code: (info.name, info.division_code) for info in regions.REGIONS} == node_settings.REGIONS


def test_rounds_before_the_table_recorded_the_four_of_the_standard():
    """The data migration writes the four out; today they are exactly the table."""
    migration = importlib.import_module("scenarios.migrations.0003_round_regions")
    assert dict(regions.CHOICES) == migration.FOUR_PARTIES


# ----------------------------------------------------------------------------- rounds


@pytest.mark.django_db
def test_a_round_records_the_four_and_needs_exactly_their_confirmations(admins, entry):
    scenario = propose("T-FOUR", [entry])
    assert scenario.round_regions == {"SH": "上海市", "JS": "江苏省", "ZJ": "浙江省", "AH": "安徽省"}
    assert scenario.needed_regions == ["SH", "JS", "ZJ", "AH"]
    assert confirm(scenario, "AH", "ZJ", "JS").published is False
    assert confirm(scenario, "SH").published is True
    assert scenario.status == ScenarioStatus.PUBLISHED


@pytest.mark.django_db
def test_a_fifth_party_is_needed_by_new_rounds_only(admins, entry, join_fifth_party):
    before = propose("T-BEFORE", [entry])  # opened while the table has four rows
    join_fifth_party()
    assert Region.objects.get(code="JX").division_code == "360000"

    after = propose("T-AFTER", [entry], by="JX")
    assert after.needed_regions == ["SH", "JS", "ZJ", "AH", "JX"]
    assert confirm(after, "SH", "JS", "ZJ", "AH").published is False
    result = confirm(after, "JX")
    assert result.published is True and result.confirmed_regions == ["AH", "JS", "JX", "SH", "ZJ"]
    assert PublicationDelivery.objects.filter(publication__code="T-AFTER", region__code="JX").exists()

    # The round already open completes with its four; the new party has no say on it.
    assert confirm(before, "SH", "JS", "ZJ", "AH").published is True
    assert ScenarioList.objects.get(code="T-BEFORE").round_regions.keys() == {"SH", "JS", "ZJ", "AH"}


@pytest.mark.django_db
def test_a_party_not_named_by_the_round_neither_decides_nor_waits_on_it(admins, entry, join_fifth_party):
    before = propose("T-OPEN", [entry])
    jiangxi = join_fifth_party()
    after = propose("T-NEW", [entry])
    region = Region.objects.get(code="JX")

    with pytest.raises(services.GovernanceError, match="未包含江西省"):
        services.decide(before, actor=jiangxi, region=region, revision=before.revision, decision="confirmed")
    waiting = awaiting_region(ScenarioList.objects.all(), region)
    assert list(waiting.values_list("code", flat=True)) == [after.code]
    assert set(awaiting_region(ScenarioList.objects.all(), Region.objects.get(code="SH")).values_list(
        "code", flat=True)) == {"T-OPEN", "T-NEW"}


@pytest.mark.django_db
def test_an_edit_after_the_fifth_party_joined_opens_a_round_that_needs_five(admins, entry, join_fifth_party):
    scenario = propose("T-EDIT", [entry])
    join_fifth_party()
    result = services.edit_list(
        scenario, actor=admins["SH"], name="改名后的清单", entries=[entry], valid_start=scenario.valid_start,
        valid_end=None, reason="名称规范",
    )
    assert "等待五地确认" in result.message
    assert scenario.revision == 2 and scenario.needed_regions == ["SH", "JS", "ZJ", "AH", "JX"]
    assert confirm(scenario, "SH", "JS", "ZJ", "AH").published is False
    assert confirm(scenario, "JX").published is True


@pytest.mark.django_db
def test_the_admin_list_shows_one_column_per_party_and_what_each_round_needs(admins, entry, join_fifth_party):
    propose("T-SHOWN", [entry])
    join_fifth_party()
    client = Client()
    client.force_login(admins["SH"])
    page = client.get(reverse("admin:scenarios_scenariolist_changelist")).content.decode()
    for info in regions.REGIONS:
        assert f'data-region="{info.code.lower()}"' in page
    assert "江西省：本轮无需确认" in page
    change = client.get(reverse("admin:scenarios_scenariolist_change", args=[ScenarioList.objects.get().pk]))
    assert "四地确认状态" in change.content.decode() and 'data-region="JX"' not in change.content.decode()
