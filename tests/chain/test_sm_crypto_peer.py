"""The demo called by an application system written in JavaScript with sm-crypto alone.

sm-crypto (npm) is the SM2 library most web and Node.js teams reach for: it emits C1C3C2 without
the ``04`` prefix, reads ciphertexts only without it, returns an empty string instead of raising
when C3 does not match, and signs with the default user ID when asked to hash. The client
(``tests/interop/js/client.mjs``) shares no code with the project; it reads a job on stdin, calls
the live hub with Node's fetch and prints what it got. Through it the demo's first application
registers, obtains holder tokens, searches under every published scenario list and asks 12.1.8
for every ``certificateID``; it also checks signatures the project made (a publication as a region
receives it, a service code a regional node issued) and signs text the project must accept.

The pinned sm-crypto is installed once per run with ``npm ci`` when ``node_modules`` is missing.
"""

from __future__ import annotations

import base64
import binascii
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from catalog.delivery import build_message
from catalog.models import DeliveryState, PublicationDelivery
from regional_node.demo import DEMO_PERSON
from scenarios.demo import LISTS
from trust.demo import DemoCredentials, credentials
from trust.keys import hub_public_key
from ysj_portal import demo
from ysj_protocol import profile
from ysj_protocol import status as st
from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import read_private_key_file
from ysj_protocol.service_code import parse_service_code, verify_service_code

from .conftest import DemoNetwork, audit

JS_DIR = Path(__file__).resolve().parents[1] / "interop" / "js"
CLIENT = JS_DIR / "client.mjs"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node (Node.js 18 or later) is not on PATH")

PUBLISHED = [code for code, _, _, _, confirming, _ in LISTS if set(confirming) == set(demo.REGION_ORDER)]
REGISTER = "/api/v1/trust/apps/register"
HOLDER_TOKEN = "/api/v1/trust/holder-tokens"
SCENARIOS = "/api/v1/scenarios/query"
SEARCH = "/api/v1/certificates/search"
BY_ID = "/api/v1/certificates/info/by-id"


@pytest.fixture(scope="session")
def sm_crypto() -> Path:
    """The client script, with the pinned sm-crypto installed next to it."""
    if not (JS_DIR / "node_modules" / "sm-crypto" / "package.json").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not on PATH: cannot install sm-crypto (npm ci in tests/interop/js)")
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"npm ci in tests/interop/js failed:\n{result.stdout}\n{result.stderr}")
    return CLIENT


def run_job(client: Path, job: dict[str, Any]) -> dict[str, Any]:
    """Run one job through the JavaScript client and return what it printed."""
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(client)],
        cwd=JS_DIR,
        input=json.dumps(job, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"the sm-crypto client failed:\n{result.stderr}"
    return json.loads(result.stdout)


class SmCryptoApp:
    """A demo application whose every SM2 operation and HTTP call is made by the JavaScript client."""

    def __init__(self, client: Path, hub_url: str, app: DemoCredentials) -> None:
        self.client = client
        self.app = app
        self.private_hex = read_private_key_file(app.key_path)
        self.public_key = sm2.PrivateKey.from_hex(self.private_hex).public_key
        self.base = {
            "hub": hub_url,
            "accountId": app.app_id,
            "privateKey": self.private_hex.lower(),
            "hubPublicKey": hub_public_key().hex(),
        }
        self.access_token = ""

    def job(self, **parts: Any) -> dict[str, Any]:
        return run_job(self.client, {**self.base, "accessToken": self.access_token, **parts})

    def calls(self, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self.job(calls=calls)["calls"]

    def ok(self, calls: list[dict[str, Any]]) -> list[Any]:
        """The opened answers' data; every call must succeed."""
        answers = self.calls(calls)
        for spec, answer in zip(calls, answers, strict=True):
            assert answer["status"] == "0", f"{spec['path']} {spec['params'].get('itemCode', '')}: {answer}"
            assert answer["decrypted"], f"{spec['path']}: sm-crypto could not open the answer"
        return [answer["data"] for answer in answers]

    def register(self) -> None:
        """12.2.1; the client keeps the token for the job's later calls, the test for later jobs."""
        app = self.app
        (registered,) = self.ok(
            [
                {
                    "path": REGISTER,
                    "params": {
                        "appId": app.app_id,
                        "appSecret": app.app_secret,
                        "corpName": app.corp_name,
                        "corpCode": app.corp_code,
                    },
                    "keepAccessToken": True,
                }
            ]
        )
        assert registered["code"] == 1, registered
        self.access_token = registered["accessToken"]


def holder_by_identity() -> dict[str, Any]:
    return {
        "path": HOLDER_TOKEN,
        "params": {
            "transactionId": f"T-{uuid.uuid4().hex[:8]}",
            "authType": "1",
            "name": DEMO_PERSON.name,
            "idType": "1",
            "idNo": DEMO_PERSON.code,
        },
    }


@pytest.mark.django_db(transaction=True)
def test_an_sm_crypto_client_gets_every_searched_certificate_answered_by_12_1_8(
    sm_crypto: Path, demo_network: DemoNetwork, demo_hub: Any
) -> None:
    app = SmCryptoApp(sm_crypto, demo_hub.url, credentials()[0])
    app.register()
    (holder,) = app.ok([holder_by_identity()])
    token = holder["trustedToken"]

    lists, *searches = app.ok(
        [{"path": SCENARIOS, "params": {"appId": app.app.app_id}}]
        + [{"path": SEARCH, "params": {"trustedToken": token, **audit(code)}} for code in PUBLISHED]
    )
    entries = lists["dataList"] if isinstance(lists, dict) else lists
    allowed_by_list = {
        entry["itemCode"]: {
            item["certificateType"]: item["certificateTypeCode"] for item in entry["dataList"]
        }
        for entry in entries
    }

    asked: list[tuple[str, dict[str, Any]]] = []
    for item_code, found in zip(PUBLISHED, searches, strict=True):
        for hit in found["dataList"]:
            assert hit["certificateType"] in allowed_by_list[item_code], (item_code, hit)
            asked.append((item_code, hit))
    assert len(asked) >= 4, "the demo person has certificates under the published lists"

    answers = app.ok(
        [
            {"path": BY_ID, "params": {"certificateID": hit["certificateID"], **audit(item_code)}}
            for item_code, hit in asked
        ]
    )
    for (item_code, hit), answer in zip(asked, answers, strict=True):
        assert answer["total"] == len(answer["dataList"]) == 1
        info = answer["dataList"][0]
        shared_code = allowed_by_list[item_code][hit["certificateType"]]
        assert info["certificateType"] == hit["certificateType"]
        assert info.get("certificateTypeCode", shared_code) == shared_code
        assert info["certificateNumber"] == hit["certificateNumber"]
        assert info["issueDept"] == hit["issueDept"]


@pytest.mark.django_db(transaction=True)
def test_the_sm_crypto_client_on_base64_a_wrong_key_and_a_service_code(
    sm_crypto: Path, demo_network: DemoNetwork, demo_hub: Any
) -> None:
    app = SmCryptoApp(sm_crypto, demo_hub.url, credentials()[0])
    app.register()
    stranger = sm2.PrivateKey.generate().public_key.hex()
    wrapped, wrong_key = app.calls(
        [
            {**holder_by_identity(), "base64": True},
            {**holder_by_identity(), "encryptTo": stranger},
        ]
    )

    # Base64 of the JSON in, Base64 of the JSON out (READING.md, "The envelope").
    assert wrapped["status"] == "0", wrapped
    assert wrapped["decrypted"]
    assert not wrapped["plaintext"].lstrip().startswith("{")
    assert json.loads(base64.b64decode(wrapped["plaintext"], validate=True)) == wrapped["data"]
    assert wrapped["data"]["trustedToken"]

    # Encrypted to a key that is not the hub's: refused in the head, HTTP 200 as the spec reads it.
    assert wrong_key["httpStatus"] == 200, wrong_key
    assert wrong_key["status"] == st.DECRYPTION_FAILED.code == "1005", wrong_key
    assert wrong_key["message"]
    # The hub knows the account, so it may seal the refusal to the caller's key as well.
    if wrong_key["decrypted"]:
        assert wrong_key["data"]["status"] == "1005", wrong_key

    # A service code the Shanghai node issues: sm-crypto checks its signature, then presents it.
    node = demo_network.nodes["SH"]
    response = httpx.post(
        f"{node.url}/api/v1/service-codes/issue", json={"holderCode": DEMO_PERSON.code}, timeout=10
    )
    response.raise_for_status()
    code = response.json()["serviceCode"]
    issuer_key = demo.node_key("SH").public_key  # the key the demo gave the node
    verify_service_code(parse_service_code(code), issuer_key)
    issuer = issuer_key.hex()
    forged = code[:-4] + ("AAAA" if not code.endswith("AAAA") else "BBBB")
    result = app.job(
        verify=[
            {"kind": "serviceCode", "code": code, "publicKey": issuer},
            {"kind": "serviceCode", "code": code, "publicKey": hub_public_key().hex()},
            {"kind": "serviceCode", "code": forged, "publicKey": issuer},
        ],
        calls=[
            {
                "path": HOLDER_TOKEN,
                "params": {"transactionId": f"T-{uuid.uuid4().hex[:8]}", "authType": "3", "qrCode": code},
            }
        ],
    )
    assert result["verified"] == [True, False, False]
    (by_code,) = result["calls"]
    assert by_code["status"] == "0", by_code
    assert by_code["data"]["trustedToken"]


@pytest.mark.django_db(transaction=True)
def test_sm_crypto_verifies_a_publication_as_a_region_receives_it(
    sm_crypto: Path, demo_network: DemoNetwork, demo_hub: Any
) -> None:
    """The hub's signature (upper-case hex r||s over the profile's signing bytes), read by sm-crypto."""
    delivered = PublicationDelivery.objects.filter(state=DeliveryState.DELIVERED).select_related(
        "publication"
    )
    messages = [build_message(delivery) for delivery in delivered]
    # A message with Chinese in it: the signing bytes are UTF-8, not \uXXXX escapes.
    message = next(m for m in messages if not profile.signing_bytes(m).isascii())
    assert profile.verify_publication(message, message["signature"], hub_public_key())
    altered = {**message, "sequence": message["sequence"] + 1}
    key = hub_public_key().hex()
    result = run_job(
        sm_crypto,
        {
            "verify": [
                {"kind": "publication", "message": message, "publicKey": key},
                {"kind": "publication", "message": altered, "publicKey": key},
            ]
        },
    )
    assert result["verified"] == [True, False]


def test_signatures_cross_between_sm_crypto_and_the_project(sm_crypto: Path) -> None:
    """Raw r||s and DER, default user ID, both ways; a changed message fails on both sides."""
    key = sm2.PrivateKey.generate()
    public_hex = key.public_key.hex()
    text = "长三角电子证照 12.1.8 · certificateID"
    raw = sm2.sign(key, text.encode("utf-8")).hex().upper()
    der = sm2.sign(key, text.encode("utf-8"), der=True).hex()
    assert len(raw) == 128 and der.startswith("30")
    result = run_job(
        sm_crypto,
        {
            "privateKey": key.to_bytes().hex(),
            "verify": [
                {"kind": "hex", "message": text, "signature": raw, "der": False, "publicKey": public_hex},
                {"kind": "hex", "message": text, "signature": der, "der": True, "publicKey": public_hex},
                {
                    "kind": "hex",
                    "message": text + ".",
                    "signature": raw,
                    "der": False,
                    "publicKey": public_hex,
                },
            ],
            "sign": [{"message": text, "der": False}, {"message": text, "der": True}],
        },
    )
    assert result["verified"] == [True, True, False]
    for signed in result["signed"]:
        assert sm2.PublicKey.from_hex(signed["publicKey"]) == key.public_key
        signature = binascii.unhexlify(signed["signature"])
        if signed["der"]:
            assert signature[:1] == b"\x30"
        else:
            assert len(signature) == 64
        assert sm2.verify(key.public_key, text.encode("utf-8"), signature)
        assert not sm2.verify(key.public_key, (text + ".").encode("utf-8"), signature)
