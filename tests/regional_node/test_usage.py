"""A region that enforces the scenario lists published to it (NODE_ENFORCE_SCENARIOS, the solo node)."""

from __future__ import annotations

import pytest

from regional_node.demo import DEMO_PERSON, certificates_of
from ysj_protocol import status as st
from ysj_protocol.client import StatusError

from .helpers import audit, publish_scenario, search_params

SEARCH = "/api/v1/certificates/search"
INFO = "/api/v1/certificates/info"


def _refusal(node, path, params) -> StatusError:
    with node.hub_client() as client, pytest.raises(StatusError) as refused:
        client.call(path, params)
    return refused.value


def test_a_list_never_published_to_the_region_is_refused(solo_node):
    params = {**search_params(DEMO_PERSON, ["111"]), "audit": audit(itemCode="NEVER-PUBLISHED")}
    refused = _refusal(solo_node, SEARCH, params)
    assert refused.status == st.SCENARIO_NOT_FOUND.code
    assert refused.http_status == 403


def test_only_the_types_of_the_list_are_answered(solo_node):
    publish_scenario(solo_node, "U-TYPES", ["111", "112"])
    allowed = {**search_params(DEMO_PERSON, ["111", "112"]), "audit": audit(itemCode="U-TYPES")}
    with solo_node.hub_client() as client:
        assert client.call(SEARCH, allowed).data["total"] >= 1
    too_wide = {**search_params(DEMO_PERSON, ["111", "114"]), "audit": audit(itemCode="U-TYPES")}
    refused = _refusal(solo_node, SEARCH, too_wide)
    assert refused.status == st.CERTIFICATE_TYPE_NOT_IN_SCENARIO.code
    assert "114" in refused.message


def test_info_of_a_type_outside_the_list_is_refused(solo_node):
    publish_scenario(solo_node, "U-INFO", ["112"])
    marriage = next(c for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "113")
    refused = _refusal(solo_node, INFO, {"certificateRef": marriage.ref, "audit": audit(itemCode="U-INFO")})
    assert refused.status == st.CERTIFICATE_TYPE_NOT_IN_SCENARIO.code


def test_a_list_out_of_its_validity_window_is_refused(solo_node):
    publish_scenario(
        solo_node, "U-OLD", ["111"], validStart="2020-01-01 00:00:00", validEnd="2021-01-01 00:00:00"
    )
    refused = _refusal(
        solo_node, SEARCH, {**search_params(DEMO_PERSON, ["111"]), "audit": audit(itemCode="U-OLD")}
    )
    assert refused.status == st.SCENARIO_NOT_VALID.code


def test_a_withdrawn_list_is_refused(solo_node):
    publish_scenario(solo_node, "U-GONE", ["111"])
    publish_scenario(solo_node, "U-GONE", ["111"], action="withdraw")
    refused = _refusal(
        solo_node, SEARCH, {**search_params(DEMO_PERSON, ["111"]), "audit": audit(itemCode="U-GONE")}
    )
    assert refused.status == st.SCENARIO_NOT_FOUND.code


def test_local_type_codes_are_found_by_the_shared_catalog_code(solo_node):
    """The region keeps 111 for its identity cards; the shared catalog calls the type 11100000000013127D001."""
    from .helpers import next_sequence, publication

    shared = "11100000000013127D001"
    with solo_node.hub_client() as client:
        client.call(
            "/api/v1/publications",
            publication(
                next_sequence(solo_node),
                shared,
                payload={"certificateType": "居民身份证", "certificateTypeCode": shared},
            ),
        )
    publish_scenario(solo_node, "U-SHARED", [shared])
    id_card = next(c for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111")
    with solo_node.hub_client() as client:
        found = client.call(
            SEARCH, {**search_params(DEMO_PERSON, [shared]), "audit": audit(itemCode="U-SHARED")}
        ).data
        info = client.call(INFO, {"certificateRef": id_card.ref, "audit": audit(itemCode="U-SHARED")}).data
        status = client.call(
            "/api/v1/certificates/status",
            {"certificateNumber": id_card.number, "certificateTypeCode": shared},
        ).data
    assert [(i["certificateRef"], i["certificateTypeCode"]) for i in found["dataList"]] == [
        (id_card.ref, shared)
    ]
    assert info["certificateNumber"] == id_card.number
    assert status == {"status": "valid"}
