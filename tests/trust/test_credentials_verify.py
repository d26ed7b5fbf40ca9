"""``/api/v1/trust/credentials/verify``: a region's trust proxy checks a token online (10.1 d, 10.2 b)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ysj_protocol import status as st

from ..factories import ApplicationFactory, RegionFactory
from .factories import access_token, call, holder_token, registered_app
from .holders import PERSON

pytestmark = pytest.mark.django_db(transaction=True)

VERIFY = "/api/v1/trust/credentials/verify"


@pytest.fixture
def http(live_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def region_call(http: httpx.Client, params: dict, code: str = "SH"):
    RegionFactory(code=code)
    return call(http, VERIFY, params, account=f"region-{code.lower()}", key_name=f"region-{code}")


def test_a_valid_access_token_names_its_application_and_expiry(http):
    application, _ = registered_app("app-cred", region="SH")
    answer = region_call(http, {"accessToken": access_token(application)})
    assert answer.status == st.OK.code, answer.message
    data = answer.data
    assert data["valid"] is True and data["reason"] == ""
    assert data["tokenType"] == "access"
    assert data["appId"] == "app-cred"
    assert data["permission"] == "application"
    assert len(data["expiresAt"]) == 19


def test_a_holder_token_names_the_holder_by_digest_and_masked_number_only(http):
    application, _ = registered_app("app-cred-holder", region="SH")
    answer = region_call(http, {"trustedToken": holder_token(application)})
    data = answer.data
    assert data["valid"] is True and data["tokenType"] == "holder"
    assert data["appId"] == "app-cred-holder"
    assert len(data["holderKey"]) == 64
    assert data["holderCodeMasked"] != PERSON["idCard"] and "*" in data["holderCodeMasked"]
    assert PERSON["idCard"] not in str(data)
    assert "permission" in data


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda app: access_token(app, expired=True), "令牌已过期"),
        (lambda app: access_token(app, revoked=True), "令牌已被吊销"),
        (lambda app: "yat_not-a-token", "令牌不存在"),
    ],
    ids=["expired", "revoked", "unknown"],
)
def test_an_invalid_access_token_says_why(http, make, reason):
    application, _ = registered_app("app-cred-bad", region="SH")
    data = region_call(http, {"accessToken": make(application)}).data
    assert data["valid"] is False
    assert data["reason"].startswith(reason)


def test_a_token_of_another_regions_application_is_answered_as_unknown(http):
    application = ApplicationFactory(app_id="app-cred-js", region=RegionFactory(code="JS"))
    data = region_call(http, {"accessToken": access_token(application)}, code="SH").data
    assert data == {"valid": False, "tokenType": "access", "reason": "令牌不存在或不属于本地区登记的应用"}


@pytest.mark.parametrize("params", [{}, {"accessToken": "a", "trustedToken": "b"}], ids=["none", "both"])
def test_exactly_one_token_is_asked_about(http, params):
    assert region_call(http, params).status == st.INVALID_PARAMETERS.code


def test_application_systems_may_not_call_it(http):
    application, _ = registered_app("app-cred-self", region="SH")
    token = access_token(application)
    answer = call(http, VERIFY, {"accessToken": token}, account="app-cred-self", token=token)
    assert answer.status == st.NOT_IMPLEMENTED.code
