"""The caller side against real sockets: refused connections, slow and garbage-speaking peers."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ysj_protocol import envelope
from ysj_protocol import status as st
from ysj_protocol.client import EnvelopeClient, Peer, ProtocolError, StatusError, TransportError
from ysj_protocol.crypto import sm2

from ..keys import key_for

PEER_KEY = key_for("client-test-peer")
CALLER_KEY = key_for("client-test-caller")


class Behaviour:
    delay = 0.0
    body = b""
    code = 200
    requests: list[dict]


class Handler(BaseHTTPRequestHandler):
    behaviour: Behaviour

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        request = json.loads(self.rfile.read(length))
        self.behaviour.requests.append({"body": request, "headers": dict(self.headers)})
        time.sleep(self.behaviour.delay)
        self.send_response(self.behaviour.code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(self.behaviour.body)))
        self.end_headers()
        self.wfile.write(self.behaviour.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    behaviour = Behaviour()
    behaviour.requests = []
    handler = type("BoundHandler", (Handler,), {"behaviour": behaviour})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield behaviour, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def client_for(url: str, **kw) -> EnvelopeClient:
    peer = Peer(base_url=url, public_key=PEER_KEY.public_key, name="peer")
    return EnvelopeClient(peer, account_id="caller", private_key=CALLER_KEY, **kw)


def answer(data: dict, key: sm2.PublicKey = CALLER_KEY.public_key, **kw) -> bytes:
    return json.dumps(envelope.seal_response(st.OK, data, key, **kw)).encode()


def refusal(status: st.Status, key: sm2.PublicKey = CALLER_KEY.public_key) -> bytes:
    data = {"status": status.code, "message": status.message}
    return json.dumps(envelope.seal_response(status, data, key)).encode()


def test_request_is_encrypted_for_the_peer_and_answer_decrypted(server):
    behaviour, url = server
    behaviour.body = answer({"total": 1})
    records = []
    with client_for(url, recorder=records.append) as client:
        opened = client.call("/x", {"bizNum": "B1", "q": "张三"}, head={"accessToken": "t"}, request_id="rid-1")
    assert opened.data == {"total": 1}
    sent = behaviour.requests[0]
    assert sent["body"]["head"] == {"accountId": "caller", "accessToken": "t"}
    assert sent["headers"]["X-Request-ID"] == "rid-1"
    params, _ = envelope.decode_params(sm2.decrypt_hex(PEER_KEY, sent["body"]["encryptData"]))
    assert params == {"bizNum": "B1", "q": "张三"}
    assert records[0].direction == "out" and records[0].status_code == "0" and records[0].biz_num == "B1"


def test_a_per_call_recorder_takes_that_calls_record(server):
    behaviour, url = server
    behaviour.body = answer({})
    shared, own = [], []
    with client_for(url, recorder=shared.append) as client:
        client.call("/x", {"bizNum": "B2"}, recorder=own.append)
        client.call("/y", {})
    assert [(r.endpoint, r.biz_num) for r in own] == [("/x", "B2")]
    assert [r.endpoint for r in shared] == ["/y"]


def test_connection_reuse_across_calls(server):
    behaviour, url = server
    behaviour.body = answer({})
    with client_for(url) as client:
        for _ in range(3):
            client.call("/x", {})
    assert len(behaviour.requests) == 3


def test_refused_connection_is_a_transport_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    records = []
    with client_for(f"http://127.0.0.1:{port}", recorder=records.append) as client, pytest.raises(TransportError):
        client.call("/x", {})
    assert records[0].http_status == 0 and records[0].error


def test_slow_peer_times_out(server):
    behaviour, url = server
    behaviour.delay = 1.0
    behaviour.body = answer({})
    with client_for(url, timeout=0.2) as client, pytest.raises(TransportError):
        client.call("/x", {})


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"head": {}}', json.dumps({"head": {"status": "0"}, "encryptData": "ZZ"}).encode()],
)
def test_garbage_answers_are_protocol_errors(server, body):
    behaviour, url = server
    behaviour.body = body
    with client_for(url) as client, pytest.raises(ProtocolError):
        client.call("/x", {})


def test_answer_encrypted_for_someone_else_is_a_protocol_error(server):
    behaviour, url = server
    behaviour.body = answer({"a": 1}, key=sm2.PrivateKey.generate().public_key)
    with client_for(url) as client, pytest.raises(ProtocolError):
        client.call("/x", {})


@pytest.mark.parametrize("code", [200, 404, 502])
def test_non_zero_head_status_is_a_status_error_whatever_the_http_status(server, code):
    """A provider following 12.1.2 refuses with HTTP 200; one that maps codes with their 4xx/5xx."""
    behaviour, url = server
    behaviour.code = code
    behaviour.body = refusal(st.CERTIFICATE_NOT_FOUND)
    records = []
    with client_for(url, recorder=records.append) as client:
        with pytest.raises(StatusError) as refused:
            client.call("/x", {})
        unchecked = client.call("/x", {}, check=False)
    assert (refused.value.status, refused.value.message, refused.value.http_status) == (
        st.CERTIFICATE_NOT_FOUND.code, st.CERTIFICATE_NOT_FOUND.message, code
    )
    assert not unchecked.ok and unchecked.data == {"status": "4004", "message": st.CERTIFICATE_NOT_FOUND.message}
    assert [(r.http_status, r.status_code) for r in records] == [(code, "4004")] * 2


@pytest.mark.parametrize("code", [200, 502])
def test_body_dropped_by_a_gateway_is_a_protocol_error_naming_the_http_status(server, code):
    behaviour, url = server
    behaviour.code = code
    behaviour.body = b""
    with client_for(url) as client, pytest.raises(ProtocolError) as failed:
        client.call("/x", {})
    assert ("HTTP 502" in str(failed.value)) is (code == 502)


def test_der_requests_and_der_answers(server):
    behaviour, url = server
    behaviour.body = answer({"total": 2}, der=True)
    assert json.loads(behaviour.body)["encryptData"].startswith("30")
    with client_for(url, der=True) as client:
        assert client.call("/x", {"q": 1}).data == {"total": 2}
    sent = bytes.fromhex(behaviour.requests[0]["body"]["encryptData"])
    assert json.loads(sm2.decrypt_der(PEER_KEY, sent)) == {"q": 1}


@pytest.mark.parametrize(
    ("code", "http_status", "retryable"),
    [
        ("1007", 200, False),
        ("4004", 200, False),
        ("2021", 200, False),
        ("9999", 200, True),
        ("4005", 200, True),
        ("8123", 200, False),  # a code of the province's own: a refusal
        ("1007", 400, False),
        ("9999", 500, True),
        ("8123", 503, True),
    ],
)
def test_retryable_follows_the_code_on_200_and_the_http_status_otherwise(code, http_status, retryable):
    assert StatusError(code, "", http_status).retryable is retryable
