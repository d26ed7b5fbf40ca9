"""Property: whatever the body, the hub answers a JSON envelope with a documented status (issue 16).

Random bytes, random JSON, mutations of a valid sealed envelope, and plaintexts generated here and
encrypted to the hub's key (so the fuzzing reaches past decryption into the business parameters):
never an HTML page, never a 5xx outside the table, never 9999 (a crash), always ``head.status`` of
``ysj_protocol.status`` with a message. The examples are derandomised and capped so that
``make test`` runs the same cases in a few seconds each time.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from trust.models import EnvelopeCall
from ysj_protocol import status as st
from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2

from ..keys import hub_key
from ..trust.factories import (
    AUDIT,
    access_token,
    demo_catalog_entry,
    holder_token,
    live_scenario,
    registered_app,
)

pytestmark = pytest.mark.django_db

JSON_TYPE = "application/json; charset=utf-8"
APP = "app-fuzz"
SCENARIO = "SCN-FUZZ"
ROUTES = [
    "/api/v1/certificates/search",
    "/api/v1/certificates/info/by-id",
    "/api/v1/certificates/file/by-holder",
    "/api/v1/certificates/verify",
    "/api/v1/catalogs/query",
    "/api/v1/scenarios/query",
    "/api/v1/trust/apps/register",
    "/api/v1/trust/holder-tokens",
    "/api/v1/trust/service-codes/verify",
    "/api/v1/no/such/endpoint",
]
DOCUMENTED = {status.code: status for status in st.all_statuses()}
#: Parameter names the endpoints read, so that generated parameters reach their validation.
PARAM_NAMES = sorted({*AUDIT, "itemCode", "trustedToken", "certificateID", "certificateId", "certificateType",
                      "certificateNumber", "fileFormat", "fileEntity", "qrCode", "appId", "appSecret", "corpName",
                      "corpCode", "transactionId", "authType", "idType", "idNo", "name", "userName"})

FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---------------------------------------------------------------- strategies
#: Any text JSON can carry: NUL, control characters, lone surrogates (escaped by ``json.dumps``).
any_text = hs.text(alphabet=hs.characters(codec=None, exclude_categories=()), max_size=40)
huge_int = hs.integers(min_value=1, max_value=6000).map(lambda digits: int("9" * min(digits, 4000)))
scalars = hs.one_of(
    hs.none(), hs.booleans(), hs.integers(), hs.floats(allow_nan=False, allow_infinity=False), hs.text(max_size=20)
)
hostile_scalars = hs.one_of(scalars, huge_int, any_text)
#: Plain JSON values (what a careless caller sends) and hostile ones (what an attacker sends).
json_values = hs.recursive(
    scalars,
    lambda children: hs.one_of(hs.lists(children, max_size=4), hs.dictionaries(hs.text(max_size=8), children, max_size=4)),
    max_leaves=20,
)
hostile_values = hs.recursive(
    hostile_scalars,
    lambda children: hs.one_of(hs.lists(children, max_size=4), hs.dictionaries(any_text, children, max_size=4)),
    max_leaves=20,
)


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)


@hs.composite
def hostile_json_text(draw: hs.DrawFn) -> str:
    """JSON text, sometimes wrapped in deep nesting or carrying an integer literal too long to convert."""
    text = json_text(draw(hostile_values))
    kind = draw(hs.sampled_from(["plain", "deep", "digits", "constant"]))
    if kind == "deep":
        depth = draw(hs.integers(min_value=1, max_value=100_000))
        return "[" * depth + text + "]" * depth
    if kind == "digits":
        return '{"n": ' + "7" * draw(hs.integers(min_value=4000, max_value=100_000)) + "}"
    if kind == "constant":
        return '{"n": ' + draw(hs.sampled_from(["NaN", "Infinity", "-Infinity", "1e999999"])) + "}"
    return text


@hs.composite
def business_params(draw: hs.DrawFn, tokens: dict[str, str]) -> dict[str, Any]:
    """Parameters shaped like the endpoints' own: their names, valid values or hostile ones."""
    valid = {**AUDIT, "itemCode": SCENARIO, **tokens}
    # Half the calls start well-formed and change a few fields, so the checks after validation
    # (tokens, scenario lists, the handlers) are reached; the other half are built from nothing.
    params: dict[str, Any] = dict(valid) if draw(hs.booleans()) else {}
    for name in draw(hs.lists(hs.sampled_from(PARAM_NAMES), unique=True, max_size=4)):
        params[name] = draw(hs.one_of(json_values, hostile_values))
    params.update(draw(hs.dictionaries(hs.text(max_size=8), json_values, max_size=2)))
    return params


def mutate(data: bytes, positions: list[int], replacement: bytes) -> bytes:
    """``data`` with ``replacement`` written over each position (modulo its length), or truncated there."""
    out = bytearray(data)
    for position in positions:
        if not out:
            break
        index = position % len(out)
        if replacement:
            out[index : index + len(replacement)] = replacement
        else:
            del out[index:]
    return bytes(out)


# ---------------------------------------------------------------- the property
@pytest.fixture
def hub(db: None) -> dict[str, str]:
    """A registered application with its scenario list and tokens; returns the valid tokens."""
    application, _ = registered_app(APP)
    live_scenario(SCENARIO, [demo_catalog_entry("居民身份证")], [application])
    return {"accessToken": access_token(application), "trustedToken": holder_token(application)}


def check_answer(client: Client, route: str, body: bytes) -> str:
    """Post ``body``; assert the answer is a documented envelope; its status code."""
    response = client.post(route, data=body, content_type=JSON_TYPE)
    content_type = response["Content-Type"]
    assert content_type.startswith("application/json"), (response.status_code, content_type, response.content[:200])
    answer = json.loads(response.content)
    head = answer["head"]
    status = DOCUMENTED.get(head["status"])
    assert status is not None, head
    assert status is not st.INTERNAL_ERROR, (route, body[:300])
    assert head["message"].startswith(status.message)
    assert response.status_code == drf.http_status_for(status, drf.configured_http_status_mode())
    return status.code


def seal(plaintext: bytes, head: dict[str, Any]) -> bytes:
    ciphertext = sm2.encrypt_hex(hub_key().public_key, plaintext)
    return json_text({"head": {"accountId": APP, **head}, "encryptData": ciphertext}).encode()


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@FUZZ
@given(route=hs.sampled_from(ROUTES), body=hs.binary(max_size=300))
def test_random_bytes(client, hub, route, body):
    check_answer(client, route, body)


@FUZZ
@given(route=hs.sampled_from(ROUTES), text=hostile_json_text())
def test_random_json_outside_the_encryption(client, hub, route, text):
    check_answer(client, route, text.encode())


@FUZZ
@given(
    route=hs.sampled_from(ROUTES),
    head=hs.dictionaries(hs.sampled_from(["accountId", "accessToken", "status", "x"]), hostile_values, max_size=3),
    encrypt_data=hs.one_of(hostile_values, hs.text(alphabet="0123456789abcdefABCDEF \n", max_size=300)),
)
def test_random_envelope_shapes(client, hub, route, head, encrypt_data):
    check_answer(client, route, json_text({"head": head, "encryptData": encrypt_data}).encode())


@FUZZ
@given(
    route=hs.sampled_from(ROUTES),
    positions=hs.lists(hs.integers(min_value=0), min_size=1, max_size=3),
    replacement=hs.binary(max_size=3),
)
def test_mutated_valid_envelopes(client, hub, route, positions, replacement):
    params = {**AUDIT, "itemCode": SCENARIO, "trustedToken": hub["trustedToken"]}
    valid = seal(json_text(params).encode(), {"accessToken": hub["accessToken"]})
    check_answer(client, route, mutate(valid, positions, replacement))


@FUZZ
@given(route=hs.sampled_from(ROUTES), text=hostile_json_text(), wrap=hs.booleans(), with_token=hs.booleans())
def test_hostile_plaintexts_inside_the_encryption(client, hub, route, text, wrap, with_token):
    plaintext = text.encode()
    if wrap:
        plaintext = base64.b64encode(plaintext)
    head = {"accessToken": hub["accessToken"]} if with_token else {}
    check_answer(client, route, seal(plaintext, head))


@FUZZ
@given(route=hs.sampled_from(ROUTES), plaintext=hs.binary(max_size=200))
def test_random_plaintext_bytes_inside_the_encryption(client, hub, route, plaintext):
    check_answer(client, route, seal(plaintext, {"accessToken": hub["accessToken"]}))


@FUZZ
@given(route=hs.sampled_from(ROUTES), data=hs.data())
def test_business_parameters_with_hostile_values(client, hub, route, data):
    params = data.draw(business_params({"trustedToken": hub["trustedToken"]}))
    check_answer(client, route, seal(json_text(params).encode(), {"accessToken": hub["accessToken"]}))


def test_every_fuzzed_call_is_recorded(client, hub):
    """The property's calls are refused like any other, so they are in the call records like any other."""
    bodies = [b"\xff", b'{"head": {"accountId": "\\u0000"}, "encryptData": "00"}', seal(b'{"bizNum": "\\u0000"}', {})]
    codes = [check_answer(client, "/api/v1/certificates/search", body) for body in bodies]
    recorded = list(EnvelopeCall.objects.order_by("id").values_list("status_code", flat=True))
    assert recorded[-3:] == codes == [st.MALFORMED_ENVELOPE.code, st.MALFORMED_ENVELOPE.code,
                                      st.INVALID_PARAMETERS.code]
