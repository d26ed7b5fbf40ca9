"""History pages of scenario lists and catalog entries show past states and do not restore them.

Their state is also confirmations, publications and outbox rows: a revert would bypass the
workflow, so it is neither offered nor accepted (a POST is refused and changes nothing).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from catalog import services as catalog_services
from catalog.models import CatalogEntry
from scenarios.models import ScenarioList
from ysj_portal.history import REVERT_REFUSED_MESSAGE

from ..factories import no_delivery
from ..trust.factories import catalog_entry, demo_catalog_entry, live_scenario
from .conftest import client_for
from .factories import application, auditor

pytestmark = pytest.mark.django_db


@pytest.fixture
def governed(regions):
    entry = catalog_entry("11100000000013127D901", "历史测试证照")
    first_name = entry.type_name
    entry.type_name = "历史测试证照（更名）"
    with no_delivery():
        catalog_services.save_entry(entry, actor=None, reason="更名")
    scenario = live_scenario("SC-HIST", [demo_catalog_entry("居民身份证")], [application("app-hist", "SH")])
    return {"entry": entry, "first_name": first_name, "scenario": scenario}


def _oldest(obj):
    return obj.history.order_by("history_id").first()


@pytest.fixture
def root():
    return client_for(get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Root-pass-1"))


@pytest.mark.parametrize("kind", ["entry", "scenario"])
def test_the_history_is_shown_without_a_revert(governed, root, kind):
    obj = governed[kind]
    opts = obj._meta
    page = root.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]))
    assert page.status_code == 200 and page.context["revert_disabled"] is True
    old = _oldest(obj)
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, old.history_id])
    assert url in page.content.decode()  # each past state can still be opened
    version = root.get(url)
    assert version.status_code == 200 and version.context["revert_disabled"] is True
    assert 'name="_save"' not in version.content.decode()  # no revert button


def test_a_revert_posted_anyway_is_refused_and_changes_nothing(governed, root):
    entry, old = governed["entry"], _oldest(governed["entry"])
    url = reverse("admin:catalog_catalogentry_simple_history", args=[entry.pk, old.history_id])
    form = root.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["type_name"] = governed["first_name"]
    before = (entry.history.count(), CatalogEntry.objects.get(pk=entry.pk).type_name)
    response = root.post(url, {**data, "_save": "恢复"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:catalog_catalogentry_history", args=[entry.pk])
    assert (entry.history.count(), CatalogEntry.objects.get(pk=entry.pk).type_name) == before
    assert REVERT_REFUSED_MESSAGE in root.get(response["Location"]).content.decode()

    scenario = governed["scenario"]
    old = _oldest(scenario)
    url = reverse("admin:scenarios_scenariolist_simple_history", args=[scenario.pk, old.history_id])
    count = scenario.history.count()
    assert root.post(url, {"name": "改回", "_save": "恢复"}).status_code == 302
    assert scenario.history.count() == count and ScenarioList.objects.get(pk=scenario.pk).name != "改回"


def test_the_auditor_reads_the_history(governed):
    client = client_for(auditor())
    scenario = governed["scenario"]
    assert client.get(reverse("admin:scenarios_scenariolist_history", args=[scenario.pk])).status_code == 200
    old = _oldest(scenario)
    url = reverse("admin:scenarios_scenariolist_simple_history", args=[scenario.pk, old.history_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "改回"}).status_code in (302, 403)
    assert ScenarioList.objects.get(pk=scenario.pk).name != "改回"
