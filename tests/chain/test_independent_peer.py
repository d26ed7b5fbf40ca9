"""The demo called by a client that shares no code with the project: gmssl's SM2 and plain HTTP.

A province's engineer writes a client with the library at hand; gmssl (Python) emits C1C3C2
without the ``04`` prefix, reads the hub's answers only without it, and knows nothing of
``ysj_protocol``. Through it the demo's first application registers, gets a holder token,
searches under every published scenario list and asks 12.1.8 for every ``certificateID`` the
search handed out: each must be answered, with the type and face number the search showed and
the list's shared type code.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from gmssl import sm2 as gm_sm2

from regional_node.demo import DEMO_PERSON
from scenarios.demo import LISTS
from trust.demo import credentials
from trust.keys import hub_public_key
from ysj_portal import demo
from ysj_protocol.keyfiles import read_private_key_file

from .conftest import DemoNetwork, audit

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISHED = [code for code, _, _, _, confirming, _ in LISTS if set(confirming) == set(demo.REGION_ORDER)]


class GmsslClient:
    """The envelope of 12.1.1 and 12.1.2, written from the standard with gmssl alone."""

    def __init__(self, base_url: str, account_id: str, private_hex: str, hub_public_hex: str) -> None:
        self.base_url = base_url
        self.account_id = account_id
        # gmssl takes the public key as x || y in hex, without the 04 of the uncompressed form.
        hub_xy = hub_public_hex[2:] if len(hub_public_hex) == 130 else hub_public_hex
        self._to_hub = gm_sm2.CryptSM2(public_key=hub_xy, private_key=None, mode=1)
        self._mine = gm_sm2.CryptSM2(public_key="", private_key=private_hex, mode=1)
        self.access_token = ""

    def call(self, path: str, params: dict[str, Any]) -> tuple[str, str, Any]:
        plaintext = json.dumps(params, ensure_ascii=False).encode("utf-8")
        head = {"accountId": self.account_id}
        if self.access_token:
            head["accessToken"] = self.access_token
        body = {"head": head, "encryptData": self._to_hub.encrypt(plaintext).hex()}
        response = httpx.post(
            self.base_url + path,
            content=json.dumps(body),
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=60,
        )
        answer = response.json()
        status, message = answer["head"]["status"], answer["head"]["message"]
        data = None
        if answer.get("encryptData"):
            cipher = bytes.fromhex(answer["encryptData"])
            if cipher[:1] == b"\x04":  # the hub writes C1 with its 04 prefix; gmssl reads it without
                cipher = cipher[1:]
            data = json.loads(self._mine.decrypt(cipher).decode("utf-8"))
        return status, message, data

    def ok(self, path: str, params: dict[str, Any]) -> Any:
        status, message, data = self.call(path, params)
        assert status == "0", f"{path}: {status} {message}"
        return data


def test_a_gmssl_client_gets_every_searched_certificate_answered_by_12_1_8(
    demo_network: DemoNetwork, demo_hub: Any
) -> None:
    app = credentials()[0]
    client = GmsslClient(demo_hub.url, app.app_id, read_private_key_file(app.key_path), hub_public_key().hex())

    registered = client.ok(
        "/api/v1/trust/apps/register",
        {"appId": app.app_id, "appSecret": app.app_secret, "corpName": app.corp_name, "corpCode": app.corp_code},
    )
    client.access_token = registered["accessToken"]
    person = {"name": DEMO_PERSON.name, "idType": "1", "idNo": DEMO_PERSON.code}
    token = client.ok(
        "/api/v1/trust/holder-tokens",
        {"transactionId": f"T-{uuid.uuid4().hex[:8]}", "authType": "1", **person},
    )["trustedToken"]

    answered = 0
    for item_code in PUBLISHED:
        found = client.ok(
            "/api/v1/certificates/search", {"trustedToken": token, **audit(item_code)}
        )["dataList"]
        allowed = {
            entry["certificateType"]: entry["certificateTypeCode"]
            for entry in client_list_types(client, app.app_id, item_code)
        }
        for hit in found:
            assert hit["certificateType"] in allowed
            answer = client.ok(
                "/api/v1/certificates/info/by-id",
                {"certificateID": hit["certificateID"], **audit(item_code)},
            )
            assert answer["total"] == len(answer["dataList"]) == 1
            info = answer["dataList"][0]
            # Tables 3 and 6 name the type; the hub adds the shared code of the list's catalog.
            assert info["certificateType"] == hit["certificateType"]
            assert info.get("certificateTypeCode", allowed[hit["certificateType"]]) == allowed[hit["certificateType"]]
            assert info["certificateNumber"] == hit["certificateNumber"]
            assert info["issueDept"] == hit["issueDept"]
            answered += 1
    assert answered >= 4, "the demo person has certificates under the published lists"


def client_list_types(client: GmsslClient, app_id: str, item_code: str) -> list[dict[str, str]]:
    """The type codes the scenario list allows, as 12.1.4 shows them to the application."""
    lists = client.ok("/api/v1/scenarios/query", {"appId": app_id})
    entries = lists["dataList"] if isinstance(lists, dict) else lists
    chosen = next(entry for entry in entries if entry["itemCode"] == item_code)
    return chosen["dataList"]
