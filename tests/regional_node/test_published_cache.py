"""The published catalog and scenario lists are cached in each process of the node; a publication
takes effect on the very next call in every process, and the node's persistent database
connections see what other processes write.

The node here runs two gunicorn workers. Every call goes over a new connection, so the calls of
each phase spread over both workers (which worker accepts a connection is up to the kernel:
sixteen calls reach both all but once in thirty thousand runs).
"""

from __future__ import annotations

import uuid

import pytest

from regional_node.demo import DEMO_PERSON, VALID, certificates_of
from ysj_protocol import status as st
from ysj_protocol.client import StatusError

from ..regional import make_node
from .helpers import audit, next_sequence, publication, publish_scenario, search_params

SEARCH = "/api/v1/certificates/search"
STATUS = "/api/v1/certificates/status"
PUBLICATIONS = "/api/v1/publications"
CALLS = 16


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, node_template):
    node = make_node(
        "SH",
        node_template,
        tmp_path_factory.mktemp("two-workers"),
        workers=2,
        NODE_DRILLS="0",
        NODE_ENFORCE_SCENARIOS="1",
    )
    node.start()
    yield node
    node.stop()


def _each_call(node, path: str, params: dict) -> list[dict | StatusError]:
    """The same call ``CALLS`` times, each over a new connection: answers, or refusals."""
    outcomes: list[dict | StatusError] = []
    for _ in range(CALLS):
        with node.hub_client() as client:
            try:
                outcomes.append(client.call(path, params).data)
            except StatusError as refused:
                outcomes.append(refused)
    return outcomes


def _publish(node, code: str, *, action: str = "publish", **payload: str) -> None:
    message = publication(next_sequence(node), code, action=action, payload=payload)
    with node.hub_client() as client:
        assert client.call(PUBLICATIONS, message).data["applied"] is True


def test_a_catalog_entry_takes_effect_and_is_withdrawn_on_the_very_next_call(two_workers):
    node = two_workers
    shared = f"SHARED-{uuid.uuid4().hex[:12]}"
    id_card = next(
        c for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111" and c.status == VALID
    )
    publish_scenario(node, "C-CACHE", [shared])
    params = {**search_params(DEMO_PERSON, [shared]), "audit": audit(itemCode="C-CACHE")}
    # Every worker learns that the region knows no such code.
    assert [a["total"] for a in _each_call(node, SEARCH, params)] == [0] * CALLS

    _publish(node, shared, certificateType="居民身份证", certificateTypeCode=shared)
    found = _each_call(node, SEARCH, params)
    assert [[(i["certificateRef"], i["certificateTypeCode"]) for i in a["dataList"]] for a in found] == [
        [(id_card.ref, shared)]
    ] * CALLS

    _publish(node, shared, action="withdraw", certificateType="居民身份证", certificateTypeCode=shared)
    assert [a["total"] for a in _each_call(node, SEARCH, params)] == [0] * CALLS


def test_a_scenario_list_update_and_withdrawal_take_effect_on_the_very_next_call(two_workers):
    node = two_workers
    item = f"L-{uuid.uuid4().hex[:12]}"
    wide = {**search_params(DEMO_PERSON, ["111", "112"]), "audit": audit(itemCode=item)}
    publish_scenario(node, item, ["111"])
    refused = _each_call(node, SEARCH, wide)
    assert [getattr(r, "status", None) for r in refused] == [st.CERTIFICATE_TYPE_NOT_IN_SCENARIO.code] * CALLS

    publish_scenario(node, item, ["111", "112"], action="update")
    assert all(isinstance(a, dict) and a["total"] >= 1 for a in _each_call(node, SEARCH, wide))

    publish_scenario(node, item, ["111", "112"], action="withdraw")
    refused = _each_call(node, SEARCH, wide)
    assert [getattr(r, "status", None) for r in refused] == [st.SCENARIO_NOT_FOUND.code] * CALLS


def test_a_duplicate_delivery_still_answers_duplicate(two_workers):
    node = two_workers
    message = publication(next_sequence(node), f"DUP-{uuid.uuid4().hex[:8]}")
    with node.hub_client() as client:
        assert client.call(PUBLICATIONS, message).data["duplicate"] is False
    marker = node.data_dir / "published.marker"
    size = marker.stat().st_size
    with node.hub_client() as client:
        assert client.call(PUBLICATIONS, message).data == {
            "accepted": True,
            "duplicate": True,
            "applied": True,
        }
    # A repeated publication moves the marker again: the process that stored it may have stopped
    # before it could.
    assert marker.stat().st_size > size


def test_writes_of_other_processes_are_seen_on_persistent_connections(two_workers):
    node = two_workers
    certificate = [c for c in certificates_of(DEMO_PERSON, "SH") if c.status == VALID][-1]
    params = {"certificateRef": certificate.ref}
    # Every worker's threads hold a connection that has read the certificate as valid.
    assert _each_call(node, STATUS, params) == [{"status": "valid"}] * CALLS
    node.manage("set_certificate_status", "--ref", certificate.ref, "--status", "revoked")
    try:
        assert _each_call(node, STATUS, params) == [{"status": "revoked"}] * CALLS
    finally:
        node.manage("set_certificate_status", "--ref", certificate.ref, "--status", "valid")
