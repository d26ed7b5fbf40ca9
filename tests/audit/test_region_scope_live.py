"""Who sees the records of a real fused search: the caller's region all of them, a called region its own.

A JS application searches through the live hub, which asks the four live regional nodes; a ZJ
application does the same. The demo administrators (``scenarios.demo``) then browse the records:
a region sees a row when it is the caller's region, the relaying region, or the region that was
called or served the data (``ysj_portal.audit``).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.models import EvidenceEntry
from scenarios.demo import ADMINS, DEMO_PASSWORD, administrators
from sharing.models import Retrieval
from trust.models import EnvelopeCall

from ..evidence.conftest import clean_log  # noqa: F401 - the log's rows removed after each test
from ..factories import ApplicationFactory
from ..sharing.conftest import AppCaller, hub, make_caller  # noqa: F401 - fixture of the live hub
from .factories import integrate_log

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_log")]

SEARCH = "/api/v1/certificates/search"
FILE_PATH = "/api/v1/certificates/file"
LISTS = {
    EnvelopeCall: "admin:trust_envelopecall_changelist",
    Retrieval: "admin:sharing_retrieval_changelist",
    EvidenceEntry: "admin:evidence_evidenceentry_changelist",
}


def _caller(hub: Any, live_regions: dict, app_id: str, code: str) -> AppCaller:  # noqa: F811
    ApplicationFactory(app_id=app_id, region=live_regions[code])
    return make_caller(hub, app_id)


def _admin(code: str) -> Client:
    client = Client()
    assert client.login(username=ADMINS[code], password=DEMO_PASSWORD)
    return client


def _listed(client: Client, model: type) -> set[int]:
    response = client.get(reverse(LISTS[model]))
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def _call_entries(client: Client) -> set[int]:
    """The calls whose evidence entries the list shows (its governance entries aside)."""
    listed = _listed(client, EvidenceEntry)
    return set(EvidenceEntry.objects.filter(pk__in=listed, call__isnull=False).values_list("call", flat=True))


def _search(caller: AppCaller, request_id: str) -> None:
    response = caller.client.call(
        SEARCH,
        {
            "useFor": "办理户籍迁移",
            "itemName": "户籍迁移",
            "itemCode": "SC-ALL",
            "itemOrg": "江苏省政务服务中心",
            "operator": "王五",
            "bizNum": f"BIZ-{request_id}",
            "trustedToken": caller.session.trusted_token,
        },
        head={"accessToken": caller.session.access_token},
        check=False,
        request_id=request_id,
    )
    assert response.ok, response.message


def _made(request_id: str) -> dict[str, int]:
    """The calls the hub made to the regions for ``request_id``, by region code."""
    rows = EnvelopeCall.objects.filter(direction="out", endpoint=SEARCH, request_id=request_id)
    return dict(rows.values_list("account_id", "pk"))


@pytest.fixture
def searched(hub, live_regions) -> dict[str, Any]:  # noqa: F811
    administrators()
    js, zj = _caller(hub, live_regions, "app-js-live", "JS"), _caller(hub, live_regions, "app-zj-live", "ZJ")
    try:
        _search(js, "js-search-1")
        _search(zj, "zj-search-1")
    finally:
        js.client.close()
        zj.client.close()
    integrate_log()
    return {
        "js_served": EnvelopeCall.objects.get(direction="in", request_id="js-search-1").pk,
        "js_made": _made("js-search-1"),
        "zj_served": EnvelopeCall.objects.get(direction="in", request_id="zj-search-1").pk,
        "zj_made": _made("zj-search-1"),
    }


def test_the_called_region_sees_the_call_made_to_it_and_no_other(searched):
    js_made, zj_made = searched["js_made"], searched["zj_made"]
    assert set(js_made) == set(zj_made) == {"SH", "JS", "ZJ", "AH"}  # the fan-out asked every region
    made = EnvelopeCall.objects.get(pk=js_made["SH"])
    assert made.application == "app-js-live" and made.account_id == "SH"
    sh = _admin("SH")
    # The call to SH for JS's application and for ZJ's: neither application's own call, nor its calls to ZJ.
    assert _listed(sh, EnvelopeCall) == {js_made["SH"], zj_made["SH"]}
    assert _call_entries(sh) == {js_made["SH"], zj_made["SH"]}
    # The certificate SH holds for the demo person was obtained in both searches.
    assert _listed(sh, Retrieval) == set(Retrieval.objects.values_list("pk", flat=True))


def test_the_callers_region_sees_every_call_of_its_application(searched):
    js_made, zj_made = searched["js_made"], searched["zj_made"]
    js = _admin("JS")
    own = {searched["js_served"], *js_made.values()}
    assert _listed(js, EnvelopeCall) == own | {zj_made["JS"]}  # and the call made to JS for ZJ's
    assert _call_entries(js) == own | {zj_made["JS"]}
    zj = _admin("ZJ")
    assert _listed(zj, EnvelopeCall) == {searched["zj_served"], *zj_made.values(), js_made["ZJ"]}
    # The region filter of the auditor names the same rows.
    auditor_client = Client()
    auditor_client.force_login(_superuser())
    response = auditor_client.get(reverse(LISTS[EnvelopeCall]), {"region": "JS"})
    assert {row.pk for row in response.context["cl"].result_list} == own | {zj_made["JS"]}


def test_a_file_download_call_is_seen_by_the_downloading_region_and_the_serving_one(hub, live_regions):  # noqa: F811
    administrators()
    js = _caller(hub, live_regions, "app-js-files", "JS")
    try:
        search = js.search()
        value = next(
            i["certificateID"] for i in search.data["dataList"] if i["certificateType"] == "居民身份证"
        )
        files = js.by_id("/api/v1/certificates/file/by-id", value)
        assert files.ok
        url = files.data["dataList"][0]["fileUrl"]
    finally:
        js.client.close()
    assert httpx.get(url, timeout=30).status_code == 200
    (fetched,) = EnvelopeCall.objects.filter(direction="out", endpoint=FILE_PATH)
    assert fetched.account_id == "SH" and fetched.application == "app-js-files"
    integrate_log()
    for code, sees in (("SH", True), ("JS", True), ("ZJ", False)):
        assert (fetched.pk in _listed(_admin(code), EnvelopeCall)) is sees, code


def test_the_scoped_page_costs_the_same_queries_after_more_searches(hub, live_regions):  # noqa: F811
    administrators()
    js = _caller(hub, live_regions, "app-js-count", "JS")
    client = _admin("JS")
    counts = []
    try:
        for n in range(1, 4, 2):
            while EnvelopeCall.objects.filter(direction="in").count() < n:
                _search(js, f"js-count-{EnvelopeCall.objects.filter(direction='in').count()}")
            integrate_log()
            for name in LISTS.values():
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(reverse(name)).status_code == 200
                counts.append((n, name, len(queries)))
    finally:
        js.client.close()
    first = {name: count for n, name, count in counts if n == 1}
    assert {name: count for n, name, count in counts if n == 3} == first


def _superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Root-pass-1")
