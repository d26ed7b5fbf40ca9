"""Large envelopes (12.1.10 carries whole certificate files): read without extra copies, recorded exactly."""

import json
import os

import httpx
import pytest

from trust.models import EnvelopeCall
from ysj_protocol import envelope
from ysj_protocol import status as st
from ysj_protocol.contrib.drf import BACKGROUND_DIGEST_BYTES
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.sm3 import sm3_hex

from ..factories import ApplicationFactory
from ..keys import hub_key, key_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.envelope.urls")]


@pytest.fixture
def http(live_server):
    ApplicationFactory(app_id="app-echo")
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def _post(http: httpx.Client, body: dict) -> tuple[bytes, httpx.Response]:
    data = json.dumps(body).encode()
    return data, http.post(
        "/test/echo", content=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )


def test_large_body_is_answered_and_its_digest_recorded(http):
    padding = os.urandom(BACKGROUND_DIGEST_BYTES).hex()  # the body is then well past the threshold
    body = envelope.seal_request(
        "app-echo", {"name": "big", "count": 1, "padding": padding}, hub_key().public_key
    )
    data, response = _post(http, body)
    assert response.json()["head"]["status"] == "0"
    assert envelope.open_response(response.json(), key_for("app-echo")).data["echo"] == "big"
    record = EnvelopeCall.objects.get(direction="in", endpoint="/test/echo")
    assert record.request_digest == sm3_hex(data)  # digested on a helper thread, the same digest


def test_hex_broken_inside_a_byte_pair_is_still_read(http):
    text = sm2.encrypt_hex(hub_key().public_key, b'{"name":"a","count":1}')
    body = {"head": {"accountId": "app-echo"}, "encryptData": text[:61] + "\r\n " + text[61:]}
    _, response = _post(http, body)
    assert response.json()["head"]["status"] == "0"


@pytest.mark.parametrize(
    ("encrypt_data", "status"),
    [("04AB\u00e9CD", st.BAD_HEX), ("04ABC", st.BAD_HEX), ("04" + "AB" * 120, st.DECRYPTION_FAILED)],
)
def test_malformed_ciphertext_keeps_its_status(http, encrypt_data, status):
    _, response = _post(http, {"head": {"accountId": "app-echo"}, "encryptData": encrypt_data})
    assert response.status_code == 200  # an envelope answer: the outcome is head.status (12.1.2)
    assert response.json()["head"]["status"] == status.code
