"""What a node keeps of each provider call, read from its database: one disclosure row per
certificate it disclosed (证照提供记录) and one call-log row per call, both written before the answer
leaves."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid

import pytest

from regional_node.demo import DEMO_PERSON, VALID, certificates_of
from ysj_protocol import status as st
from ysj_protocol.client import StatusError
from ysj_protocol.records import CallRecord

from .helpers import audit, search_params

SEARCH = "/api/v1/certificates/search"
INFO = "/api/v1/certificates/info"
FILE = "/api/v1/certificates/file"
STATUS = "/api/v1/certificates/status"


def _rows(node, sql: str, *params: object) -> list[sqlite3.Row]:
    with contextlib.closing(sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10)) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(sql, params).fetchall()


def _disclosures(node, request_id: str) -> list[sqlite3.Row]:
    return _rows(
        node,
        "SELECT d.*, c.ref FROM node_certificates_disclosure d"
        " JOIN node_certificates_certificate c ON c.id = d.certificate_id WHERE d.request_id = ? ORDER BY d.id",
        request_id,
    )


def _call(node, path: str, params: dict) -> tuple[str, CallRecord, dict | StatusError]:
    """Call as the hub; the request ID, the hub's own record of the call, and the answer or refusal."""
    request_id = uuid.uuid4().hex
    made: list[CallRecord] = []
    with node.hub_client() as client:
        client.recorder = made.append
        try:
            outcome: dict | StatusError = client.call(path, params, request_id=request_id).data
        except StatusError as refused:
            outcome = refused
    return request_id, made[0], outcome


def _assert_logged(node, request_id: str, made: CallRecord, path: str, http_status: int, code: str) -> None:
    (row,) = _rows(node, "SELECT * FROM node_exchange_calllog WHERE request_id = ?", request_id)
    assert (row["direction"], row["account_id"], row["endpoint"]) == ("in", "ysj-hub", path)
    assert (row["http_status"], row["status_code"]) == (http_status, code)
    # The node digests exactly the bytes the hub sent and received.
    assert (row["request_digest"], row["response_digest"]) == (made.request_digest, made.response_digest)
    assert row["created_at"] and row["latency_ms"] > 0


def test_a_search_records_every_certificate_it_discloses(regional_nodes):
    node = regional_nodes["SH"]
    the_audit = audit()
    request_id, made, answer = _call(node, SEARCH, {**search_params(DEMO_PERSON), "audit": the_audit})
    rows = _disclosures(node, request_id)
    assert [r["ref"] for r in rows] == [i["certificateRef"] for i in answer["dataList"]]
    assert len(rows) >= 2
    for row in rows:
        assert row["action"] == "search"
        assert (row["app_id"], row["item_code"], row["item_org"]) == (
            the_audit["appId"],
            the_audit["itemCode"],
            the_audit["itemOrg"],
        )
        assert (row["operator"], row["use_for"], row["biz_num"]) == (
            the_audit["operator"],
            the_audit["useFor"],
            the_audit["bizNum"],
        )
        assert row["created_at"]
    _assert_logged(node, request_id, made, SEARCH, 200, st.OK.code)


def test_a_search_that_finds_nothing_discloses_nothing(regional_nodes):
    node = regional_nodes["JS"]
    holder = {**DEMO_PERSON.as_holder(), "name": "别人"}
    request_id, made, answer = _call(node, SEARCH, {**search_params(DEMO_PERSON), "holder": holder})
    assert answer["total"] == 0
    assert _disclosures(node, request_id) == []
    _assert_logged(node, request_id, made, SEARCH, 200, st.OK.code)


@pytest.mark.parametrize("path", [INFO, FILE])
def test_info_and_file_record_the_certificate(regional_nodes, path):
    node = regional_nodes["ZJ"]
    certificate = next(c for c in certificates_of(DEMO_PERSON, "ZJ") if c.status == VALID)
    params = {"certificateRef": certificate.ref, "audit": audit()}
    if path == FILE:
        params["fileFormat"] = "PDF"
    request_id, made, answer = _call(node, path, params)
    assert [(r["ref"], r["action"]) for r in _disclosures(node, request_id)] == [
        (certificate.ref, "info" if path == INFO else "file")
    ]
    _assert_logged(node, request_id, made, path, 200, st.OK.code)
    if path == FILE:
        tickets = _rows(
            node,
            "SELECT * FROM node_certificates_downloadticket WHERE biz_num = ?",
            params["audit"]["bizNum"],
        )
        assert len(tickets) == 1 and tickets[0]["used_at"] is None
        assert answer["downloadUrl"].startswith(node.url)


def test_status_and_refusals_are_logged_without_disclosure(regional_nodes):
    node = regional_nodes["AH"]
    certificate = certificates_of(DEMO_PERSON, "AH")[0]
    request_id, made, answer = _call(node, STATUS, {"certificateRef": certificate.ref})
    assert answer == {"status": certificate.status}
    assert _disclosures(node, request_id) == []
    _assert_logged(node, request_id, made, STATUS, 200, st.OK.code)

    request_id, made, refused = _call(node, INFO, {"certificateRef": "no-such-ref", "audit": audit()})
    assert isinstance(refused, StatusError) and refused.status == st.CERTIFICATE_NOT_FOUND.code
    assert _disclosures(node, request_id) == []
    _assert_logged(node, request_id, made, INFO, refused.http_status, st.CERTIFICATE_NOT_FOUND.code)
