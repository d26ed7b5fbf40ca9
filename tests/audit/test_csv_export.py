"""CSV export of a filtered list: UTF-8 with a BOM, every page of it, streamed in chunks of keys."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from trust.models import EnvelopeCall
from ysj_portal import admin_records
from ysj_protocol import status

from ..trust.holders import resident_id
from .conftest import client_for
from .factories import application, auditor, integrate_log, region_admin, served

pytestmark = pytest.mark.django_db

PERSON = resident_id("31010119900307006")


@pytest.fixture
def records(regions):
    sh, js = application("app-sh", "SH"), application("app-js", "JS")
    made = [served(sh, biz_num=f"BIZ-{i}", holder_number=PERSON, operator="王五") for i in range(7)]
    made.append(served(js, biz_num="BIZ-JS", status=status.ACCESS_TOKEN_EXPIRED.code, retrieval=False))
    integrate_log()
    return made


def _export(client, name, **params):
    response = client.get(reverse(name.replace("_changelist", "_export")), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM, so that Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_export_holds_every_row_of_the_filtered_list_in_chinese(records, monkeypatch):
    monkeypatch.setattr(admin_records, "EXPORT_CHUNK", 3)  # several chunks for the few rows here
    client = client_for(auditor())
    rows = _export(client, "admin:trust_envelopecall_changelist", application="app-sh")
    header, body = rows[0], rows[1:]
    assert header[:4] == ["编号", "时间", "方向", "应用标识或对方账号"] and "业务状态" in header
    expected = list(EnvelopeCall.objects.filter(account_id="app-sh").order_by("-pk").values_list("pk", flat=True))
    assert [int(row[0]) for row in body] == expected and len(expected) == 7  # all, newest first, none twice
    assert {row[header.index("方向")] for row in body} == {"被调用"}
    assert body[0][header.index("业务状态")] == f"0 {status.OK.message}"
    refused = _export(client, "admin:trust_envelopecall_changelist", status=status.ACCESS_TOKEN_EXPIRED.code)
    assert [row[header.index("业务编号")] for row in refused[1:]] == ["BIZ-JS"]


def test_the_export_reads_in_chunks_of_keys_not_the_whole_table(records, monkeypatch):
    monkeypatch.setattr(admin_records, "EXPORT_CHUNK", 3)
    client = client_for(auditor())
    url = reverse("admin:trust_envelopecall_export")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) - 1 == EnvelopeCall.objects.count() == 8
    selects = [q["sql"] for q in queries.captured_queries if '"trust_envelopecall"' in q["sql"]]
    assert all("LIMIT" in sql for sql in selects)  # bounded reads only
    assert not any("COUNT(" in sql.upper() for sql in selects)


def test_the_export_of_retrievals_by_holder_and_of_a_region(records):
    client = client_for(auditor())
    rows = _export(client, "admin:sharing_retrieval_changelist", q=PERSON)
    assert len(rows) == 8 and rows[0][3] == "应用标识"  # the seven retrievals of the holder
    assert all(PERSON not in ",".join(row) for row in rows)
    rows = _export(client_for(region_admin("JS")), "admin:sharing_retrieval_changelist")
    assert rows[1:] == []  # JS's only call was refused: no retrieval, and SH's are not JS's
    rows = _export(client, "admin:evidence_evidenceentry_changelist", biz_num="BIZ-JS")
    assert len(rows) == 2 and rows[1][rows[0].index("应用标识")] == "app-js"


def test_the_export_needs_the_view_permission(records, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="Nobody-pass-1", is_staff=True)
    assert client_for(user).get(reverse("admin:trust_envelopecall_export")).status_code == 403
