"""Fault drills on live nodes: delay, malformed answers, down and up again. Real faults, no mocks."""

from __future__ import annotations

import httpx
import pytest

from regional_node.demo import DEMO_PERSON
from ysj_protocol import status as st
from ysj_protocol.client import ProtocolError, TransportError

from .helpers import expected_valid, post_json, search_params

SEARCH = "/api/v1/certificates/search"


def test_a_delay_makes_a_short_timeout_expire(regional_nodes):
    node = regional_nodes["AH"]
    node.set_delay(1500)
    try:
        with node.hub_client(timeout=0.3) as client, pytest.raises(TransportError):
            client.call(SEARCH, search_params(DEMO_PERSON))
        with node.hub_client(timeout=10) as client:
            assert client.call(SEARCH, search_params(DEMO_PERSON)).ok
    finally:
        node.reset()
    with node.hub_client(timeout=0.3 + 5) as client:
        assert client.call(SEARCH, search_params(DEMO_PERSON)).data["total"] == len(
            expected_valid(DEMO_PERSON, "AH")
        )


@pytest.mark.parametrize("mode", ["garbage", "bad-envelope", "no-head", "truncated"])
def test_malformed_answers_are_protocol_errors_for_the_caller(regional_nodes, mode):
    node = regional_nodes["ZJ"]
    node.set_malformed(mode)
    try:
        with node.hub_client() as client, pytest.raises(ProtocolError):
            client.call(SEARCH, search_params(DEMO_PERSON))
    finally:
        node.reset()
    with node.hub_client() as client:
        assert client.call(SEARCH, search_params(DEMO_PERSON)).ok


def test_the_drill_switch_reports_and_validates(regional_nodes):
    node = regional_nodes["JS"]
    state = httpx.get(f"{node.url}/api/v1/drills", timeout=5).json()
    assert state["delayMs"] == 0
    assert state["malformed"] == "off"
    assert "bad-envelope" in state["modes"]
    for body in ({"delayMs": -1}, {"delayMs": "soon"}, {"malformed": "explode"}, [1, 2]):
        response = post_json(f"{node.url}/api/v1/drills", body)
        assert response.status_code == 400
        assert response.json()["status"] == st.INVALID_PARAMETERS.code
    assert httpx.get(f"{node.url}/api/v1/drills", timeout=5).json()["delayMs"] == 0


def test_drills_do_not_exist_unless_enabled(solo_node):
    response = post_json(f"{solo_node.url}/api/v1/drills", {"delayMs": 1000})
    assert response.status_code == 404
    assert response.json()["head"]["status"] == st.NOT_FOUND.code


def test_a_stopped_node_refuses_connections_and_comes_back_with_its_data(regional_nodes):
    node = regional_nodes["SH"]
    port = node.port
    with node.hub_client() as client:
        before = client.call(SEARCH, search_params(DEMO_PERSON)).data
    with regional_nodes.down("SH"):
        assert not node.running
        with node.hub_client(timeout=2) as client, pytest.raises(TransportError):
            client.call(SEARCH, search_params(DEMO_PERSON))
    assert node.running
    assert node.port == port
    with node.hub_client() as client:
        assert client.call(SEARCH, search_params(DEMO_PERSON)).data == before
