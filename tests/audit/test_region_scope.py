"""Region administrators see their region's calls, retrievals and entries only; one rule scopes every list."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from evidence.models import EvidenceEntry
from sharing.models import Retrieval
from trust.models import EnvelopeCall
from ysj_portal import audit

from .conftest import client_for
from .factories import application, auditor, integrate_log, region_admin, served

pytestmark = pytest.mark.django_db

LISTS = {
    EnvelopeCall: "admin:trust_envelopecall_changelist",
    Retrieval: "admin:sharing_retrieval_changelist",
    EvidenceEntry: "admin:evidence_evidenceentry_changelist",
}


@pytest.fixture
def world(regions):
    sh, js = application("app-sh", "SH"), application("app-js", "JS")
    records = {
        "sh": served(sh, to_regions=[regions["SH"]]),  # SH's application, answered by SH
        "js": served(js, to_regions=[regions["JS"]]),  # JS's alone
        "relayed": served(sh, relaying=regions["SH"]),  # relayed by SH's system
        "js_to_sh": served(js, to_regions=[regions["SH"]]),  # JS's application, a certificate from SH
    }
    integrate_log()
    return records


def _listed(client, model) -> set[int]:
    response = client.get(reverse(LISTS[model]))
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_a_region_administrator_sees_the_calls_of_the_region(world):
    client = client_for(region_admin("SH"))
    sh, js, relayed, js_to_sh = world["sh"], world["js"], world["relayed"], world["js_to_sh"]
    calls = _listed(client, EnvelopeCall)
    # Its applications' calls and those made for them, the relayed call, and the call made to SH for JS.
    assert calls == {sh.call.pk, *(c.pk for c in sh.made), relayed.call.pk, js_to_sh.made[0].pk}
    assert js.call.pk not in calls and js_to_sh.call.pk not in calls
    # Retrievals: its applications' and those that obtained a certificate from SH.
    assert _listed(client, Retrieval) == {sh.retrieval.pk, relayed.retrieval.pk, js_to_sh.retrieval.pk}
    entries = EvidenceEntry.objects.filter(call__in=[sh.call, relayed.call, js_to_sh.made[0], *sh.made])
    assert _listed(client, EvidenceEntry) == set(entries.values_list("pk", flat=True))


def test_another_region_sees_its_own_and_not_the_others(world):
    client = client_for(region_admin("JS"))
    js, js_to_sh = world["js"], world["js_to_sh"]
    # The call made to SH for JS's application is JS's too: its record and its entry name the application.
    assert _listed(client, EnvelopeCall) == {js.call.pk, js.made[0].pk, js_to_sh.call.pk, js_to_sh.made[0].pk}
    assert _listed(client, Retrieval) == {js.retrieval.pk, js_to_sh.retrieval.pk}
    made_for_js = EvidenceEntry.objects.get(call=js_to_sh.made[0])
    assert made_for_js.region == "SH" and made_for_js.application == "app-js"
    assert made_for_js.pk in _listed(client, EvidenceEntry)


def test_a_record_of_another_region_cannot_be_opened(world):
    client = client_for(region_admin("JS"))
    response = client.get(reverse("admin:trust_envelopecall_change", args=[world["sh"].call.pk]))
    assert response.status_code == 302  # the admin's "does not exist", as for a row it cannot see
    response = client.get(reverse("admin:sharing_retrieval_change", args=[world["sh"].retrieval.pk]))
    assert response.status_code == 302
    entry = EvidenceEntry.objects.get(call=world["sh"].call)
    assert client.get(reverse("admin:evidence_evidenceentry_change", args=[entry.pk])).status_code == 302
    own = client.get(reverse("admin:trust_envelopecall_change", args=[world["js"].call.pk]))
    assert own.status_code == 200


def test_the_auditor_and_superusers_see_every_region(world):
    every = EnvelopeCall.objects.count()
    assert len(_listed(client_for(auditor()), EnvelopeCall)) == every
    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Root-pass-1")
    assert len(_listed(client_for(root), EnvelopeCall)) == every


def test_a_permission_without_a_region_or_the_role_shows_nothing(world):
    """Fail closed: the model permission alone does not say which region's rows a user may read."""
    user = get_user_model().objects.create_user("clerk", password="Clerk-pass-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_envelopecall"))
    assert _listed(client_for(user), EnvelopeCall) == set()


def test_the_region_filter_is_the_scoping_rule(world):
    """Filtering by a region lists what that region's administrator sees."""
    client = client_for(auditor())
    for code in ("SH", "JS"):
        response = client.get(reverse(LISTS[EnvelopeCall]), {"region": code})
        filtered = {row.pk for row in response.context["cl"].result_list}
        scoped = set(audit.restrict(EnvelopeCall.objects.all(), region_admin(code)).values_list("pk", flat=True))
        assert filtered == scoped and filtered


def test_a_region_administrator_filters_by_their_own_region_only(world):
    client = client_for(region_admin("SH"))
    everything = _listed(client, EnvelopeCall)
    response = client.get(reverse(LISTS[EnvelopeCall]), {"region": "SH"})
    assert {row.pk for row in response.context["cl"].result_list} == everything
    assert [code for code, _ in response.context["cl"].filter_specs[0].lookup_choices] == ["SH"]
    response = client.get(reverse(LISTS[EnvelopeCall]), {"region": "JS"})
    assert list(response.context["cl"].result_list) == []
