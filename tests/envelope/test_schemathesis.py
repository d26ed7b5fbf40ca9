"""Schemathesis against the hub's OpenAPI schema: every documented operation, zero 500s.

The schema documents the decrypted business parameters of each section-12 call (the envelope is
the same for all). An adapter turns each generated case into what a client really sends: its
parameters as UTF-8 JSON, SM2-encrypted to the hub's key, in an envelope from a registered
application with a valid access token, so the cases reach parameter validation and the handlers
rather than stopping at the envelope. The public evidence endpoints get the generated query as it
is. Every answer must be an envelope (or JSON) with a documented ``head.status``, never a server
error, never 9999.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from tests.factories import ApplicationFactory, RegionFactory
from tests.keys import hub_key, key_for
from tests.trust.factories import access_token
from ysj_protocol import envelope
from ysj_protocol import status as st

pytestmark = pytest.mark.django_db

DOCUMENTED = {status.code for status in st.all_statuses()}


@pytest.fixture
def api_schema(db):
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)))


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def caller(db) -> dict:
    for code in ("SH", "JS", "ZJ", "AH"):
        RegionFactory(code=code)  # endpoints on a closed port: the fan-out fails fast, as a region down
    application = ApplicationFactory(app_id="app-fuzz")
    return {"app_id": application.app_id, "token": access_token(application)}


def _envelope(params: object, app_id: str, token: str) -> bytes:
    """What a client sends: the parameters (whatever JSON was generated), encrypted to the hub."""
    body = json.dumps(params, ensure_ascii=False).encode("utf-8")
    cipher = envelope.encrypt_text(hub_key().public_key, body)
    return json.dumps({"head": {"accountId": app_id, "accessToken": token}, "encryptData": cipher}).encode()


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_documented_operation_answers_a_server_error(case, caller, client: Client) -> None:
    method = case.method.upper()
    if case.path.startswith("/api/v1/"):
        if method == "POST":
            params = case.body if isinstance(case.body, (dict, list, str, int, float, bool)) else {}
            response = client.post(
                case.formatted_path, data=_envelope(params, caller["app_id"], caller["token"]),
                content_type="application/json",
            )
        else:  # the methods the schema does not document: 1009, as an envelope
            response = client.generic(method, case.formatted_path)
        assert response.status_code < 500, response.content[:500]
        if method == "HEAD":
            return
        head = response.json()["head"]
        assert head["status"] in DOCUMENTED, head
        assert head["status"] != st.INTERNAL_ERROR.code, (case.path, case.body, head)
        if head["status"] == st.OK.code:
            assert envelope.open_response(response.json(), key_for(caller["app_id"])).ok
    else:
        response = client.generic(method, case.formatted_path, QUERY_STRING=_query(case.query))
        assert response.status_code < 500, response.content[:500]
        if method != "HEAD" and response.status_code != 405:
            assert response["Content-Type"].startswith(("application/json", "text/plain"))


def _query(query: dict | None) -> str:
    from urllib.parse import urlencode

    return urlencode(query or {}, doseq=True)
