"""Every served call (answered or refused) and every call made for it gets its entry, over real envelopes."""

from __future__ import annotations

import json

import pytest

from evidence import leaf
from evidence.integrate import integrate
from evidence.models import EntryKind, EvidenceEntry, PendingEntry
from regional_node.demo import DEMO_PERSON
from sharing.holders import holder_key
from trust.models import EnvelopeCall

from ..sharing.conftest import make_caller
from ..trust.factories import call, registered_app

pytestmark = pytest.mark.django_db(transaction=True)

REGISTER = "/api/v1/trust/apps/register"


def _leaves(kind: str) -> list[dict]:
    return [leaf.decode(bytes(row.leaf)) for row in PendingEntry.objects.order_by("id")
            if leaf.decode(bytes(row.leaf))["kind"] == kind]


def _register_params(app, secret: str, **changes) -> dict:
    return {"appId": app.app_id, "appSecret": secret, "corpName": app.corp_name, "corpCode": app.corp_code} | changes


def test_an_access_token_is_handed_out_with_its_entry(http) -> None:
    app, secret = registered_app("app-evidence-reg", region="JS")
    answer = call(http, REGISTER, _register_params(app, secret), account=app.app_id)
    assert answer.status == "0"
    (served,) = _leaves(EntryKind.SERVED)
    assert served["application"] == "app-evidence-reg" and served["region"] == "JS"
    assert served["endpoint"] == REGISTER and served["status"] == "0" and served["httpStatus"] == 200
    record = EnvelopeCall.objects.get(endpoint=REGISTER)
    assert served["requestDigest"] == record.request_digest and served["responseDigest"] == record.response_digest
    assert served["requestId"] == record.request_id
    integrate()
    entry = EvidenceEntry.objects.get()
    assert entry.call_id == record.pk and entry.application == "app-evidence-reg" and entry.status_code == "0"


def test_a_refused_call_is_recorded_with_its_entry(http) -> None:
    app, secret = registered_app("app-evidence-bad")
    answer = call(http, REGISTER, _register_params(app, "wrong-secret"), account=app.app_id)
    assert answer.status == "2034"
    (served,) = _leaves(EntryKind.SERVED)
    assert served["status"] == "2034" and served["application"] == "app-evidence-bad"
    assert EnvelopeCall.objects.get(endpoint=REGISTER).status_code == "2034"


def test_a_call_from_an_unknown_account_is_recorded_with_its_claim(http) -> None:
    answer = http.post(REGISTER, content=json.dumps({"head": {"accountId": "nobody"}, "encryptData": "04AB"}),
                       headers={"Content-Type": "application/json; charset=utf-8"})
    assert answer.json()["head"]["status"] == "1003"
    (served,) = _leaves(EntryKind.SERVED)
    assert served["account"] == "nobody" and served["application"] == "" and served["status"] == "1003"


def test_a_search_and_its_region_calls_are_entries(live_server, live_regions, regional_nodes, clean_log) -> None:
    caller = make_caller(live_server, "app-evidence-search")
    try:
        response = caller.search()
    finally:
        caller.client.close()
    assert response.ok, response.message
    (served,) = _leaves(EntryKind.SERVED)
    made = _leaves(EntryKind.MADE)
    holder = holder_key(DEMO_PERSON.code_type, DEMO_PERSON.code)
    assert served["holder"] == holder and served["operator"] == "王五" and served["scenario"] == "SC-ALL"
    assert served["application"] == "app-evidence-search" and served["bizNum"] == "BIZ-2024-0001"
    assert {m["region"] for m in made} == {"SH", "JS", "ZJ", "AH"}
    assert all(m["holder"] == holder and m["application"] == "app-evidence-search" and m["direction"] == "out"
               for m in made)
    # The digests of the hub's calls are the ones each node computed of the same bytes.
    node = regional_nodes["JS"]
    (js,) = [m for m in made if m["region"] == "JS"]
    script = (
        "from regional_node.exchange.models import CallLog;"
        f"row = CallLog.objects.filter(direction='in', request_id='{js['requestId']}').first();"
        "print('DIGESTS', row.request_digest, row.response_digest)"
    )
    output = node.manage("shell", "-c", script)
    _, request_digest, response_digest = next(line for line in output.splitlines() if line.startswith("DIGESTS")).split()
    assert (js["requestDigest"], js["responseDigest"]) == (request_digest, response_digest)
    integrate()
    assert EvidenceEntry.objects.filter(kind=EntryKind.MADE, request_digest=request_digest, region="JS").exists()
