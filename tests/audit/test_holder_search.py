"""Search by a full identity number: matched by its keyed digest; the number reaches neither SQL nor the page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.models import EvidenceEntry
from sharing.holders import face_number_key, holder_key_of_number

from ..trust.holders import resident_id
from .conftest import client_for
from .factories import application, auditor, integrate_log, region_admin, served

pytestmark = pytest.mark.django_db

PERSON = resident_id("31010119900307006")  # ends in X: lower case typed must find it too
OTHER = resident_id("44030119851231001")
RETRIEVALS = "admin:sharing_retrieval_changelist"
ENTRIES = "admin:evidence_evidenceentry_changelist"


@pytest.fixture
def records(regions):
    sh, js = application("app-sh", "SH"), application("app-js", "JS")
    made = {
        "mine": served(sh, holder_number=PERSON, to_regions=[regions["SH"]]),
        "theirs": served(sh, holder_number=OTHER, to_regions=[regions["SH"]]),
        "js": served(js, holder_number=PERSON, to_regions=[regions["JS"]]),
    }
    integrate_log()
    return made


def _search(client, name, term):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name), {"q": term})
    assert response.status_code == 200
    return response, queries


def _assert_number_hidden(response, queries, number):
    page = response.content.decode()
    assert number not in page and number.lower() not in page
    for query in queries.captured_queries:
        assert number not in query["sql"] and number.lower() not in query["sql"]
    # The parameters as the database received them (the SQL above is rendered with them).
    assert all(number not in str(query) for query in queries.captured_queries)


def test_a_full_number_finds_every_record_of_the_holder(records):
    client = client_for(auditor())
    for term in (PERSON, PERSON.lower(), f"  {PERSON} "):
        response, queries = _search(client, RETRIEVALS, term)
        found = {row.pk for row in response.context["cl"].result_list}
        assert found == {records["mine"].retrieval.pk, records["js"].retrieval.pk}
        _assert_number_hidden(response, queries, PERSON)
    response, queries = _search(client, ENTRIES, PERSON)
    holder = holder_key_of_number(PERSON)
    expected = set(EvidenceEntry.objects.filter(holder_digest=holder).values_list("pk", flat=True))
    assert expected and {row.pk for row in response.context["cl"].result_list} == expected
    _assert_number_hidden(response, queries, PERSON)


def test_the_page_names_the_digest_filter_and_links_keep_it(records):
    response, _ = _search(client_for(auditor()), RETRIEVALS, PERSON)
    page = response.content.decode()
    assert "已按完整证件号码的摘要筛选" in page
    cl = response.context["cl"]
    assert cl.query == ""  # the search box is empty again
    digests = f"{holder_key_of_number(PERSON)}.{face_number_key(PERSON)}"
    assert cl.params["holder"] == digests and digests in page  # the export and filter links carry digests only


def test_a_partial_number_finds_nothing(records):
    response, _ = _search(client_for(auditor()), RETRIEVALS, PERSON[:10])
    assert list(response.context["cl"].result_list) == []


def test_a_forged_digest_finds_nothing(records):
    response = client_for(auditor()).get(reverse(RETRIEVALS), {"holder": "not-a-digest"})
    assert response.status_code == 200 and list(response.context["cl"].result_list) == []


def test_the_search_stays_within_the_region(records):
    response, _ = _search(client_for(region_admin("JS")), RETRIEVALS, PERSON)
    assert [row.pk for row in response.context["cl"].result_list] == [records["js"].retrieval.pk]


def test_a_list_naming_no_holder_does_not_search_for_the_number(records):
    """Call records name no holder: the number is neither matched against other fields nor shown."""
    response, queries = _search(client_for(auditor()), "admin:trust_envelopecall_changelist", PERSON)
    assert list(response.context["cl"].result_list) == []
    assert "不记录持证主体" in response.content.decode()
    _assert_number_hidden(response, queries, PERSON)


def test_the_posted_form_keeps_the_number_out_of_every_address(records):
    """The holder form posts the number; the list it opens carries only the digests."""
    client = client_for(auditor())
    listing = reverse(RETRIEVALS)
    page = client.get(listing).content.decode()
    assert 'action="holder-search/"' in page and 'method="post"' in page
    answer = client.post(f"{listing}holder-search/", {"number": PERSON.lower()})
    assert answer.status_code == 302
    assert PERSON not in answer["Location"] and PERSON.lower() not in answer["Location"]
    assert f"holder={holder_key_of_number(PERSON)}" in answer["Location"]
    opened = client.get(answer["Location"])
    found = {row.pk for row in opened.context["cl"].result_list}
    assert found == {records["mine"].retrieval.pk, records["js"].retrieval.pk}
    refused = client.post(f"{listing}holder-search/", {"number": "3101"}, follow=True)
    assert "请输入完整的公民身份号码或统一社会信用代码" in refused.content.decode()
    assert client.get(f"{listing}holder-search/").status_code == 302  # nothing is searched by GET
