"""Filters of the record lists: exact values typed in or chosen from fixed tables, never a value list read from the records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence.models import EvidenceEntry
from trust.models import EnvelopeCall, Region
from ysj_protocol import status

from .conftest import client_for
from .factories import application, auditor, integrate_log, served

pytestmark = pytest.mark.django_db

CALLS = "admin:trust_envelopecall_changelist"
RETRIEVALS = "admin:sharing_retrieval_changelist"
ENTRIES = "admin:evidence_evidenceentry_changelist"


@pytest.fixture
def records(regions):
    sh, js = application("app-sh", "SH"), application("app-js", "JS")
    made = {
        "first": served(sh, biz_num="BIZ-A", operator="王五", scenario="SC-1"),
        "second": served(js, biz_num="BIZ-B", operator="赵六", scenario="SC-2"),
        "refused": served(sh, biz_num="BIZ-C", status=status.ACCESS_TOKEN_EXPIRED.code, retrieval=False),
    }
    integrate_log()
    return made


@pytest.fixture
def client(records):
    return client_for(auditor())


def _rows(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.status_code
    return response, [row.pk for row in response.context["cl"].result_list]


def test_filters_by_application_scenario_operator_and_biz_num(client, records):
    first, second = records["first"], records["second"]
    assert _rows(client, RETRIEVALS, application="app-js")[1] == [second.retrieval.pk]
    assert _rows(client, RETRIEVALS, scenario="SC-1")[1] == [first.retrieval.pk]
    assert _rows(client, RETRIEVALS, operator="赵六")[1] == [second.retrieval.pk]
    assert _rows(client, RETRIEVALS, biz_num="BIZ-A")[1] == [first.retrieval.pk]
    assert _rows(client, RETRIEVALS, biz_num="BIZ")[1] == []  # exact, not a prefix
    assert _rows(client, CALLS, application="app-js")[1] == [second.call.pk]
    assert _rows(client, CALLS, biz_num="BIZ-B")[1] == [second.call.pk]
    entries = EvidenceEntry.objects.filter(operator="赵六", kind="served").values_list("pk", flat=True)
    assert _rows(client, ENTRIES, operator="赵六", scenario="SC-2", application="app-js", kind="served")[1] == list(entries)


def test_an_applications_calls_include_those_the_hub_made_for_it(client, regions):
    zj = application("app-zj", "ZJ")
    search = served(zj, to_regions=[Region.objects.get(code="SH"), Region.objects.get(code="AH")])
    integrate_log()
    expected = sorted([search.call.pk, *(call.pk for call in search.made)], reverse=True)
    assert _rows(client, CALLS, application="app-zj")[1] == expected
    assert all(call.account_id in ("SH", "AH") and call.application == "app-zj" for call in search.made)
    # The region's own account still finds the calls made to it, whoever they were for.
    assert search.made[0].pk in _rows(client, CALLS, application=search.made[0].account_id)[1]


def test_status_is_filtered_and_shown_with_its_meaning(client, records):
    expired = status.ACCESS_TOKEN_EXPIRED
    response, rows = _rows(client, CALLS, status=expired.code)
    assert rows == [records["refused"].call.pk]
    page = response.content.decode()
    assert f"{expired.code} {expired.message}" in page  # in the row and in the filter's choices
    assert f"{status.OK.code} {status.OK.message}" in page
    response, rows = _rows(client, ENTRIES, status=expired.code)
    assert rows == list(EvidenceEntry.objects.filter(status_code=expired.code).values_list("pk", flat=True))
    assert expired.message in response.content.decode()


def test_a_date_range_includes_both_days(client, records):
    old = records["first"].call
    EnvelopeCall.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    today = timezone.localdate()
    _, rows = _rows(client, CALLS, since=str(today - dt.timedelta(days=10)), until=str(today - dt.timedelta(days=10)))
    assert rows == [old.pk]
    _, rows = _rows(client, CALLS, since=str(today))
    assert old.pk not in rows and records["second"].call.pk in rows
    _, rows = _rows(client, CALLS, until=str(today - dt.timedelta(days=1)))
    assert rows == [old.pk]
    _, rows = _rows(client, CALLS, since="not-a-date")  # ignored rather than an error
    assert len(rows) == EnvelopeCall.objects.count()


def test_links_lead_from_a_call_to_its_retrievals_and_its_entry_and_back(client, records):
    first = records["first"]
    _, rows = _rows(client, RETRIEVALS, request_id=first.call.request_id)
    assert rows == [first.retrieval.pk]
    _, rows = _rows(client, ENTRIES, call=first.call.pk)
    entry = EvidenceEntry.objects.get(call=first.call)
    assert rows == [entry.pk]
    _, rows = _rows(client, ENTRIES, request_id=first.call.request_id)
    assert rows == [entry.pk]
    page = client.get(reverse("admin:trust_envelopecall_change", args=[first.call.pk])).content.decode()
    assert f"?request_id={first.call.request_id}" in page and f"?call={first.call.pk}" in page
    page = client.get(reverse("admin:evidence_evidenceentry_change", args=[entry.pk])).content.decode()
    assert reverse("admin:trust_envelopecall_change", args=[first.call.pk]) in page
    page = client.get(reverse("admin:sharing_retrieval_change", args=[first.retrieval.pk])).content.decode()
    assert reverse(ENTRIES) + f"?request_id={first.call.request_id}" in page
    assert _rows(client, ENTRIES, call="x")[1] == []  # not a number: nothing, not an error


def test_filter_links_start_again_at_the_first_page(client, records):
    response = client.get(reverse(CALLS), {"after": "999999", "biz_num": "BIZ-A"})
    cl = response.context["cl"]
    assert "after" not in cl.get_query_string({"region": "SH"})
    assert [row.pk for row in cl.result_list] == [records["first"].call.pk]
