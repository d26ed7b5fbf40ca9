"""Each documented ``head.status`` is the one answered (issue 10): one real call per code.

``CASES`` holds, for every code of ``ysj_protocol.status``, a call through the hub's endpoints
over HTTP that causes it for real (a download address answers 4031 where it belongs, outside the
envelope). The test runs over ``status.all_statuses()``: a code added to the table without a case
here fails, and so does a case whose code left the table. The HTTP status is checked against the
table when the hub answers with mapped statuses, and only as "200 or the mapped one" otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.urls import reverse
from django.utils import timezone

from regional_node.demo import DEMO_PERSON, certificates_of
from scenarios.usage import check_usage
from sharing.models import CertificateID
from sharing.regions import clients
from trust import services
from trust.access import register_usage_check
from trust.models import ApplicationStatus, TrustedApplication
from ysj_protocol import envelope
from ysj_protocol import status as st
from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2

from ..factories import ApplicationFactory, RegionFactory
from ..keys import hub_key, key_for
from ..trust.factories import (
    AUDIT,
    access_token,
    demo_catalog_entry,
    holder_token,
    live_scenario,
    registered_app,
    service_code,
)
from ..trust.holders import PERSON

pytestmark = pytest.mark.django_db(transaction=True)

JSON_TYPE = "application/json; charset=utf-8"
SEARCH = "/api/v1/certificates/search"
INFO_BY_ID = "/api/v1/certificates/info/by-id"
CATALOGS = "/api/v1/catalogs/query"
REGISTER = "/api/v1/trust/apps/register"
HOLDER_TOKENS = "/api/v1/trust/holder-tokens"
VERIFY_CODE = "/api/v1/trust/service-codes/verify"
APP = "app-status"
OTHER = "app-status-other"
SCENARIO = "SCN-STATUS"


@dataclass
class Answer:
    http_status: int
    status: str
    message: str
    #: The JSON answer as received (an envelope, or the download view's plain object).
    body: dict[str, Any] = field(repr=False)
    #: Answered with the status's own HTTP status whatever the hub's mode (the node's provider
    #: endpoints, the hub's download addresses).
    mapped: bool = False


@dataclass
class World:
    """The hub on a live server with an application, its scenario list and tokens; regions on demand."""

    request: pytest.FixtureRequest
    http: httpx.Client
    application: TrustedApplication
    secret: str

    @cached_property
    def settings(self) -> Any:
        return self.request.getfixturevalue("settings")

    @cached_property
    def other(self) -> TrustedApplication:
        return ApplicationFactory(app_id=OTHER, region=RegionFactory(code="JS"))

    # ------------------------------------------------------------ calls
    def raw(self, body: bytes | str, *, path: str = SEARCH, content_type: str = JSON_TYPE,
            method: str = "POST") -> Answer:
        data = body.encode() if isinstance(body, str) else body
        response = self.http.request(method, path, content=data, headers={"Content-Type": content_type})
        return self._read(response, None)

    def call(self, path: str, params: dict[str, Any], *, account: str = APP, token: str | None = None,
             key: sm2.PublicKey | None = None, key_name: str | None = None) -> Answer:
        head = {"accessToken": token} if token is not None else {}
        body = envelope.seal_request(account, params, key or hub_key().public_key, head=head)
        response = self.http.post(path, content=json.dumps(body).encode(), headers={"Content-Type": JSON_TYPE})
        return self._read(response, key_for(key_name or account))

    def app_call(self, path: str, params: dict[str, Any], **kw: Any) -> Answer:
        """A call of the application with a valid access token unless ``token`` says otherwise."""
        kw.setdefault("token", access_token(self.application))
        return self.call(path, params, **kw)

    def search(self, **changes: Any) -> Answer:
        params = {**AUDIT, "itemCode": SCENARIO, "trustedToken": holder_token(self.application), **changes}
        return self.app_call(SEARCH, {k: v for k, v in params.items() if v is not None})

    @staticmethod
    def _read(response: httpx.Response, key: sm2.PrivateKey | None) -> Answer:
        body = response.json()
        if "head" not in body:  # the download view answers a plain object
            return Answer(response.status_code, body["status"], body["message"], body)
        head = body["head"]
        if key is not None and body.get("encryptData"):
            opened = envelope.open_response(body, key)
            return Answer(response.status_code, opened.status, opened.message, body)
        return Answer(response.status_code, head["status"], head["message"], body)

    # ------------------------------------------------------------ the regions, when a case needs them
    @cached_property
    def certificate_id(self) -> str:
        """A real certificateID of the application: a fused search over the four live nodes."""
        from ..sharing.conftest import make_caller

        live_server = self.request.getfixturevalue("live_server")
        self.request.getfixturevalue("live_regions")
        self.settings.YSJ_PUBLIC_BASE_URL = live_server.url
        caller = make_caller(live_server, "app-sharing")
        self.request.addfinalizer(caller.client.close)
        self.sharing = caller
        response = caller.search()
        assert response.ok, response.message
        return next(i["certificateID"] for i in response.data["dataList"] if i["certificateType"] == "居民身份证")

    def info_by_id(self, certificate_id: str, app_id: str = "app-sharing") -> Answer:
        from ..sharing.conftest import audit, make_caller

        caller = self.sharing if app_id == "app-sharing" else make_caller(self.request.getfixturevalue("live_server"),
                                                                          app_id)
        params = audit(certificateID=certificate_id)
        return self.call(INFO_BY_ID, params, account=app_id, token=caller.session.access_token)


# ---------------------------------------------------------------- the cases, by code
CASES: dict[str, Callable[[World], Answer]] = {}


def case(status: st.Status) -> Callable[[Callable[[World], Answer]], Callable[[World], Answer]]:
    def register(make: Callable[[World], Answer]) -> Callable[[World], Answer]:
        assert status.code not in CASES, f"two cases for {status.code}"
        CASES[status.code] = make
        return make

    return register


@case(st.OK)
def _ok(w: World) -> Answer:
    return w.app_call(CATALOGS, {})


# 1xxx: the envelope
@case(st.MALFORMED_ENVELOPE)
def _malformed(w: World) -> Answer:
    return w.raw(b"{not json")


@case(st.MISSING_ACCOUNT)
def _missing_account(w: World) -> Answer:
    return w.raw(json.dumps({"head": {}, "encryptData": "04AB"}))


@case(st.UNKNOWN_ACCOUNT)
def _unknown_account(w: World) -> Answer:
    return w.call(SEARCH, {}, account="nobody")


@case(st.BAD_HEX)
def _bad_hex(w: World) -> Answer:
    return w.raw(json.dumps({"head": {"accountId": APP}, "encryptData": "04XYZ"}))


@case(st.DECRYPTION_FAILED)
def _decryption_failed(w: World) -> Answer:
    return w.call(SEARCH, {}, key=sm2.PrivateKey.generate().public_key)


@case(st.BAD_PLAINTEXT)
def _bad_plaintext(w: World) -> Answer:
    ciphertext = sm2.encrypt_hex(hub_key().public_key, b"[1, 2]")
    return w.raw(json.dumps({"head": {"accountId": APP}, "encryptData": ciphertext}))


@case(st.INVALID_PARAMETERS)
def _invalid_parameters(w: World) -> Answer:
    return w.search(itemCode=None)


@case(st.PAYLOAD_TOO_LARGE)
def _payload_too_large(w: World) -> Answer:
    w.settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = envelope.seal_request(APP, {"padding": "x" * 4096}, hub_key().public_key)
    return w.raw(json.dumps(body))


@case(st.METHOD_NOT_ALLOWED)
def _method_not_allowed(w: World) -> Answer:
    return w.raw(b"", method="GET")


@case(st.UNSUPPORTED_MEDIA_TYPE)
def _unsupported_media_type(w: World) -> Answer:
    body = envelope.seal_request(APP, {}, hub_key().public_key)
    return w.raw(json.dumps(body), content_type="text/plain")


@case(st.ACCOUNT_DISABLED)
def _account_disabled(w: World) -> Answer:
    token = access_token(w.application)
    services.set_application_status(w.application, ApplicationStatus.SUSPENDED, "检查")
    return w.app_call(CATALOGS, {}, token=token)


@case(st.NOT_FOUND)
def _not_found(w: World) -> Answer:
    return w.raw(json.dumps(envelope.seal_request(APP, {}, hub_key().public_key)), path="/api/v1/no/such/endpoint")


def _c1c2c3(plaintext: bytes) -> str:
    """A ciphertext in the old order of GB/T 32918.4-2012 drafts: C1, then C2, then C3."""
    c1c3c2 = sm2.encrypt(hub_key().public_key, plaintext)
    c1, c3, c2 = c1c3c2[:65], c1c3c2[65:97], c1c3c2[97:]
    return (c1 + c2 + c3).hex().upper()


@case(st.WRONG_CIPHERTEXT_ORDER)
def _wrong_order(w: World) -> Answer:
    return w.raw(json.dumps({"head": {"accountId": APP}, "encryptData": _c1c2c3(b'{"a": 1}')}))


# 2xxx: trusted access
@case(st.ACCESS_TOKEN_MISSING)
def _access_token_missing(w: World) -> Answer:
    return w.call(SEARCH, {**AUDIT, "itemCode": SCENARIO, "trustedToken": "x"})


@case(st.ACCESS_TOKEN_INVALID)
def _access_token_invalid(w: World) -> Answer:
    return w.app_call(CATALOGS, {}, token="yat_not-a-token")


@case(st.ACCESS_TOKEN_EXPIRED)
def _access_token_expired(w: World) -> Answer:
    return w.app_call(CATALOGS, {}, token=access_token(w.application, expired=True))


@case(st.ACCESS_TOKEN_REVOKED)
def _access_token_revoked(w: World) -> Answer:
    return w.app_call(CATALOGS, {}, token=access_token(w.application, revoked=True))


@case(st.ACCESS_TOKEN_FOREIGN)
def _access_token_foreign(w: World) -> Answer:
    return w.app_call(CATALOGS, {}, token=access_token(w.other))


@case(st.HOLDER_TOKEN_MISSING)
def _holder_token_missing(w: World) -> Answer:
    return w.search(trustedToken=None)


@case(st.HOLDER_TOKEN_INVALID)
def _holder_token_invalid(w: World) -> Answer:
    return w.search(trustedToken="yht_unknown")


@case(st.HOLDER_TOKEN_EXPIRED)
def _holder_token_expired(w: World) -> Answer:
    return w.search(trustedToken=holder_token(w.application, expired=True))


@case(st.HOLDER_TOKEN_REVOKED)
def _holder_token_revoked(w: World) -> Answer:
    return w.search(trustedToken=holder_token(w.application, revoked=True))


@case(st.HOLDER_TOKEN_FOREIGN)
def _holder_token_foreign(w: World) -> Answer:
    return w.search(trustedToken=holder_token(w.other))


@case(st.HOLDER_PERMISSION_DENIED)
def _holder_permission_denied(w: World) -> Answer:
    from trust.models import HolderToken

    token = holder_token(w.application)
    HolderToken.objects.update(permission="file")  # issued for downloads only (12.2.3 permission)
    return w.search(trustedToken=token)


@case(st.REGION_RELAY_FOREIGN_APPLICATION)
def _region_relay_foreign_application(w: World) -> Answer:
    RegionFactory(code="JS")  # relays for an application registered under SH
    params = {**AUDIT, "itemCode": SCENARIO, "trustedToken": holder_token(w.application)}
    return w.call(SEARCH, params, account="region-js", key_name="region-JS", token=access_token(w.application))


def _register(w: World, **changes: str) -> Answer:
    app = w.application
    params = {"appId": app.app_id, "appSecret": w.secret, "corpName": app.corp_name, "corpCode": app.corp_code}
    return w.call(REGISTER, {**params, **changes})


@case(st.RATE_LIMITED)
def _rate_limited(w: World) -> Answer:
    w.settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 1
    assert _register(w, appSecret="guess").status == st.APP_CREDENTIALS_INVALID.code
    return _register(w)


@case(st.APP_SUSPENDED)
def _app_suspended(w: World) -> Answer:
    services.set_application_status(w.application, ApplicationStatus.SUSPENDED, "违规调用")
    return _register(w)


@case(st.APP_REVOKED)
def _app_revoked(w: World) -> Answer:
    services.set_application_status(w.application, ApplicationStatus.REVOKED, "违规调用")
    return _register(w)


@case(st.APP_CREDENTIALS_INVALID)
def _app_credentials_invalid(w: World) -> Answer:
    return _register(w, appSecret="wrong-secret")


@case(st.APP_CORP_MISMATCH)
def _app_corp_mismatch(w: World) -> Answer:
    return _register(w, corpName="别的单位")


@case(st.APP_ID_MISMATCH)
def _app_id_mismatch(w: World) -> Answer:
    return _register(w, appId="app-someone-else")


@case(st.REGION_CALLER_NOT_ALLOWED)
def _region_caller_not_allowed(w: World) -> Answer:
    RegionFactory(code="AH")
    return w.call(SEARCH, {**AUDIT, "itemCode": SCENARIO, "trustedToken": "x"}, account="region-ah",
                  key_name="region-AH")


# 3xxx: 7.3 usage
@case(st.SCENARIO_NOT_FOUND)
def _scenario_not_found(w: World) -> Answer:
    return w.search(itemCode="SCN-NONE")


@case(st.SCENARIO_NOT_VALID)
def _scenario_not_valid(w: World) -> Answer:
    live_scenario("SCN-LATER", [demo_catalog_entry("居民身份证")], [w.application], valid=False)
    return w.search(itemCode="SCN-LATER")


@case(st.SCENARIO_NOT_ASSOCIATED)
def _scenario_not_associated(w: World) -> Answer:
    live_scenario("SCN-OTHERS", [demo_catalog_entry("居民身份证")], [w.other])
    return w.search(itemCode="SCN-OTHERS")


@case(st.CERTIFICATE_TYPE_NOT_IN_SCENARIO)
def _type_not_in_scenario(w: World) -> Answer:
    demo_catalog_entry("机动车驾驶证")
    return w.search(certificateType="机动车驾驶证")


@case(st.CATALOG_NOT_SHARED)
def _catalog_not_shared(w: World) -> Answer:
    entries = [demo_catalog_entry("结婚证", shared=False), demo_catalog_entry("居民身份证")]
    live_scenario("SCN-OLD", entries, [w.application])
    return w.search(itemCode="SCN-OLD", certificateType="结婚证")


# 4xxx: the sharing services
@case(st.CERTIFICATE_ID_INVALID)
def _certificate_id_invalid(w: World) -> Answer:
    return w.app_call(INFO_BY_ID, {**AUDIT, "itemCode": SCENARIO, "certificateID": "not-an-id"})


@case(st.CERTIFICATE_ID_EXPIRED)
def _certificate_id_expired(w: World) -> Answer:
    value = w.certificate_id
    CertificateID.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    return w.info_by_id(value)


@case(st.CERTIFICATE_ID_FOREIGN)
def _certificate_id_foreign(w: World) -> Answer:
    value = w.certificate_id
    return w.info_by_id(value, app_id="app-sharing-other")


@case(st.CERTIFICATE_NOT_FOUND)
def _certificate_not_found(w: World) -> Answer:
    value = w.certificate_id
    # The region no longer knows the certificate the ID stands for.
    CertificateID.objects.update(certificate_ref="ref-withdrawn-by-the-region")
    return w.info_by_id(value)


@case(st.REGION_UNAVAILABLE)
def _region_unavailable(w: World) -> Answer:
    value = w.certificate_id
    # The demo person's 居民身份证 is issued by SH (tests.sharing.conftest).
    with w.request.getfixturevalue("regional_nodes").down("SH"):
        return w.info_by_id(value)


@case(st.CERTIFICATE_NOT_VALID)
def _certificate_not_valid(w: World) -> Answer:
    value = w.certificate_id
    node = w.request.getfixturevalue("regional_nodes")["SH"]
    ref = next(c.ref for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111")

    def set_status(status: str) -> None:
        node.manage("set_certificate_status", "--ref", ref, "--status", status, "--reason", "测试")

    set_status("revoked")  # at the region, after the search: the ID's ten minutes do not outlive it
    w.request.addfinalizer(lambda: set_status("valid"))
    return w.info_by_id(value)


# 2041-2045: a region's check of the grant the trust service issues for a provider call (10.1 d,
# 10.2 b), answered by the node: a status call of the hub to SH about the demo person's 居民身份证.
def _node_status_call(w: World, grant: dict[str, Any] | None) -> Answer:
    from ..regional import HUB_ACCOUNT_ID

    node = w.request.getfixturevalue("regional_nodes")["SH"]
    params: dict[str, Any] = {"certificateRef": _ID_CARD_REF}
    if grant is not None:
        params["grant"] = grant
    body = envelope.seal_request(HUB_ACCOUNT_ID, params, node.public_key)
    response = w.http.post(node.url + "/api/v1/certificates/status", content=json.dumps(body).encode(),
                           headers={"Content-Type": JSON_TYPE})
    return dataclasses.replace(w._read(response, hub_key()), mapped=True)


_ID_CARD_REF = next(c.ref for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111")


def _status_grant(**changes: Any) -> dict[str, Any]:
    from ysj_protocol import grants

    values: dict[str, Any] = {"region": "SH", "call": "status", "app_id": APP, "item_code": SCENARIO,
                              "type_codes": ["111"], "certificate_ref": _ID_CARD_REF, **changes}
    return grants.issue(hub_key(), **values)


@case(st.GRANT_MISSING)
def _grant_missing(w: World) -> Answer:
    return _node_status_call(w, None)


@case(st.GRANT_INVALID)
def _grant_invalid(w: World) -> Answer:
    grant = _status_grant()
    grant["signature"] = "00" * 64
    return _node_status_call(w, grant)


@case(st.GRANT_EXPIRED)
def _grant_expired(w: World) -> Answer:
    return _node_status_call(w, _status_grant(now=time.time() - 3600))


@case(st.GRANT_REPLAYED)
def _grant_replayed(w: World) -> Answer:
    grant = _status_grant()
    assert _node_status_call(w, grant).status == st.OK.code
    return _node_status_call(w, grant)


@case(st.GRANT_EXCEEDED)
def _grant_exceeded(w: World) -> Answer:
    return _node_status_call(w, _status_grant(certificate_ref="ref-of-another-certificate"))


def _verify_code(w: World, qr_code: str) -> Answer:
    return w.app_call(VERIFY_CODE, {**AUDIT, "itemCode": SCENARIO, "qrCode": qr_code})


@case(st.SERVICE_CODE_INVALID)
def _service_code_invalid(w: World) -> Answer:
    return _verify_code(w, "not a code at all")


@case(st.SERVICE_CODE_EXPIRED)
def _service_code_expired(w: World) -> Answer:
    return _verify_code(w, service_code(now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))


@case(st.SERVICE_CODE_FORGED)
def _service_code_forged(w: World) -> Answer:
    return _verify_code(w, service_code().rsplit(".", 1)[0] + "." + "B" * 86)


@case(st.SERVICE_CODE_REPLAYED)
def _service_code_replayed(w: World) -> Answer:
    code = service_code()
    assert _verify_code(w, code).status == st.OK.code
    return _verify_code(w, code)


@case(st.DUPLICATE_TRANSACTION)
def _duplicate_transaction(w: World) -> Answer:
    params = {"transactionId": "T-STATUS", "authType": "1", "idType": 1, "idNo": PERSON["idCard"],
              "name": PERSON["name"]}
    assert w.app_call(HOLDER_TOKENS, params).status == st.OK.code
    return w.app_call(HOLDER_TOKENS, params)


@case(st.DOWNLOAD_LINK_INVALID)
def _download_link_invalid(w: World) -> Answer:
    response = w.http.get("/api/v1/files/not-a-download-address")
    return dataclasses.replace(w._read(response, None), mapped=True)


@case(st.EVIDENCE_ENTRY_NOT_FOUND)
def _evidence_entry_not_found(w: World) -> Answer:
    # A region asks for an entry beyond the (empty) evidence log.
    return w.call("/api/v1/evidence/entries", {"index": 10**9}, account="region-ah", key_name="region-AH")


# 9xxx: the server
@case(st.NOT_IMPLEMENTED)
def _not_implemented(w: World) -> Answer:
    register_usage_check(None)  # the scenario-list check not deployed: calls under a list fail closed
    w.request.addfinalizer(lambda: register_usage_check(check_usage))
    return w.search()


@case(st.INTERNAL_ERROR)
def _internal_error(w: World) -> Answer:
    monkeypatch = w.request.getfixturevalue("monkeypatch")

    def unreadable_key() -> sm2.PrivateKey:
        raise OSError("the hub's key file cannot be read")

    monkeypatch.setattr("trust.envelope.views.hub_private_key", unreadable_key)
    return w.app_call(CATALOGS, {})


# ---------------------------------------------------------------- the tests
@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(request: pytest.FixtureRequest, live_server: Any) -> Iterator[World]:
    application, secret = registered_app(APP)
    live_scenario(SCENARIO, [demo_catalog_entry("居民身份证")], [application])
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        yield World(request=request, http=http, application=application, secret=secret)
    clients.close_all()


@pytest.mark.parametrize("status", st.all_statuses(), ids=lambda s: s.code)
def test_each_documented_status_is_answered(world: World, status: st.Status) -> None:
    make = CASES.get(status.code)
    assert make is not None, f"no case causes status {status.code}（{status.message}）: add one to CASES"
    answer = make(world)
    assert answer.status == status.code, answer
    assert answer.message.startswith(status.message), answer.message
    mode = drf.HTTP_STATUS_MAPPED if answer.mapped else drf.configured_http_status_mode()
    assert answer.http_status == drf.http_status_for(status, mode)


def test_a_missing_holder_token_is_2011_after_the_access_token_and_the_other_parameters(world: World) -> None:
    """2011 takes the place of 1007 for ``trustedToken`` alone; the order of the checks is unchanged."""
    for blank in (None, "", "   "):
        assert world.search(trustedToken=blank).status == st.HOLDER_TOKEN_MISSING.code
    without_access_token = world.call(SEARCH, {**AUDIT, "itemCode": SCENARIO})
    assert without_access_token.status == st.ACCESS_TOKEN_MISSING.code
    other_parameter_missing = world.search(trustedToken=None, itemCode=None)
    assert other_parameter_missing.status == st.INVALID_PARAMETERS.code
    assert "itemCode" in other_parameter_missing.message and "trustedToken" not in other_parameter_missing.message
    # A view whose parameters do not require the token is unaffected (12.1.6 by certificateID).
    by_id = world.app_call(INFO_BY_ID, {**AUDIT, "itemCode": SCENARIO, "certificateID": "not-an-id"})
    assert by_id.status == st.CERTIFICATE_ID_INVALID.code


def test_every_case_is_a_documented_status() -> None:
    assert set(CASES) <= {status.code for status in st.all_statuses()}


def test_the_openapi_schema_lists_every_code_on_every_endpoint(client: Any) -> None:
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/json").json()
    operations = {path: item["post"] for path, item in schema["paths"].items() if path.startswith("/api/v1/")}
    assert SEARCH in operations and REGISTER in operations
    for path, operation in operations.items():
        for status in st.all_statuses():
            row = f"| `{status.code}` | {st.GROUPS[status.code[0]]} | {status.message} |"
            assert row in operation["description"], (path, status.code)


README = Path(__file__).resolve().parents[2] / "README.md"
TABLE_BEGIN, TABLE_END = "<!-- status-table:begin -->", "<!-- status-table:end -->"


def test_the_readme_status_table_is_the_generated_one() -> None:
    """README.md carries the generated table between its markers; it must stay the table."""
    text = README.read_text(encoding="utf-8")
    assert TABLE_BEGIN in text and TABLE_END in text
    table = text.split(TABLE_BEGIN, 1)[1].split(TABLE_END, 1)[0]
    assert table.strip() == st.markdown_table().strip(), "regenerate it: ysj_protocol.status.markdown_table()"


def test_codes_are_grouped_and_messages_chinese() -> None:
    for status in st.all_statuses():
        assert status.code == "0" or (len(status.code) == 4 and status.code[0] in st.GROUPS), status
        assert any("\u4e00" <= char <= "\u9fff" for char in status.message), status
        assert 200 <= status.http_status < 600
