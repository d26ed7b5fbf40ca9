"""Tolerant of what peers send, strict in what it checks: a provider on loopback answering in every
form a peer may use (C1 without ``04``, lower-case hex, DER, Base64-wrapped JSON, ``head.status`` as a
number, ``certificateId`` for ``certificateID``) is read; an answer whose C3 does not match, or that is
encrypted to another key, is a ``BadAnswer``, never data."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ysj_protocol import envelope
from ysj_protocol.app import BadAnswer, Client
from ysj_protocol.crypto import sm2

PROVIDER = sm2.PrivateKey.generate()
CALLER = sm2.PrivateKey.generate()
ANSWER = {
    "total": 1,
    "dataList": [{"certificateId": "ID-1", "certificateType": "居民身份证", "certificateNumber": "N1"}],
}


FORMS: dict[str, Callable[[bytes], str]] = {
    "no-04-lower": lambda p: sm2.encrypt(CALLER.public_key, p, c1_prefix=False).hex(),
    "04-upper": lambda p: sm2.encrypt(CALLER.public_key, p).hex().upper(),
    "der": lambda p: sm2.encrypt_der(CALLER.public_key, p).hex(),
    "base64-json": lambda p: sm2.encrypt(CALLER.public_key, base64.b64encode(p)).hex(),
}


@pytest.fixture
def provider() -> Iterator[Any]:
    state: dict[str, Any] = {"form": "04-upper"}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            envelope.open_request(body, PROVIDER)  # the request itself must be well formed
            plaintext = json.dumps({"code": 1, "accessToken": "AT", **ANSWER}, ensure_ascii=False).encode()
            form = state["form"]
            if form == "tampered-c3":
                raw = bytearray(sm2.encrypt(CALLER.public_key, plaintext))
                raw[70] ^= 0x01  # a byte of C3
                encrypt_data = raw.hex()
            elif form == "other-key":
                encrypt_data = sm2.encrypt_hex(sm2.PrivateKey.generate().public_key, plaintext)
            else:
                encrypt_data = FORMS[form](plaintext)
            answer = json.dumps(
                {"head": {"status": 0, "message": "ok"}, "encryptData": encrypt_data}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def client_for(state: dict[str, Any]) -> Client:
    return Client(
        state["url"],
        app_id="app",
        private_key=CALLER,
        provider_key=PROVIDER.public_key,
        access_token="AT",
        retries=0,
        timeout=10,
    )


@pytest.mark.parametrize("form", sorted(FORMS))
def test_answers_in_every_form_are_read(provider: dict[str, Any], form: str) -> None:
    provider["form"] = form
    with client_for(provider) as client:
        audit = client.case(use_for="u", item_name="n", item_code="c", item_org="o", operator="p").audit
        found = client.search(audit=audit, trusted_token="HT")
    assert [c.certificate_id for c in found.certificates] == ["ID-1"]
    assert found.total == 1 and found.certificates[0].certificate_number == "N1"


@pytest.mark.parametrize("form", ["tampered-c3", "other-key"])
def test_an_answer_that_does_not_verify_is_refused(provider: dict[str, Any], form: str) -> None:
    provider["form"] = form
    with client_for(provider) as client, pytest.raises(BadAnswer):
        client.catalogs()
