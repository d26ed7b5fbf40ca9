"""Publications from the hub (6.1 a): signature, idempotency, sequence order per object."""

from __future__ import annotations

import json

import pytest

from ysj_protocol import status as st
from ysj_protocol.client import StatusError

from ..keys import key_for
from .helpers import next_sequence, publication

PUBLICATIONS = "/api/v1/publications"


def _state(node) -> dict:
    return json.loads(node.manage("list_published"))


def _entry(node, kind: str, code: str) -> dict | None:
    return next((e for e in _state(node)["entries"] if e["kind"] == kind and e["code"] == code), None)


def test_a_publication_is_applied_once(regional_nodes):
    node = regional_nodes["JS"]
    seq = next_sequence(node)
    message = publication(seq, "A101")
    with node.hub_client() as client:
        first = client.call(PUBLICATIONS, message).data
        again = client.call(PUBLICATIONS, message).data
    assert first == {"accepted": True, "duplicate": False, "applied": True}
    assert again["duplicate"] is True
    entry = _entry(node, "catalog", "A101")
    assert entry["sequence"] == seq
    assert entry["payload"] == message["payload"]
    assert [p["sequence"] for p in _state(node)["publications"]].count(seq) == 1


def test_an_older_sequence_never_overwrites_a_newer_one(regional_nodes):
    node = regional_nodes["ZJ"]
    seq = next_sequence(node)
    newer = publication(
        seq + 1,
        "S-ORDER",
        kind="scenario",
        action="update",
        payload={"itemName": "新名称", "itemCode": "S-ORDER", "dataList": []},
    )
    older = publication(
        seq,
        "S-ORDER",
        kind="scenario",
        action="publish",
        payload={"itemName": "旧名称", "itemCode": "S-ORDER", "dataList": []},
    )
    with node.hub_client() as client:
        assert client.call(PUBLICATIONS, newer).data["applied"] is True
        late = client.call(PUBLICATIONS, older).data
    assert late == {"accepted": True, "duplicate": False, "applied": False}
    entry = _entry(node, "scenario", "S-ORDER")
    assert entry["sequence"] == seq + 1
    assert entry["payload"]["itemName"] == "新名称"


def test_a_withdrawal_marks_the_entry_withdrawn(regional_nodes):
    node = regional_nodes["AH"]
    seq = next_sequence(node)
    with node.hub_client() as client:
        client.call(PUBLICATIONS, publication(seq, "W-1"))
        client.call(PUBLICATIONS, publication(seq + 1, "W-1", action="withdraw"))
    assert _entry(node, "catalog", "W-1")["withdrawn"] is True


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m: {**m, "signature": publication(1, key=key_for("not-the-hub"))["signature"]},
        lambda m: {**m, "code": "B999"},
        lambda m: {**m, "payload": {**m["payload"], "shareEnd": "2099-12-31"}},
        lambda m: {**m, "signature": "00" * 64},
    ],
    ids=["foreign-key", "code-changed", "payload-changed", "zero-signature"],
)
def test_a_publication_not_signed_by_the_hub_is_refused(regional_nodes, tamper):
    node = regional_nodes["SH"]
    message = tamper(publication(next_sequence(node), "B101"))
    with node.hub_client() as client, pytest.raises(StatusError) as refused:
        client.call(PUBLICATIONS, message)
    assert refused.value.status == st.INVALID_PARAMETERS.code
    assert refused.value.http_status == 400
    assert _entry(node, "catalog", message["code"]) is None


def test_a_sequence_reused_by_another_publication_is_refused(regional_nodes):
    node = regional_nodes["SH"]
    seq = next_sequence(node)
    with node.hub_client() as client:
        client.call(PUBLICATIONS, publication(seq, "C101"))
        with pytest.raises(StatusError) as refused:
            client.call(PUBLICATIONS, publication(seq, "C102"))
    assert refused.value.status == st.INVALID_PARAMETERS.code
    assert "sequence" in refused.value.message
    assert _entry(node, "catalog", "C102") is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"publicationId": "not-a-uuid"}, "publicationId"),
        ({"sequence": 0}, "sequence"),
        ({"kind": "other"}, "kind"),
        ({"action": "delete"}, "action"),
        ({"publishedAt": "2025/03/01 09:30"}, "publishedAt"),
        ({"payload": ["not", "an", "object"]}, "payload"),
        ({"signature": "xyz"}, "signature"),
    ],
)
def test_malformed_publications_name_the_field(regional_nodes, change, field):
    message = {**publication(next_sequence(regional_nodes["SH"]), "D101"), **change}
    with regional_nodes["SH"].hub_client() as client, pytest.raises(StatusError) as refused:
        client.call(PUBLICATIONS, message)
    assert refused.value.status == st.INVALID_PARAMETERS.code
    assert field in refused.value.message


def test_the_payload_must_name_the_published_object(regional_nodes):
    message = publication(
        next_sequence(regional_nodes["SH"]),
        "E101",
        payload={"certificateType": "营业执照", "certificateTypeCode": "311"},
    )
    with regional_nodes["SH"].hub_client() as client, pytest.raises(StatusError) as refused:
        client.call(PUBLICATIONS, message)
    assert "certificateTypeCode" in refused.value.message
