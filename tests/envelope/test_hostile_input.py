"""Hostile input at the hub and at a node (issue 16): each case answers its documented 1xxx status
with a Chinese message, as a JSON envelope, and is in the call records like any other call.

Deep nesting and huge integers, outside the encryption and inside it; NUL and lone surrogates in
the account, the audit fields and any business parameter; and the outermost layer: whatever
fails under ``/api/v1/``, the answer is an envelope, never Django's HTML page.

Run the NUL cases on PostgreSQL too (``DATABASE_URL=postgres://...``): it refuses NUL in text.
"""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
import uuid

import httpx
import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from trust.models import EnvelopeCall
from ysj_protocol import envelope
from ysj_protocol import status as st
from ysj_protocol.client import EnvelopeClient, Peer, ProtocolError
from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2
from ysj_protocol.envelope import MAX_INT_DIGITS, MAX_JSON_DEPTH, open_response

from ..factories import ApplicationFactory
from ..keys import hub_key, key_for
from ..regional import make_node

pytestmark = pytest.mark.urls("tests.envelope.test_hostile_input")

JSON_TYPE = "application/json; charset=utf-8"
APP = "app-hostile"
SEARCH = "/api/v1/certificates/search"
REGISTER = "/api/v1/trust/apps/register"
HOLDER_TOKENS = "/api/v1/trust/holder-tokens"
AUDIT = {"useFor": "办理业务", "itemName": "测试事项", "itemCode": "SCN-1", "itemOrg": "测试单位", "operator": "李四"}


# ---------------------------------------------------------------- a non-envelope view under the prefix
def crashing_view(request):
    raise RuntimeError("secret internal detail")


def html_error_view(request):
    return HttpResponse("<html><body>Server Error</body></html>", status=502, content_type="text/html")


@csrf_exempt
def deep_answer_view(request):
    """A provider whose answer is JSON nested far too deep (or a man in the middle writing one)."""
    return HttpResponse(nested(100_000), content_type=JSON_TYPE)


urlpatterns = [
    path("api/v1/test/deep-answer", deep_answer_view),
    path("api/v1/test/crash", crashing_view),
    path("api/v1/test/html", html_error_view),
    path("", include("ysj_portal.urls")),
]


# ---------------------------------------------------------------- hostile JSON text
def nested(depth: int) -> str:
    """``depth`` arrays one inside the other around a zero."""
    return "[" * depth + "0" + "]" * depth


def big_int(digits: int) -> str:
    return "9" * digits


def embed(template: str, value: str) -> str:
    """``template`` with the JSON text ``value`` in place of ``$VALUE`` (texts too large for a dict)."""
    return template.replace("$VALUE", value)


def text(value: object) -> str:
    """JSON text of ``value`` with NUL and surrogates escaped, as a hostile caller sends them."""
    return json.dumps(value, ensure_ascii=True)


#: Texts standing in for a JSON value inside an otherwise valid object.
HOSTILE_VALUES = {
    "deep-2000": nested(2_000),
    "deep-100000": nested(100_000),
    "deep-just-over-the-limit": nested(MAX_JSON_DEPTH),
    "int-5000-digits": big_int(5_000),
    "int-100000-digits": big_int(100_000),
    "int-just-over-the-limit": big_int(MAX_INT_DIGITS + 1),
    "negative-int-5000-digits": "-" + big_int(5_000),
    "float-overflow": "1e999999",
    "nan": "NaN",
    "infinity": "-Infinity",
}


def is_chinese(message: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in message)


def head_of(response, status: st.Status) -> dict:
    """The answer is a JSON envelope with ``status`` and its Chinese message (whatever the HTTP status)."""
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    assert b"<html" not in response.content.lower()
    body = json.loads(response.content)
    head = body["head"]
    assert head["status"] == status.code, head
    assert head["message"].startswith(status.message) and is_chinese(head["message"])
    assert b"Traceback" not in response.content and b"secret internal detail" not in response.content
    return body


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def app(db):
    return ApplicationFactory(app_id=APP)


def post(client: Client, route: str, body: bytes | str, **extra):
    data = body.encode() if isinstance(body, str) else body
    return client.post(route, data=data, content_type=JSON_TYPE, **extra)


def sealed_text(plaintext: bytes, account: str = APP) -> str:
    ciphertext = sm2.encrypt_hex(hub_key().public_key, plaintext)
    return text({"head": {"accountId": account}, "encryptData": ciphertext})


def last_call(route: str) -> EnvelopeCall:
    return EnvelopeCall.objects.filter(endpoint=route).latest("id")


# ---------------------------------------------------------------- outside the encryption
@pytest.mark.parametrize("name", HOSTILE_VALUES)
@pytest.mark.parametrize("route", [SEARCH, REGISTER])
def test_hostile_json_outside_the_encryption(client, app, route, name):
    value = HOSTILE_VALUES[name]
    body = embed('{"head": {"accountId": "app-hostile", "extra": $VALUE}, "encryptData": "04AB"}', value)
    head_of(post(client, route, body), st.MALFORMED_ENVELOPE)
    assert last_call(route).status_code == st.MALFORMED_ENVELOPE.code


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_a_body_that_is_only_nesting(client, db, depth):
    body = head_of(post(client, SEARCH, nested(depth)), st.MALFORMED_ENVELOPE)
    assert "嵌套" in body["head"]["message"]


def test_nesting_within_the_limit_is_read(client, app):
    """The limit refuses what is deeper than it, nothing else: a deep but allowed head gets further."""
    body = embed('{"head": {"accountId": "nobody", "extra": $VALUE}, "encryptData": "04AB"}', nested(MAX_JSON_DEPTH - 3))
    head_of(post(client, SEARCH, body), st.UNKNOWN_ACCOUNT)


@pytest.mark.parametrize(
    ("head", "field"),
    [
        ({"accountId": "app\x00hostile"}, "accountId"),
        ({"accountId": "\x00"}, "accountId"),
        ({"accountId": "app-\ud800"}, "accountId"),
        ({"accountId": APP, "accessToken": "yat_\x00"}, "accessToken"),
        ({"accountId": APP, "note\x00": "x"}, "head"),
    ],
)
def test_unstorable_text_in_the_head(client, app, head, field):
    body = text({"head": head, "encryptData": "04AB"})
    answer = head_of(post(client, SEARCH, body), st.MALFORMED_ENVELOPE)
    assert field in answer["head"]["message"]
    call = last_call(SEARCH)
    assert call.status_code == st.MALFORMED_ENVELOPE.code and "\x00" not in call.account_id


# ---------------------------------------------------------------- inside the encryption
@pytest.mark.parametrize("wrap", [False, True], ids=["json", "base64"])
@pytest.mark.parametrize("name", HOSTILE_VALUES)
def test_hostile_json_inside_the_encryption(client, app, name, wrap):
    plaintext = embed('{"bizNum": "B-1", "value": $VALUE}', HOSTILE_VALUES[name]).encode()
    if wrap:
        plaintext = base64.b64encode(plaintext)
    answer = head_of(post(client, SEARCH, sealed_text(plaintext)), st.BAD_PLAINTEXT)
    # The caller is known by now: the refusal is also sealed for it.
    assert open_response(answer, key_for(APP)).data["status"] == st.BAD_PLAINTEXT.code
    call = last_call(SEARCH)
    assert (call.account_id, call.status_code) == (APP, st.BAD_PLAINTEXT.code)


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_a_plaintext_that_is_only_nesting(client, app, depth):
    head_of(post(client, SEARCH, sealed_text(nested(depth).encode())), st.BAD_PLAINTEXT)


def hostile_params(route: str, **changes: object) -> dict:
    base = {
        SEARCH: {**AUDIT, "bizNum": "B-1", "trustedToken": "yht_x"},
        REGISTER: {"appId": APP, "appSecret": "s", "corpName": "单位", "corpCode": "x"},
        HOLDER_TOKENS: {"transactionId": "T-1", "authType": "1", "userName": "张三", "idType": "1", "idNo": "x"},
    }[route]
    return {**base, **changes}


@pytest.mark.parametrize(
    ("route", "changes", "field"),
    [
        (SEARCH, {"bizNum": "B-\x00-1"}, "bizNum"),
        (SEARCH, {"bizNum": "\x00"}, "bizNum"),
        (SEARCH, {"itemCode": "SCN\x00"}, "itemCode"),
        (SEARCH, {"trustedToken": "yht_\x00"}, "trustedToken"),
        (SEARCH, {"operator": "李\ud800四"}, "operator"),
        (SEARCH, {"certificateType": ["a", {"b": "\x00"}]}, "certificateType[1].b"),
        (SEARCH, {"nul\x00key": "x"}, "字段名"),
        (REGISTER, {"appSecret": "s\x00"}, "appSecret"),
        (REGISTER, {"corpName": "\x00单位"}, "corpName"),
        (HOLDER_TOKENS, {"idNo": "3101\x00"}, "idNo"),
        (HOLDER_TOKENS, {"transactionId": "T\x00"}, "transactionId"),
    ],
)
def test_unstorable_text_in_business_parameters(client, app, route, changes, field):
    params = hostile_params(route, **changes)
    answer = head_of(post(client, route, sealed_text(text(params).encode())), st.INVALID_PARAMETERS)
    assert field in answer["head"]["message"]
    call = last_call(route)
    assert (call.account_id, call.status_code) == (APP, st.INVALID_PARAMETERS.code)
    # The refused call is recorded with what could be kept of its bizNum.
    biz_num = params.get("bizNum")
    if isinstance(biz_num, str):
        assert call.biz_num == biz_num.replace("\x00", "")


def _service_code_with_payload(payload: bytes) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return f"YSJSC1.suishenma.SH.{b64(payload)}.{b64(bytes(64))}"


@pytest.mark.parametrize(
    "payload", [nested(1_400).encode(), b'{"iat": ' + b"9" * 2_900 + b"}", b'{"iat": NaN}'],
    ids=["deep", "digits", "nan"],
)
def test_hostile_json_inside_a_service_code(client, app, payload):
    """A service code's payload is JSON too, inside a business parameter: unrecognised (4011), never 9999."""
    from ..trust.factories import access_token

    params = {"transactionId": "T-QR", "authType": "3", "qrCode": _service_code_with_payload(payload)}
    body = envelope.seal_request(APP, params, hub_key().public_key, head={"accessToken": access_token(app)})
    route = HOLDER_TOKENS
    head_of(post(client, route, json.dumps(body)), st.SERVICE_CODE_INVALID)
    assert last_call(route).status_code == st.SERVICE_CODE_INVALID.code


def test_unknown_account_with_a_long_claim_is_recorded(client, db):
    account = "x" * 5000
    head_of(post(client, SEARCH, sealed_text(b"{}", account=account)), st.UNKNOWN_ACCOUNT)
    assert last_call(SEARCH).account_id == "x" * 64


# ---------------------------------------------------------------- the outermost layer
def test_unknown_api_path_is_an_envelope_1012(client, db):
    for method in (client.post, client.get):
        head_of(method("/api/v1/no/such/endpoint"), st.NOT_FOUND)


def test_a_non_envelope_view_that_raises_answers_9999(client, db):
    head_of(client.post("/api/v1/test/crash"), st.INTERNAL_ERROR)
    call = last_call("/api/v1/test/crash")
    assert call.status_code == st.INTERNAL_ERROR.code and len(call.response_digest) == 64


def test_an_html_error_page_under_the_prefix_becomes_an_envelope(client, db):
    head_of(client.get("/api/v1/test/html"), st.INTERNAL_ERROR)


def test_a_request_django_refuses_before_any_view_is_an_envelope(client, db):
    # A Host header outside ALLOWED_HOSTS: Django's own 400 page, before the URL is resolved.
    head_of(client.post(SEARCH, data=b"{}", content_type=JSON_TYPE, HTTP_HOST="evil.example"), st.MALFORMED_ENVELOPE)


def test_pages_outside_the_prefix_are_left_alone(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_failing_exception_handler_still_answers_an_envelope(client, app, monkeypatch):
    def broken(self, exc):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(drf.EnvelopeAPIView, "handle_exception", broken)
    head_of(post(client, SEARCH, b"{not json"), st.INTERNAL_ERROR)
    assert last_call(SEARCH).status_code == st.INTERNAL_ERROR.code


def test_a_failing_record_does_not_replace_the_answer(client, app, monkeypatch):
    def broken(records):
        raise RuntimeError("the log is down")

    monkeypatch.setattr("trust.envelope.views.record_calls", broken)
    head_of(post(client, SEARCH, nested(5_000)), st.MALFORMED_ENVELOPE)


# ---------------------------------------------------------------- a regional node
NODE_SEARCH = "/api/v1/certificates/search"


@pytest.fixture(scope="module")
def node(tmp_path_factory, node_template):
    """One node of its own (SH), so that nothing here touches the shared four."""
    node = make_node("SH", node_template, tmp_path_factory.mktemp("hostile-node"), NODE_DRILLS="0")
    node.start()
    yield node
    node.stop()


def node_call_log(node, request_id: str) -> list[sqlite3.Row]:
    with contextlib.closing(sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10)) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute("SELECT * FROM node_exchange_calllog WHERE request_id = ?", (request_id,)).fetchall()


def node_post(node, body: str) -> tuple[httpx.Response, str]:
    request_id = uuid.uuid4().hex
    response = httpx.post(
        node.url + NODE_SEARCH,
        content=body.encode(),
        headers={"Content-Type": JSON_TYPE, "X-Request-ID": request_id},
        timeout=30,
    )
    return response, request_id


def node_head(response: httpx.Response, status: st.Status) -> dict:
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
    body = response.json()
    assert body["head"]["status"] == status.code, body
    assert body["head"]["message"].startswith(status.message) and is_chinese(body["head"]["message"])
    return body


def node_sealed(node, plaintext: bytes, account: str = "ysj-hub") -> str:
    return text({"head": {"accountId": account}, "encryptData": sm2.encrypt_hex(node.public_key, plaintext)})


NODE_CASES = [
    pytest.param(lambda node: nested(100_000), st.MALFORMED_ENVELOPE, id="outer-deep-100000"),
    pytest.param(lambda node: embed('{"head": {"accountId": "ysj-hub", "n": $VALUE}, "encryptData": "04AB"}',
                                    big_int(100_000)), st.MALFORMED_ENVELOPE, id="outer-int-100000"),
    pytest.param(lambda node: text({"head": {"accountId": "ysj-hub\x00"}, "encryptData": "04AB"}),
                 st.MALFORMED_ENVELOPE, id="outer-nul-account"),
    pytest.param(lambda node: node_sealed(node, nested(2_000).encode()), st.BAD_PLAINTEXT, id="inner-deep-2000"),
    pytest.param(lambda node: node_sealed(node, embed('{"holder": $VALUE}', big_int(5_000)).encode()), st.BAD_PLAINTEXT,
                 id="inner-int-5000"),
    pytest.param(lambda node: node_sealed(node, text({"audit": {"bizNum": "B\x00"}}).encode()),
                 st.INVALID_PARAMETERS, id="inner-nul-bizNum"),
    pytest.param(lambda node: node_sealed(node, text({"holder": {"name": "\ud800"}}).encode()),
                 st.INVALID_PARAMETERS, id="inner-surrogate"),
]


@pytest.mark.parametrize(("make", "status"), NODE_CASES)
def test_hostile_input_at_a_node(node, make, status):
    response, request_id = node_post(node, make(node))
    node_head(response, status)
    (row,) = node_call_log(node, request_id)
    assert row["status_code"] == status.code


def test_unknown_path_at_a_node_is_an_envelope(node):
    response = httpx.post(node.url + "/api/v1/no/such/endpoint", content=b"{}", headers={"Content-Type": JSON_TYPE})
    node_head(response, st.NOT_FOUND)


def test_a_non_envelope_refusal_at_a_node_becomes_an_envelope_and_is_logged(node):
    """The demo issuer only takes POST: Django's bare 405 becomes the envelope 1009, in the call log."""
    request_id = uuid.uuid4().hex
    response = httpx.get(node.url + "/api/v1/service-codes/issue", headers={"X-Request-ID": request_id}, timeout=30)
    node_head(response, st.METHOD_NOT_ALLOWED)
    (row,) = node_call_log(node, request_id)
    assert row["status_code"] == st.METHOD_NOT_ALLOWED.code


@pytest.mark.django_db(transaction=True)
def test_a_hostile_answer_is_a_protocol_error_for_the_caller(live_server):
    """The client side reads answers as the providers read requests: deep JSON is not an envelope."""
    peer = Peer(base_url=live_server.url, public_key=hub_key().public_key, name="hostile")
    with EnvelopeClient(peer, account_id=APP, private_key=key_for(APP)) as client, pytest.raises(ProtocolError):
        client.call("/api/v1/test/deep-answer", {})
