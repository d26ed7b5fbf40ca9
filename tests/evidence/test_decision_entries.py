"""Governance steps, catalog changes and publications write their entries in their own transaction."""

from __future__ import annotations

import pytest

from evidence import leaf
from evidence.models import EntryKind, PendingEntry
from scenarios.models import ScenarioList

from ..trust.factories import demo_catalog_entry, live_scenario

pytestmark = pytest.mark.django_db


def _leaves(kind: str) -> list[dict]:
    values = [leaf.decode(bytes(data)) for data in PendingEntry.objects.order_by("id").values_list("leaf", flat=True)]
    return [value for value in values if value["kind"] == kind]


def test_a_catalog_entry_published_is_a_catalog_entry_and_a_publication() -> None:
    entry = demo_catalog_entry("居民身份证")
    catalog = _leaves(EntryKind.CATALOG)
    assert catalog[-1]["action"] == "published"
    assert all(c["objectKind"] == "catalog_entry" and c["objectCode"] == entry.type_code for c in catalog)
    assert catalog[-1]["reasonDigest"] == leaf.reason_digest("发布")
    publications = _leaves(EntryKind.PUBLICATION)
    assert publications and publications[-1]["objectCode"] == entry.type_code


def test_each_step_of_a_scenario_list_is_a_governance_entry() -> None:
    scenario = live_scenario("SC-EVIDENCE-GOV", [demo_catalog_entry("居民身份证")], [])
    governance = [g for g in _leaves(EntryKind.GOVERNANCE) if g["objectCode"] == "SC-EVIDENCE-GOV"]
    actions = [g["action"] for g in governance]
    assert actions[0] == "proposed" and actions[-1] == "published"
    confirmations = [g for g in governance if g["action"] == "confirmed"]
    assert {g["actorRegion"] for g in confirmations} == set(ScenarioList.objects.get(pk=scenario.pk).round_regions)
    assert all(g["actor"].startswith("admin_") and g["objectRevision"] == scenario.revision for g in confirmations)
    assert any(p["objectCode"] == "SC-EVIDENCE-GOV" for p in _leaves(EntryKind.PUBLICATION))
