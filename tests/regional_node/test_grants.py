"""The node's trust proxy (10.1 d, 10.2 b): no provider call is answered without a grant it can check.

Every refusal over real HTTP and real envelopes: no grant (2041), a forged or altered one (2042),
an expired one (2043), one used twice, also across the node's processes (2044), and one that does
not cover what is asked (2045).
"""

from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from regional_node.demo import DEMO_COMPANY, DEMO_PERSON, VALID, certificates_of
from ysj_protocol import grants
from ysj_protocol import status as st
from ysj_protocol.client import StatusError
from ysj_protocol.crypto import sm2
from ysj_protocol.envelope import open_response, seal_request

from ..keys import hub_key
from ..regional import HUB_ACCOUNT_ID, make_node, mint_grant
from .helpers import JSON_TYPE, audit, search_params

SEARCH = "/api/v1/certificates/search"
INFO = "/api/v1/certificates/info"
FILE = "/api/v1/certificates/file"
STATUS = "/api/v1/certificates/status"


def refused(node: Any, path: str, params: dict[str, Any]) -> StatusError:
    with node.hub_client() as client, pytest.raises(StatusError) as caught:
        client.call(path, params)
    return caught.value


def sh_id_card() -> Any:
    return next(c for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111" and c.status == VALID)


def resigned(grant: dict[str, Any], key: sm2.PrivateKey | None = None, **changes: Any) -> dict[str, Any]:
    """The grant with ``changes``, signed again (by the trust service's key unless ``key``)."""
    changed = {**grant, **changes}
    changed["signature"] = sm2.sign(key or hub_key(), grants.signing_bytes(changed)).hex().upper()
    return changed


# ---------------------------------------------------------------- granted calls are answered
def test_a_granted_call_is_answered_and_its_nonce_kept(regional_nodes):
    node = regional_nodes["SH"]
    params = search_params(DEMO_PERSON)
    params["grant"] = mint_grant("SH", SEARCH, params)
    with node.hub_client() as client:
        assert client.call(SEARCH, params).data["total"] >= 1
    with sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10) as connection:
        rows = connection.execute(
            "SELECT COUNT(*) FROM node_exchange_seengrant WHERE nonce = ?", (params["grant"]["nonce"],)
        ).fetchone()
    assert rows == (1,)


# ---------------------------------------------------------------- 2041 missing
@pytest.mark.parametrize(
    ("path", "params"),
    [
        (SEARCH, search_params(DEMO_PERSON)),
        (INFO, {"certificateRef": "0" * 32, "audit": audit()}),
        (FILE, {"certificateRef": "0" * 32, "fileFormat": "PDF", "audit": audit()}),
        (STATUS, {"certificateRef": "0" * 32}),
    ],
    ids=["search", "info", "file", "status"],
)
def test_a_call_without_a_grant_is_refused(regional_nodes, path, params):
    error = refused(regional_nodes["SH"], path, {**params, "grant": None})
    assert error.status == st.GRANT_MISSING.code
    assert error.http_status == 401


# ---------------------------------------------------------------- 2042 invalid
def test_a_grant_signed_by_another_key_is_refused(regional_nodes):
    params = search_params(DEMO_PERSON)
    params["grant"] = mint_grant("SH", SEARCH, params, key=sm2.PrivateKey.generate())
    assert refused(regional_nodes["SH"], SEARCH, params).status == st.GRANT_INVALID.code


def test_a_grant_altered_after_signing_is_refused(regional_nodes):
    params = search_params(DEMO_PERSON, ["111"])
    grant = mint_grant("SH", SEARCH, params)
    params["grant"] = {**grant, "certificateTypeCodes": ["111", "112"]}
    params["certificateTypeCodes"] = ["111", "112"]
    assert refused(regional_nodes["SH"], SEARCH, params).status == st.GRANT_INVALID.code


@pytest.mark.parametrize(
    "damage",
    [
        lambda g: {k: v for k, v in g.items() if k != "nonce"},
        lambda g: {**g, "extra": "x"},
        lambda g: {**g, "signature": "not hex"},
        lambda g: {**g, "iat": str(g["iat"])},
        lambda g: "a grant as text",
    ],
    ids=["missing-field", "extra-field", "bad-signature-text", "text-time", "not-an-object"],
)
def test_a_malformed_grant_is_refused(regional_nodes, damage):
    params = search_params(DEMO_PERSON)
    params["grant"] = damage(mint_grant("SH", SEARCH, params))
    assert refused(regional_nodes["SH"], SEARCH, params).status == st.GRANT_INVALID.code


# ---------------------------------------------------------------- 2043 expired
@pytest.mark.parametrize(
    "offset",
    [-120, 120],  # issued two minutes ago (lived 30 s), or "in two minutes" (not yet valid)
    ids=["expired", "not-yet-valid"],
)
def test_an_expired_or_future_grant_is_refused(regional_nodes, offset):
    params = search_params(DEMO_PERSON)
    params["grant"] = mint_grant("SH", SEARCH, params, now=time.time() + offset)
    error = refused(regional_nodes["SH"], SEARCH, params)
    assert error.status == st.GRANT_EXPIRED.code


def test_a_grant_living_longer_than_sixty_seconds_is_refused_even_if_signed(regional_nodes):
    params = search_params(DEMO_PERSON)
    grant = mint_grant("SH", SEARCH, params)
    params["grant"] = resigned(grant, exp=grant["iat"] + 3600)
    assert refused(regional_nodes["SH"], SEARCH, params).status == st.GRANT_EXPIRED.code


# ---------------------------------------------------------------- 2044 replayed
def test_a_grant_used_twice_is_refused_the_second_time(regional_nodes):
    node = regional_nodes["SH"]
    certificate = sh_id_card()
    params = {"certificateRef": certificate.ref, "audit": audit()}
    params["grant"] = mint_grant("SH", INFO, params)
    with node.hub_client() as client:
        assert client.call(INFO, params).ok
    assert refused(node, INFO, params).status == st.GRANT_REPLAYED.code


@pytest.fixture(scope="module")
def two_process_node(tmp_path_factory, node_template):
    node = make_node("JS", node_template, tmp_path_factory.mktemp("grant-node"), workers=2)
    node.start()
    yield node
    node.stop()


def test_a_grant_replayed_concurrently_is_answered_once_across_processes(two_process_node):
    node = two_process_node
    params = search_params(DEMO_PERSON)
    params["grant"] = mint_grant("JS", SEARCH, params)
    body = json.dumps(seal_request(HUB_ACCOUNT_ID, params, node.public_key), ensure_ascii=False).encode()

    def post(_: int) -> str:
        # A new connection each time, so that both gunicorn processes take some of them.
        response = httpx.post(node.url + SEARCH, content=body, headers={"Content-Type": JSON_TYPE}, timeout=30)
        return open_response(response.json(), hub_key()).status

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(post, range(16)))
    assert statuses.count(st.OK.code) == 1
    assert statuses.count(st.GRANT_REPLAYED.code) == 15


# ---------------------------------------------------------------- 2045 outside the grant
def _search_outside(**grant_changes: Any) -> dict[str, Any]:
    params = search_params(DEMO_PERSON, ["111"])
    params["grant"] = mint_grant("SH", SEARCH, params, **grant_changes)
    return params


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda: _search_outside(types=["111"]) | {"certificateTypeCodes": ["111", "112"]}, "证照类型 112"),
        (lambda: _search_outside(holder=(DEMO_COMPANY.code_type, DEMO_COMPANY.code)), "持证主体"),
        (lambda: _search_outside(holder=None), "持证主体"),
        (lambda: _search_outside(app_id="app-else"), "audit.appId"),
        (lambda: _search_outside(item_code="YSJ-QD-9999"), "audit.itemCode"),
        (lambda: _search_outside(biz_num="BIZ-ELSE"), "audit.bizNum"),
        (lambda: _search_outside(region="JS"), "本地区"),
        (lambda: _search_outside(call="info"), "本接口"),
    ],
    ids=["types", "other-holder", "no-holder", "appId", "itemCode", "bizNum", "other-region", "other-call"],
)
def test_a_search_asking_beyond_its_grant_is_refused(regional_nodes, make, why):
    params = make()
    error = refused(regional_nodes["SH"], SEARCH, params)
    assert error.status == st.GRANT_EXCEEDED.code
    assert error.http_status == 403
    assert why in error.message


def test_info_of_a_certificate_whose_type_is_not_granted_is_refused(regional_nodes):
    certificate = sh_id_card()
    params = {"certificateRef": certificate.ref, "audit": audit()}
    params["grant"] = mint_grant("SH", INFO, params, types=["112", "11200000000013127D001"])
    error = refused(regional_nodes["SH"], INFO, params)
    assert error.status == st.GRANT_EXCEEDED.code
    assert "类型" in error.message


def test_the_shared_code_of_a_certificate_is_granted_as_well_as_its_own(regional_nodes):
    from catalog.demo import ENTRIES

    shared = next(code for code, name, *_ in ENTRIES if name == "居民身份证")
    certificate = sh_id_card()
    params = {"certificateRef": certificate.ref, "audit": audit()}
    params["grant"] = mint_grant("SH", INFO, params, types=[shared])
    with regional_nodes["SH"].hub_client() as client:
        assert client.call(INFO, params).data["certificateNumber"] == certificate.number


def test_a_grant_for_one_certificate_does_not_open_another(regional_nodes):
    mine, other = [c for c in certificates_of(DEMO_PERSON, "SH") if c.status == VALID][:1] + [
        c for c in certificates_of(DEMO_COMPANY, "SH") if c.status == VALID
    ][:1]
    params = {"certificateRef": other.ref, "fileFormat": "PDF", "audit": audit()}
    params["grant"] = mint_grant("SH", FILE, {**params, "certificateRef": mine.ref})
    assert refused(regional_nodes["SH"], FILE, params).status == st.GRANT_EXCEEDED.code


def test_a_grant_naming_a_holder_opens_only_their_certificates(regional_nodes):
    certificate = sh_id_card()
    params = {"certificateRef": certificate.ref, "audit": audit()}
    params["grant"] = mint_grant("SH", INFO, params, holder=(DEMO_COMPANY.code_type, DEMO_COMPANY.code))
    assert refused(regional_nodes["SH"], INFO, params).status == st.GRANT_EXCEEDED.code
    params["grant"] = mint_grant("SH", INFO, params, holder=(DEMO_PERSON.code_type, DEMO_PERSON.code))
    with regional_nodes["SH"].hub_client() as client:
        assert client.call(INFO, params).ok


def test_status_by_face_number_is_limited_to_the_granted_types(regional_nodes):
    certificate = sh_id_card()
    params = {"certificateNumber": certificate.number, "certificateTypeCode": "111"}
    params["grant"] = mint_grant("SH", STATUS, params, types=["112"])
    assert refused(regional_nodes["SH"], STATUS, params).status == st.GRANT_EXCEEDED.code


def test_publications_need_no_grant_they_are_signed_themselves(regional_nodes):
    from .helpers import next_sequence, publication

    node = regional_nodes["AH"]
    with node.hub_client(grants=False) as client:
        assert client.call("/api/v1/publications", publication(next_sequence(node), "GRANT-FREE")).data["accepted"]
