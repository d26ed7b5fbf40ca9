"""The 审计员 role reads every record and governed object, and can change none; nobody edits records."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from evidence.models import Checkpoint, EvidenceEntry
from scenarios.permissions import AUDITORS
from trust.models import EnvelopeCall

from .conftest import client_for
from .factories import application, auditor, cosign, integrate_log, served

pytestmark = pytest.mark.django_db

RECORD_LISTS = (
    "admin:trust_envelopecall_changelist",
    "admin:sharing_retrieval_changelist",
    "admin:evidence_evidenceentry_changelist",
    "admin:evidence_checkpoint_changelist",
    "admin:evidence_cosignature_changelist",
)
GOVERNANCE_LISTS = (
    "admin:scenarios_scenariolist_changelist",
    "admin:catalog_catalogentry_changelist",
    "admin:trust_trustedapplication_changelist",
)


def test_the_role_holds_view_permissions_only(regions):
    user = auditor()
    codenames = set(Group.objects.get(name=AUDITORS).permissions.values_list("codename", flat=True))
    assert {"view_envelopecall", "view_retrieval", "view_evidenceentry", "view_checkpoint", "view_cosignature",
            "view_scenariolist", "view_catalogentry", "view_historicalscenariolist"} <= codenames
    assert all(name.startswith("view_") for name in codenames)
    assert not user.is_superuser


def test_the_auditor_reads_every_list_and_record(regions):
    record = served(application("app-sh", "SH"), to_regions=[regions["JS"]])
    cosign(integrate_log(), "SH")
    client = client_for(auditor())
    for name in (*RECORD_LISTS, *GOVERNANCE_LISTS):
        assert client.get(reverse(name)).status_code == 200, name
    entry = EvidenceEntry.objects.filter(call=record.call).get()
    for url in (
        reverse("admin:trust_envelopecall_change", args=[record.call.pk]),
        reverse("admin:sharing_retrieval_change", args=[record.retrieval.pk]),
        reverse("admin:evidence_evidenceentry_change", args=[entry.pk]),
        reverse("admin:evidence_checkpoint_change", args=[Checkpoint.objects.get().pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert 'name="_save"' not in page.content.decode(), url  # a page to read, no form to save


@pytest.mark.parametrize("as_superuser", [False, True])
def test_records_cannot_be_added_changed_or_deleted_by_anyone(regions, as_superuser):
    record = served(application("app-sh", "SH"))
    integrate_log()
    user = (get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Root-pass-1")
            if as_superuser else auditor())
    client = client_for(user)
    entry = EvidenceEntry.objects.filter(call=record.call).get()
    cases = [
        ("trust", "envelopecall", record.call.pk),
        ("sharing", "retrieval", record.retrieval.pk),
        ("evidence", "evidenceentry", entry.pk),
    ]
    for app_label, model, pk in cases:
        assert client.get(reverse(f"admin:{app_label}_{model}_add")).status_code == 403
        assert client.post(reverse(f"admin:{app_label}_{model}_add"), {}).status_code == 403
        assert client.post(reverse(f"admin:{app_label}_{model}_change", args=[pk]), {}).status_code == 403
        assert client.post(reverse(f"admin:{app_label}_{model}_delete", args=[pk]), {"post": "yes"}).status_code == 403
        listing = client.get(reverse(f"admin:{app_label}_{model}_changelist")).content.decode()
        add_url = reverse(f"admin:{app_label}_{model}_add")
        assert f'href="{add_url}"' not in listing and 'name="action"' not in listing  # no add button, no bulk delete
    assert EnvelopeCall.objects.filter(pk=record.call.pk).exists() and EvidenceEntry.objects.filter(pk=entry.pk).exists()


def test_the_auditor_changes_no_governed_object(regions):
    client = client_for(auditor())
    assert client.get(reverse("admin:scenarios_scenariolist_add")).status_code == 403
    assert client.get(reverse("admin:catalog_catalogentry_add")).status_code == 403
    assert client.get(reverse("admin:trust_region_add")).status_code == 403


def test_the_demo_creates_the_auditor_with_the_demo_password(regions):
    from scenarios.demo import AUDITOR, DEMO_PASSWORD
    from scenarios.demo import auditor as demo_auditor

    demo_auditor()
    user = get_user_model().objects.get(username=AUDITOR)
    assert user.check_password(DEMO_PASSWORD) and user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [AUDITORS]
