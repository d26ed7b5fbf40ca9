"""Bad input at the node: every case answered with its documented head.status and HTTP status, never a 500."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from regional_node.demo import DEMO_PERSON
from ysj_protocol import status as st
from ysj_protocol.client import StatusError
from ysj_protocol.crypto import sm2
from ysj_protocol.envelope import open_response, seal_request

from ..keys import hub_key, key_for
from ..regional import mint_grant
from .helpers import audit, post_json, post_raw, search_params

SEARCH = "/api/v1/certificates/search"


def _sealed(node, params, *, account="ysj-hub", key=None):
    return seal_request(account, params, key or node.public_key)


def _head(response: httpx.Response) -> dict:
    return response.json()["head"]


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"not json", "application/json; charset=utf-8", st.MALFORMED_ENVELOPE),
        (b"", "application/json; charset=utf-8", st.MALFORMED_ENVELOPE),
        (b"[1, 2]", "application/json; charset=utf-8", st.MALFORMED_ENVELOPE),
        (b'{"encryptData": "04AB"}', "application/json; charset=utf-8", st.MALFORMED_ENVELOPE),
        (b'{"head": {}, "encryptData": "04AB"}', "application/json; charset=utf-8", st.MISSING_ACCOUNT),
        (b'{"head": {"accountId": "ysj-hub"}}', "application/json; charset=utf-8", st.MALFORMED_ENVELOPE),
        (
            b'{"head": {"accountId": "intruder"}, "encryptData": "04AB"}',
            "application/json; charset=utf-8",
            st.UNKNOWN_ACCOUNT,
        ),
        (
            b'{"head": {"accountId": "ysj-hub"}, "encryptData": "not hex!"}',
            "application/json; charset=utf-8",
            st.BAD_HEX,
        ),
        (
            b'{"head": {"accountId": "ysj-hub"}, "encryptData": "04AB"}',
            "text/plain",
            st.UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            b'{"head": {"accountId": "ysj-hub"}, "encryptData": "04AB"}',
            "application/json; charset=gbk",
            st.UNSUPPORTED_MEDIA_TYPE,
        ),
    ],
)
def test_envelope_faults(regional_nodes, body, content_type, expected):
    response = post_raw(regional_nodes["SH"].url + SEARCH, body, content_type)
    assert response.status_code == expected.http_status
    assert _head(response)["status"] == expected.code
    assert "encryptData" not in response.json() or expected is not st.UNKNOWN_ACCOUNT


def test_a_stranger_is_answered_without_encryption(regional_nodes):
    node = regional_nodes["SH"]
    response = post_json(node.url + SEARCH, _sealed(node, search_params(DEMO_PERSON), account="app-stranger"))
    assert response.status_code == 401
    assert response.json() == {
        "head": {"status": st.UNKNOWN_ACCOUNT.code, "message": st.UNKNOWN_ACCOUNT.message}
    }


def test_a_request_encrypted_for_another_region_cannot_be_read(regional_nodes):
    node = regional_nodes["SH"]
    response = post_json(
        node.url + SEARCH, _sealed(node, search_params(DEMO_PERSON), key=regional_nodes["JS"].public_key)
    )
    assert response.status_code == 400
    assert _head(response)["status"] == st.DECRYPTION_FAILED.code


def test_plaintext_that_is_not_json(regional_nodes):
    node = regional_nodes["SH"]
    body = {
        "head": {"accountId": "ysj-hub"},
        "encryptData": sm2.encrypt_hex(node.public_key, "不是 JSON".encode()),
    }
    response = post_json(node.url + SEARCH, body)
    assert response.status_code == 400
    assert _head(response)["status"] == st.BAD_PLAINTEXT.code
    # The hub is known: even the refusal is readable only by it.
    assert open_response(response.json(), hub_key()).data["status"] == st.BAD_PLAINTEXT.code


def test_get_is_not_allowed(regional_nodes):
    response = httpx.get(regional_nodes["SH"].url + SEARCH, timeout=10)
    assert response.status_code == 405
    assert _head(response)["status"] == st.METHOD_NOT_ALLOWED.code


def test_unknown_paths_are_1012(regional_nodes):
    response = post_json(regional_nodes["SH"].url + "/api/v1/certificates/delete", {})
    assert response.status_code == 404
    assert _head(response)["status"] == st.NOT_FOUND.code


def test_too_large_a_body_is_1008(regional_nodes):
    node = regional_nodes["SH"]
    body = {"head": {"accountId": "ysj-hub"}, "encryptData": "04" + "AB" * (1024 * 1024)}
    response = post_json(node.url + SEARCH, body)
    assert response.status_code == 413
    assert _head(response)["status"] == st.PAYLOAD_TOO_LARGE.code


def _without(params: dict, *path: str) -> dict:
    params = json.loads(json.dumps(params))
    target = params
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return params


def _with(params: dict, value, *path: str) -> dict:
    params = json.loads(json.dumps(params))
    target = params
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return params


BASE_SEARCH = search_params(DEMO_PERSON)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (SEARCH, _without(BASE_SEARCH, "holder"), "holder"),
        (SEARCH, _with(BASE_SEARCH, "张伟", "holder"), "holder"),
        (SEARCH, _with(BASE_SEARCH, "护照", "holder", "codeType"), "holder.codeType"),
        (SEARCH, _without(BASE_SEARCH, "holder", "code"), "holder.code"),
        (SEARCH, _with(BASE_SEARCH, [], "certificateTypeCodes"), "certificateTypeCodes"),
        (SEARCH, _with(BASE_SEARCH, "111", "certificateTypeCodes"), "certificateTypeCodes"),
        (SEARCH, _without(BASE_SEARCH, "audit"), "audit"),
        (SEARCH, _without(BASE_SEARCH, "audit", "itemCode"), "audit.itemCode"),
        (SEARCH, _without(BASE_SEARCH, "audit", "appId"), "audit.appId"),
        (SEARCH, _with(BASE_SEARCH, "x" * 200, "certificateNumber"), "certificateNumber"),
        ("/api/v1/certificates/info", {"audit": audit()}, "certificateRef"),
        ("/api/v1/certificates/info", {"certificateRef": {"a": 1}, "audit": audit()}, "certificateRef"),
        (
            "/api/v1/certificates/file",
            {"certificateRef": "0" * 32, "fileFormat": "DOCX", "audit": audit()},
            "fileFormat",
        ),
        ("/api/v1/certificates/file", {"certificateRef": "0" * 32, "audit": audit()}, "fileFormat"),
        ("/api/v1/certificates/status", {"certificateNumber": "31010419850312257X"}, ""),
        ("/api/v1/certificates/status", {}, ""),
    ],
)
def test_invalid_parameters_name_the_field(regional_nodes, path, params, field):
    with regional_nodes["SH"].hub_client() as client, pytest.raises(StatusError) as refused:
        client.call(path, params)
    assert refused.value.status == st.INVALID_PARAMETERS.code
    assert refused.value.http_status == 400
    assert field in refused.value.message


def test_base64_wrapped_parameters_are_answered_in_kind(regional_nodes):
    node = regional_nodes["SH"]
    params = search_params(DEMO_PERSON)
    params["grant"] = mint_grant("SH", SEARCH, params)
    plaintext = base64.b64encode(json.dumps(params, ensure_ascii=False).encode())
    body = {"head": {"accountId": "ysj-hub"}, "encryptData": sm2.encrypt_hex(node.public_key, plaintext)}
    response = post_json(node.url + SEARCH, body)
    assert response.status_code == 200
    raw = sm2.decrypt_hex(hub_key(), response.json()["encryptData"])
    assert json.loads(base64.b64decode(raw))["total"] >= 1


def test_an_answer_is_encrypted_for_the_hub_only(regional_nodes):
    node = regional_nodes["SH"]
    params = search_params(DEMO_PERSON)
    params["grant"] = mint_grant("SH", SEARCH, params)
    response = post_json(node.url + SEARCH, _sealed(node, params))
    assert response.status_code == 200
    assert open_response(response.json(), hub_key()).ok
    with pytest.raises(Exception):  # noqa: B017 - any key but the hub's fails to decrypt
        open_response(response.json(), key_for("someone-else"))
