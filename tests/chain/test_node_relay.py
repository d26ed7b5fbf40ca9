"""An application system goes through its own province (7.2 b, 8.1 b, 12.1.2): the node relays.

The demo's nodes relay for the live test hub (``NODE_HUB_URL``), each with its region's demo
application registered as the demo launcher registers it. The application uses the same
``EnvelopeClient`` it uses at the hub, pointed at ``<node>/ysj`` with the node's public key; the
node calls the hub with the region's account and key pair. Refusals of the node (an application
it does not know, one it suspended, a token not obtained through it) never reach the hub; an
application of another region relayed by a node is refused by the hub.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from regional_node.demo import DEMO_PERSON
from trust.demo import DemoCredentials, credentials
from trust.models import CallDirection, EnvelopeCall
from ysj_portal import demo
from ysj_protocol import envelope
from ysj_protocol import status as st
from ysj_protocol.client import EnvelopeClient, Peer
from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import read_private_key_file

from ..regional import RegionalNode, RegionalNodes
from .conftest import DemoNetwork, Developer, audit
from .test_demo_chain import (
    FILE_BY_ID,
    HOLDER_TOKEN,
    INFO_BY_ID,
    PUBLISHED,
    SCENARIOS,
    SEARCH,
    VERIFY,
    expected,
)

pytestmark = pytest.mark.django_db(transaction=True)

REGISTER = "/api/v1/trust/apps/register"
CATALOGS = "/api/v1/catalogs/query"


@pytest.fixture
def relay(demo_network: DemoNetwork, demo_hub: Any) -> RegionalNodes:
    """The demo nodes relaying to this test's live hub, the demo applications registered at their region's node."""
    for node in demo_network.nodes:
        if node.extra_env.get("NODE_HUB_URL") != demo_hub.url:
            node.extra_env["NODE_HUB_URL"] = demo_hub.url
            node.stop()
            node.start()
    children = [demo.Child(name=f"node {node.code}", args=[], env=node.env()) for node in demo_network.nodes]
    assert demo.register_node_applications(children) == len(demo.REGION_ORDER)
    return demo_network.nodes


def demo_app(app_id: str) -> DemoCredentials:
    return next(app for app in credentials() if app.app_id == app_id)


def via_node(node: RegionalNode, app: DemoCredentials) -> Developer:
    """The application's usual client, its base URL ``<node>/ysj`` and the region's public key."""
    key = sm2.PrivateKey.from_hex(read_private_key_file(app.key_path))
    peer = Peer(base_url=f"{node.url}/ysj", public_key=demo.node_key(node.code).public_key, name=f"node-{node.code}")
    return Developer(app=app, client=EnvelopeClient(peer, account_id=app.app_id, private_key=key, timeout=60))


def registration(app: DemoCredentials) -> dict[str, str]:
    return {"appId": app.app_id, "appSecret": app.app_secret, "corpName": app.corp_name, "corpCode": app.corp_code}


def served(path: str, app_id: str, relaying_region: str) -> bool:
    """Whether the hub served ``path`` for the application, relayed by that region ("" if called directly)."""
    return EnvelopeCall.objects.filter(
        direction=CallDirection.SERVED, endpoint=path, account_id=app_id, relaying_region=relaying_region
    ).exists()


def assert_answered_in_kind(node: RegionalNode, dev: Developer) -> None:
    """A caller using the DER form and Base64-wrapped parameters is answered in that form by the node."""
    body = envelope.seal_request(
        dev.app.app_id,
        {},
        demo.node_key(node.code).public_key,
        head={"accessToken": dev.access_token},
        base64_wrap=True,
        der=True,
    )
    response = httpx.post(f"{node.url}/ysj{CATALOGS}", json=body, timeout=60)
    answer = response.json()
    assert (response.status_code, answer["head"]["status"]) == (200, st.OK.code), answer
    ciphertext = bytes.fromhex(answer["encryptData"])
    assert ciphertext[0] == 0x30, "a DER SEQUENCE"
    plaintext = sm2.decrypt_any(dev.client.private_key, ciphertext)[0]
    catalog = json.loads(base64.b64decode(plaintext))
    assert catalog["dataList"], catalog


def test_an_application_runs_the_chain_through_its_own_regions_node(relay: RegionalNodes) -> None:
    dev = via_node(relay["SH"], demo_app("app-sh-counter"))
    try:
        dev.register()  # 12.2.1
        lists = dev.call(SCENARIOS, {"appId": dev.app.app_id})  # 12.1.4
        assert_answered_in_kind(relay["SH"], dev)  # 12.1.3 in DER and Base64
        assert {item["itemCode"] for item in lists["dataList"]} >= set(PUBLISHED), lists
        # 12.2.3, the identity number encrypted to the application's provider: the region.
        holder = dev.call(
            HOLDER_TOKEN,
            {
                "transactionId": f"R-{uuid.uuid4().hex[:8]}",
                "authType": "2",
                "name": DEMO_PERSON.name,
                "idType": 1,
                "idNo": sm2.encrypt_hex(demo.node_key("SH").public_key, DEMO_PERSON.code.encode()),
            },
        )
        assert holder["code"] == 1 and holder["trustedToken"], holder
        item_code = max(sorted(PUBLISHED), key=lambda code: len(expected(DEMO_PERSON, code)))
        want = expected(DEMO_PERSON, item_code)
        assert want, "the demo holder has certificates under the demo lists"
        found = dev.call(SEARCH, {"trustedToken": holder["trustedToken"], **audit(item_code)})  # 12.1.5
        assert found["unavailableRegions"] == [], found
        assert {i["certificateNumber"] for i in found["dataList"]} == {f.number for f in want}, found
        assert {f.region for f in want} - {"SH"}, "the search crosses regions"
        item = found["dataList"][0]
        info = dev.call(INFO_BY_ID, {"certificateID": item["certificateID"], **audit(item_code)})  # 12.1.8
        assert info["dataList"][0]["certificateNumber"] == item["certificateNumber"], info
        assert info["dataList"][0]["certificateHolderCode"] == DEMO_PERSON.code, info
        files = dev.call(FILE_BY_ID, {"certificateID": item["certificateID"], **audit(item_code)})  # 12.1.6
        assert files["total"] >= 1, files
        for link in files["dataList"]:
            # The link points at the hub, which streams the file from the issuing region.
            response = httpx.get(link["fileUrl"], timeout=30)
            assert response.status_code == 200, link
            verified = dev.call(  # 12.1.10
                VERIFY,
                {
                    "fileEntity": base64.b64encode(response.content).decode(),
                    "fileFormat": link["fileFormat"],
                    **audit(item_code),
                },
            )
            assert verified["result"] == "1", verified
            assert verified["certificateNumber"] == item["certificateNumber"], verified
    finally:
        dev.client.close()
    # The hub served the application as relayed by its region, never as a direct caller.
    assert served(SEARCH, "app-sh-counter", "SH") and not served(SEARCH, "app-sh-counter", "")


def test_the_node_refuses_applications_it_does_not_know_or_has_suspended(relay: RegionalNodes) -> None:
    stranger = via_node(relay["SH"], demo_app("app-js-counter"))  # registered at the JS node only
    answer = stranger.answer(REGISTER, registration(stranger.app))
    assert (answer.status, answer.data) == (st.UNKNOWN_ACCOUNT.code, None)
    stranger.client.close()

    zj = relay["ZJ"]
    app = demo_app("app-zj-counter")
    zj.manage("add_application", "--app-id", app.app_id, "--public-key", app.public_key, "--name", app.name, "--suspended")
    suspended = via_node(zj, app)
    try:
        assert suspended.answer(REGISTER, registration(app)).status == st.ACCOUNT_DISABLED.code
    finally:
        zj.manage("add_application", "--app-id", app.app_id, "--public-key", app.public_key, "--name", app.name)
        suspended.client.close()

    # A token the application did not obtain through its node is refused there.
    dev = via_node(relay["SH"], demo_app("app-sh-counter"))
    dev.access_token = "x" * 43
    assert dev.answer(SEARCH, {"trustedToken": "y" * 43, **audit(sorted(PUBLISHED)[0])}).status == (
        st.ACCESS_TOKEN_INVALID.code
    )
    dev.client.close()
    # None of these reached the hub.
    assert not EnvelopeCall.objects.filter(direction=CallDirection.SERVED).exists()


def test_an_application_relayed_by_another_regions_node_is_refused_by_the_hub(relay: RegionalNodes) -> None:
    sh = relay["SH"]
    app = demo_app("app-js-counter")  # JS's application, registered at the SH node by mistake
    sh.manage("add_application", "--app-id", app.app_id, "--public-key", app.public_key, "--name", app.name)
    dev = via_node(sh, app)
    request_id = uuid.uuid4().hex
    try:
        answer = dev.client.call(REGISTER, registration(app), check=False, request_id=request_id)
    finally:
        dev.client.close()
        sh.manage(
            "add_application", "--app-id", app.app_id, "--public-key", app.public_key, "--name", app.name, "--suspended"
        )
    assert answer.status == st.REGION_RELAY_FOREIGN_APPLICATION.code, answer
    # The refusal is the hub's: it was asked by the SH region's account, under the same request ID.
    (call,) = EnvelopeCall.objects.filter(request_id=request_id, direction=CallDirection.SERVED)
    assert (call.relaying_region, call.status_code) == ("SH", answer.status), call
