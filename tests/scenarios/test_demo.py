"""Demo data loads, is idempotent, and shows every state of the workflow."""

import pytest
from django.contrib.auth import authenticate

from catalog import demo as catalog_demo
from catalog.models import CatalogEntry
from scenarios import demo as scenario_demo
from scenarios.models import RoundState, ScenarioList, ScenarioStatus

from ..factories import ApplicationFactory, all_regions

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_complete():
    all_regions()
    ApplicationFactory(app_id="app-sh-counter")
    for _ in range(2):
        catalog_demo.load()
        scenario_demo.load()
    assert CatalogEntry.objects.filter(status="published").count() == len(catalog_demo.ENTRIES)
    states = {s.code: (s.status, s.round_state) for s in ScenarioList.objects.all()}
    assert states["YSJ-QYKB-001"] == (ScenarioStatus.PUBLISHED, RoundState.CONFIRMED)
    assert states["YSJ-SPJY-003"] == (ScenarioStatus.DRAFT, RoundState.PENDING)
    assert states["YSJ-JSZ-004"] == (ScenarioStatus.DRAFT, RoundState.REJECTED)
    published = ScenarioList.objects.get(code="YSJ-QYKB-001")
    assert list(published.applications.values_list("app_id", flat=True)) == ["app-sh-counter"]
    user = authenticate(username="admin_js", password=scenario_demo.DEMO_PASSWORD)
    assert user is not None and user.region_admin.region.code == "JS"
