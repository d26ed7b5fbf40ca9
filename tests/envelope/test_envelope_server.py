"""The provider side of the envelope over real HTTP: success and the whole bad-input matrix."""

import json

import httpx
import pytest

from trust.models import ApplicationStatus, EnvelopeCall
from ysj_protocol import envelope
from ysj_protocol import status as st
from ysj_protocol.client import EnvelopeClient, Peer, StatusError
from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2

from ..crypto.openssl_cli import openssl_decrypt, openssl_encrypt, requires_openssl
from ..crypto.test_interop_gmssl import gmssl_for
from ..factories import ApplicationFactory
from ..keys import hub_key, key_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.envelope.urls")]

ECHO = "/test/echo"


@pytest.fixture
def app():
    return ApplicationFactory(app_id="app-echo")


@pytest.fixture
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        yield client


def seal(params: dict, *, account: str = "app-echo", key: sm2.PublicKey | None = None, **kw) -> dict:
    return envelope.seal_request(account, params, key or hub_key().public_key, **kw)


def post(http: httpx.Client, body, *, path: str = ECHO, content_type: str = "application/json; charset=utf-8"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(path, content=data, headers={"Content-Type": content_type})


def test_round_trip_answers_encrypted_for_the_caller(app, http):
    response = post(http, seal({"name": "ab", "count": 2}))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["head"] == {"status": "0", "message": "接口调用成功"}
    assert body["encryptData"] == body["encryptData"].upper()
    assert body["encryptData"].startswith("04")
    opened = envelope.open_response(body, key_for("app-echo"))
    assert opened.data == {"echo": "abab", "caller": "app-echo"}


def test_base64_wrapped_request_is_answered_base64_wrapped(app, http):
    response = post(http, seal({"name": "x", "count": 3}, base64_wrap=True))
    body = response.json()
    plaintext = sm2.decrypt_hex(key_for("app-echo"), body["encryptData"])
    assert not plaintext.startswith(b"{")
    assert envelope.decode_params(plaintext) == ({"echo": "xxx", "caller": "app-echo"}, True)


def test_lower_case_hex_without_04_prefix_and_line_breaks_are_accepted(app, http):
    raw = sm2.encrypt(hub_key().public_key, b'{"name":"a","count":1}', c1_prefix=False)
    text = raw.hex()
    body = {"head": {"accountId": "app-echo"}, "encryptData": text[:60] + "\n" + text[60:]}
    response = post(http, body)
    assert response.json()["head"]["status"] == "0"


def test_client_class_calls_and_records(app, live_server):
    peer = Peer(base_url=live_server.url, public_key=hub_key().public_key, name="hub")
    records = []
    with EnvelopeClient(peer, account_id="app-echo", private_key=key_for("app-echo"), recorder=records.append) as client:
        opened = client.call(ECHO, {"name": "z", "count": 1, "bizNum": "BIZ-1"})
        assert opened.data["echo"] == "z"
        with pytest.raises(StatusError) as refused:
            client.call(ECHO, {"name": "refuse", "count": 1})
    assert refused.value.status == st.CERTIFICATE_NOT_FOUND.code
    assert refused.value.http_status == 200  # a refusal in head.status, as 12.1.2 shows
    assert [r.status_code for r in records] == ["0", st.CERTIFICATE_NOT_FOUND.code]
    assert records[0].biz_num == "BIZ-1" and len(records[0].request_digest) == 64


#: Refusals of a request that never became a section-12 call: their HTTP status in either mode.
HTTP_LEVEL = {st.PAYLOAD_TOO_LARGE, st.METHOD_NOT_ALLOWED, st.UNSUPPORTED_MEDIA_TYPE, st.NOT_FOUND}


def expect(response: httpx.Response, status: st.Status, *, encrypted: bool, mapped: bool = False) -> dict:
    """The answer of ``status``: HTTP 200 (or the status's own with ``mapped``) unless HTTP-level."""
    http_status = status.http_status if mapped or status in HTTP_LEVEL else 200
    assert response.status_code == http_status, response.text
    body = response.json()
    assert body["head"]["status"] == status.code
    assert body["head"]["message"].startswith(status.message)
    assert ("encryptData" in body) is encrypted
    assert "Traceback" not in response.text
    return body


def test_unknown_account_is_answered_in_clear(http, db):
    expect(post(http, seal({"name": "a", "count": 1}, account="nobody")), st.UNKNOWN_ACCOUNT, encrypted=False)


def test_disabled_account_is_refused(app, http):
    app.status = ApplicationStatus.SUSPENDED
    app.save()
    expect(post(http, seal({"name": "a", "count": 1})), st.ACCOUNT_DISABLED, encrypted=False)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", st.MALFORMED_ENVELOPE),
        (b"{not json", st.MALFORMED_ENVELOPE),
        (b"\xff\xfe", st.MALFORMED_ENVELOPE),
        ([1, 2], st.MALFORMED_ENVELOPE),
        ({"encryptData": "00"}, st.MALFORMED_ENVELOPE),
        ({"head": "x", "encryptData": "00"}, st.MALFORMED_ENVELOPE),
        ({"head": {}, "encryptData": "00"}, st.MISSING_ACCOUNT),
        ({"head": {"accountId": 7}, "encryptData": "00"}, st.MISSING_ACCOUNT),
        ({"head": {"accountId": "app-echo"}}, st.MALFORMED_ENVELOPE),
    ],
)
def test_malformed_envelopes(app, http, body, status):
    expect(post(http, body), status, encrypted=False)


def test_non_hex_ciphertext(app, http):
    body = expect(post(http, {"head": {"accountId": "app-echo"}, "encryptData": "04XYZ"}), st.BAD_HEX, encrypted=True)
    assert envelope.open_response(body, key_for("app-echo")).data["status"] == st.BAD_HEX.code


def test_ciphertext_for_another_key_is_refused(app, http):
    other = sm2.PrivateKey.generate().public_key
    expect(post(http, seal({"name": "a", "count": 1}, key=other)), st.DECRYPTION_FAILED, encrypted=True)


@pytest.mark.parametrize("position", [10, 70, 140, -2])
def test_tampered_ciphertext_is_refused(app, http, position):
    body = seal({"name": "a", "count": 1})
    text = body["encryptData"]
    flipped = "0" if text[position] != "0" else "1"
    body["encryptData"] = text[:position] + flipped + text[position + 1 :] if position >= 0 else text[:-2] + "00"
    expect(post(http, body), st.DECRYPTION_FAILED, encrypted=True)


def test_truncated_ciphertext_is_refused(app, http):
    body = seal({"name": "a", "count": 1})
    body["encryptData"] = body["encryptData"][:100]
    expect(post(http, body), st.DECRYPTION_FAILED, encrypted=True)


@pytest.mark.parametrize("plaintext", [b"not json", b"[1,2]", b"\xff\xfe\xfd", b'"text"'])
def test_plaintext_that_is_not_a_json_object(app, http, plaintext):
    body = {"head": {"accountId": "app-echo"}, "encryptData": sm2.encrypt_hex(hub_key().public_key, plaintext)}
    expect(post(http, body), st.BAD_PLAINTEXT, encrypted=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"count": 1}, "name"), ({"name": "a"}, "count"), ({"name": "a", "count": -1}, "count"),
     ({"name": "a" * 21, "count": 1}, "name"), ({"name": "a", "count": "many"}, "count")],
)
def test_invalid_business_parameters_name_the_field(app, http, params, field):
    body = expect(post(http, seal(params)), st.INVALID_PARAMETERS, encrypted=True)
    assert field in body["head"]["message"]


def test_payload_over_the_limit(app, http, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = seal({"name": "a", "count": 1, "padding": "x" * 4096})
    expect(post(http, body), st.PAYLOAD_TOO_LARGE, encrypted=False)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_post_is_allowed(app, http, method):
    expect(http.request(method, ECHO), st.METHOD_NOT_ALLOWED, encrypted=False)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=gbk"])
def test_wrong_content_type(app, http, content_type):
    expect(post(http, seal({"name": "a", "count": 1}), content_type=content_type), st.UNSUPPORTED_MEDIA_TYPE,
           encrypted=False)


def test_handler_crash_is_an_envelope_error_without_detail(app, http):
    response = post(http, seal({"name": "boom", "count": 1}))
    body = expect(response, st.INTERNAL_ERROR, encrypted=True)
    assert "secret internal detail" not in response.text
    assert envelope.open_response(body, key_for("app-echo")).data["status"] == "9999"


def test_unknown_api_path_is_a_json_error(http, db):
    expect(post(http, {}, path="/api/v1/nothing/here"), st.NOT_FOUND, encrypted=False)


def test_no_answer_leaves_unless_its_record_is_written(app, http, monkeypatch):
    """Fail closed (8.5, 11.3): even a call that hands nothing out is refused with 9999 when its
    record cannot be committed. A database refusing this one write cannot be caused on demand
    without breaking the test's own connection, so the write is made to fail."""
    from django.db import DatabaseError

    def refuse(*args, **kwargs):
        raise DatabaseError("could not extend file")

    monkeypatch.setattr(EnvelopeCall.objects, "bulk_create", refuse)
    response = post(http, seal({"name": "ab", "count": 1}))
    assert response.json()["head"]["status"] == st.INTERNAL_ERROR.code
    assert not EnvelopeCall.objects.exists()


def test_every_call_is_recorded_with_digests(app, http):
    post(http, seal({"name": "a", "count": 1, "bizNum": "B-42"}))
    post(http, seal({"name": "a", "count": 1}, account="nobody"))
    post(http, b"{bad")
    calls = list(EnvelopeCall.objects.order_by("id"))
    assert [(c.account_id, c.status_code, c.http_status) for c in calls] == [
        ("app-echo", "0", 200),
        ("nobody", st.UNKNOWN_ACCOUNT.code, 200),
        ("", st.MALFORMED_ENVELOPE.code, 200),
    ]
    assert calls[0].biz_num == "B-42"
    assert calls[0].direction == "in" and calls[0].endpoint == ECHO
    assert all(len(c.request_digest) == 64 and len(c.response_digest) == 64 for c in calls)
    assert calls[0].latency_ms > 0


# ----------------------------------------------------------------------------- HTTP status modes
def test_http_level_refusals_are_the_documented_four():
    documented = {status.code for status in HTTP_LEVEL}
    assert documented == drf.HTTP_LEVEL_REFUSALS


@pytest.mark.parametrize(
    ("body", "status", "encrypted"),
    [
        (lambda: seal({"name": "a", "count": 1}, account="nobody"), st.UNKNOWN_ACCOUNT, False),
        (lambda: {"head": {}, "encryptData": "00"}, st.MISSING_ACCOUNT, False),
        (lambda: seal({"name": "a", "count": 1}, key=sm2.PrivateKey.generate().public_key), st.DECRYPTION_FAILED, True),
        (lambda: seal({"name": "a", "count": -1}), st.INVALID_PARAMETERS, True),
        (lambda: seal({"name": "refuse", "count": 1}), st.CERTIFICATE_NOT_FOUND, True),
        (lambda: seal({"name": "boom", "count": 1}), st.INTERNAL_ERROR, True),
    ],
)
@pytest.mark.parametrize("mode", ["head", "mapped"])
def test_envelope_answers_in_both_modes(app, http, settings, mode, body, status, encrypted):
    """``head`` (the default): HTTP 200, the outcome in head.status; ``mapped``: each code's own."""
    settings.YSJ_ENVELOPE_HTTP_STATUS = mode
    expect(post(http, body()), status, encrypted=encrypted, mapped=mode == "mapped")
    assert EnvelopeCall.objects.get().http_status == (200 if mode == "head" else status.http_status)


@pytest.mark.parametrize("mode", ["head", "mapped"])
def test_http_level_refusals_keep_their_status_in_both_modes(app, http, settings, mode):
    settings.YSJ_ENVELOPE_HTTP_STATUS = mode
    expect(http.get(ECHO), st.METHOD_NOT_ALLOWED, encrypted=False)
    expect(post(http, seal({"name": "a", "count": 1}), content_type="text/plain"), st.UNSUPPORTED_MEDIA_TYPE,
           encrypted=False)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    expect(post(http, seal({"name": "a", "count": 1, "padding": "x" * 4096})), st.PAYLOAD_TOO_LARGE, encrypted=False)


def test_client_reads_a_mapped_refusal_the_same_way(app, live_server, settings):
    settings.YSJ_ENVELOPE_HTTP_STATUS = "mapped"
    peer = Peer(base_url=live_server.url, public_key=hub_key().public_key, name="hub")
    with EnvelopeClient(peer, account_id="app-echo", private_key=key_for("app-echo")) as client:
        with pytest.raises(StatusError) as refused:
            client.call(ECHO, {"name": "refuse", "count": 1})
        assert client.call(ECHO, {"name": "ok", "count": 1}).data["echo"] == "ok"
    assert (refused.value.status, refused.value.http_status) == (st.CERTIFICATE_NOT_FOUND.code, 404)


# ----------------------------------------------------------------------------- DER ciphertexts
def der_body(der: bytes, *, account: str = "app-echo") -> dict:
    return {"head": {"accountId": account}, "encryptData": der.hex().upper()}


@requires_openssl
@pytest.mark.parametrize("case", ["upper", "lower"])
def test_openssl_der_request_is_answered_in_der(app, http, case):
    der = openssl_encrypt(hub_key().public_key, b'{"name": "ab", "count": 2}')
    text = der.hex().upper() if case == "upper" else der.hex()
    response = post(http, {"head": {"accountId": "app-echo"}, "encryptData": text})
    assert response.status_code == 200
    body = response.json()
    assert body["head"]["status"] == "0"
    assert body["encryptData"] == body["encryptData"].upper() and body["encryptData"].startswith("30")
    answer = openssl_decrypt(key_for("app-echo"), bytes.fromhex(body["encryptData"]))
    assert json.loads(answer) == {"echo": "abab", "caller": "app-echo"}
    assert envelope.open_response(body, key_for("app-echo")).data == {"echo": "abab", "caller": "app-echo"}


@requires_openssl
def test_openssl_der_of_base64_parameters_is_answered_in_both_forms(app, http):
    import base64

    der = openssl_encrypt(hub_key().public_key, base64.b64encode(b'{"name":"x","count":3}'))
    body = post(http, der_body(der)).json()
    answer = openssl_decrypt(key_for("app-echo"), bytes.fromhex(body["encryptData"]))
    assert json.loads(base64.b64decode(answer)) == {"echo": "xxx", "caller": "app-echo"}


@requires_openssl
def test_der_refusal_after_decryption_is_answered_in_der(app, http):
    der = openssl_encrypt(hub_key().public_key, b'{"name": "a", "count": -1}')
    body = expect(post(http, der_body(der)), st.INVALID_PARAMETERS, encrypted=True)
    answer = json.loads(openssl_decrypt(key_for("app-echo"), bytes.fromhex(body["encryptData"])))
    assert answer["status"] == st.INVALID_PARAMETERS.code


@requires_openssl
def test_der_for_another_key_is_1005(app, http):
    der = openssl_encrypt(sm2.PrivateKey.generate().public_key, b'{"name": "a", "count": 1}')
    expect(post(http, der_body(der)), st.DECRYPTION_FAILED, encrypted=True)


def test_altered_der_is_1005(app, http):
    der = bytearray(sm2.encrypt_der(hub_key().public_key, b'{"name": "a", "count": 1}'))
    der[-1] ^= 1
    expect(post(http, der_body(bytes(der))), st.DECRYPTION_FAILED, encrypted=True)


def test_client_can_send_der_and_reads_the_der_answer(app, live_server):
    sent, received = [], []
    hooks = {
        "request": [lambda request: sent.append(json.loads(request.content))],
        "response": [lambda response: received.append(response)],
    }
    peer = Peer(base_url=live_server.url, public_key=hub_key().public_key, name="hub")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    with httpx.Client(base_url=live_server.url, event_hooks=hooks, headers=headers, timeout=10) as transport:
        client = EnvelopeClient(peer, account_id="app-echo", private_key=key_for("app-echo"), der=True, http=transport)
        assert client.call(ECHO, {"name": "d", "count": 2}).data["echo"] == "dd"
        answer = received[0].read()
    assert sm2.decrypt_der(hub_key(), bytes.fromhex(sent[0]["encryptData"]))
    assert sm2.decrypt_der(key_for("app-echo"), bytes.fromhex(json.loads(answer)["encryptData"]))


# ----------------------------------------------------------------------------- the C1C2C3 order
@pytest.mark.parametrize("c1_prefix", [True, False])
def test_old_component_order_has_its_own_code(app, http, c1_prefix):
    raw = sm2.encrypt(hub_key().public_key, b'{"name": "a", "count": 1}', order="C1C2C3", c1_prefix=c1_prefix)
    body = expect(post(http, der_body(raw)), st.WRONG_CIPHERTEXT_ORDER, encrypted=True)
    assert "C1C3C2" in body["head"]["message"]
    assert envelope.open_response(body, key_for("app-echo")).data["status"] == st.WRONG_CIPHERTEXT_ORDER.code


def test_gmssl_default_order_is_told_it_is_the_old_order(app, http, settings):
    settings.YSJ_ENVELOPE_HTTP_STATUS = "mapped"
    crypt = gmssl_for(hub_key(), mode=0)  # gmssl's default: C1C2C3, C1 without 04
    raw = next(filter(None, (crypt.encrypt(b'{"name": "a", "count": 1}') for _ in range(8))))
    expect(post(http, der_body(raw)), st.WRONG_CIPHERTEXT_ORDER, encrypted=True, mapped=True)


def test_altered_old_order_ciphertext_stays_1005(app, http):
    raw = bytearray(sm2.encrypt(hub_key().public_key, b'{"name": "a", "count": 1}', order="C1C2C3"))
    raw[80] ^= 1
    expect(post(http, der_body(bytes(raw))), st.DECRYPTION_FAILED, encrypted=True)
