"""Every input parameter that tables 3-11 mark optional (是否必填: 否) can be left out.

The call then does what its table says, over real HTTP with the four nodes live:

- tables 3, 5, 7 (12.1.5, 12.1.7, 12.1.9): ``certificateType`` and ``certificateNumber`` only
  narrow; left out, every certificate of the holder under the scenario list is found;
- table 11 (12.2.3): ``name``, ``location``, ``permission`` may be left out by every authType,
  ``idType``/``idNo`` by authType 3 and ``qrCode`` by authType 1 and 2; the token is still issued
  and finds the holder's certificates.

Tables 4, 6, 8, 9 and 10 mark every input required. So do tables 3-8 and 10 for the audit fields
``useFor``, ``itemName``, ``itemCode``, ``itemOrg``, ``operator`` and ``bizNum`` (是): leaving one
out is refused with 1007 naming it, which the last test pins.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from regional_node.demo import DEMO_PERSON, VALID, certificates_of
from sharing.regions import clients
from trust.holders import HolderIdentity
from trust.models import AuthType
from trust.services import issue_access_token, issue_holder_token
from ysj_protocol.client import EnvelopeClient, Peer
from ysj_protocol.envelope import OpenedResponse

from ..factories import ApplicationFactory
from ..keys import hub_key, key_for
from ..regional import RegionalNodes
from ..trust.factories import demo_catalog_entry, live_scenario

pytestmark = pytest.mark.django_db(transaction=True)

ITEM_CODE = "SC-OPTIONAL"
TYPE_NAMES = ("居民身份证", "机动车驾驶证", "不动产权证书")
SEARCH = "/api/v1/certificates/search"
FILE_BY_HOLDER = "/api/v1/certificates/file/by-holder"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
HOLDER_TOKEN = "/api/v1/trust/holder-tokens"
AUDIT_FIELDS = ("useFor", "itemName", "itemCode", "itemOrg", "operator", "bizNum")

#: 张伟's valid certificates of the list's types: (type name, face number).
HOLDER_CERTIFICATES = {
    (c.type_name, c.number)
    for c in certificates_of(DEMO_PERSON)
    if c.status == VALID and c.type_name in TYPE_NAMES
}
LAND = next(number for name, number in sorted(HOLDER_CERTIFICATES) if name == "不动产权证书")


def audit() -> dict[str, str]:
    return {
        "useFor": "办理不动产登记",
        "itemName": "不动产登记",
        "itemCode": ITEM_CODE,
        "itemOrg": "浙江省杭州市西湖区行政服务中心",
        "operator": "赵六",
        "bizNum": f"BIZ-{uuid.uuid4().hex[:12]}",
    }


@dataclass
class Counter:
    """An application system with an access token, calling the live hub."""

    client: EnvelopeClient
    access_token: str
    trusted_token: str

    def call(self, path: str, params: dict[str, Any]) -> OpenedResponse:
        return self.client.call(path, params, head={"accessToken": self.access_token}, check=False)

    def data(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = self.call(path, params)
        assert answer.ok, f"{path}: {answer.status} {answer.message}"
        assert answer.data is not None
        return answer.data


@pytest.fixture
def counter(live_server: Any, live_regions: dict, settings: Any) -> Iterator[Counter]:
    """A counter associated with one list of three demo types, 张伟's holder token issued by the hub."""
    settings.YSJ_PUBLIC_BASE_URL = live_server.url
    application = ApplicationFactory(app_id="app-optional")
    live_scenario(ITEM_CODE, [demo_catalog_entry(name) for name in TYPE_NAMES], [application])
    holder = HolderIdentity(name=DEMO_PERSON.name, code_type=DEMO_PERSON.code_type, code=DEMO_PERSON.code)
    client = EnvelopeClient(
        Peer(base_url=live_server.url, public_key=hub_key().public_key, name="hub"),
        account_id=application.app_id,
        private_key=key_for(application.app_id),
        timeout=30,
    )
    yield Counter(
        client=client,
        access_token=issue_access_token(application).token,
        trusted_token=issue_holder_token(
            application=application, holder=holder, auth_type=AuthType.ID_CARD
        ).token,
    )
    client.close()
    clients.close_all()


def found(counter: Counter, path: str, trusted_token: str, **narrowing: str) -> set[tuple[str, str]]:
    """(type name, face number) of what a by-holder call answers; every file link is counted once."""
    data = counter.data(path, {"trustedToken": trusted_token, **audit(), **narrowing})
    assert data.get("unavailableRegions", []) == []
    if path != FILE_BY_HOLDER:
        assert data["total"] == len(data["dataList"])
    return {(item["certificateType"], item["certificateNumber"]) for item in data["dataList"]}


# ---------------------------------------------------------------------------- tables 3, 5, 7

NARROWING = {
    "both left out": ({}, HOLDER_CERTIFICATES),
    "certificateNumber left out": (
        {"certificateType": "不动产权证书"},
        {c for c in HOLDER_CERTIFICATES if c[0] == "不动产权证书"},
    ),
    "certificateType left out": ({"certificateNumber": LAND}, {("不动产权证书", LAND)}),
}


@pytest.mark.parametrize("path", [SEARCH, FILE_BY_HOLDER, INFO_BY_HOLDER], ids=["12.1.5", "12.1.7", "12.1.9"])
@pytest.mark.parametrize("case", list(NARROWING))
def test_certificate_type_and_number_may_be_left_out(counter: Counter, path: str, case: str) -> None:
    narrowing, expected = NARROWING[case]
    if narrowing:
        assert expected < HOLDER_CERTIFICATES  # a strict subset: the answer shows the narrowing was applied
    assert found(counter, path, counter.trusted_token, **narrowing) == expected


# ---------------------------------------------------------------------------- table 11


def service_code(nodes: RegionalNodes) -> str:
    response = httpx.post(
        f"{nodes['SH'].url}/api/v1/service-codes/issue", json={"holderCode": DEMO_PERSON.code}, timeout=10
    )
    response.raise_for_status()
    return response.json()["serviceCode"]


def token_params(auth_type: str, nodes: RegionalNodes) -> dict[str, Any]:
    """Table 11 with every parameter its authType allows."""
    params: dict[str, Any] = {
        "transactionId": f"T-{uuid.uuid4().hex}",
        "authType": auth_type,
        "name": DEMO_PERSON.name,
        "location": "上海市徐汇区政务服务中心 3 号窗口",
        "permission": "search,info",
    }
    if auth_type == "3":
        params["qrCode"] = service_code(nodes)
    else:
        params |= {"idType": 1, "idNo": DEMO_PERSON.code}
    return params


LEFT_OUT = [
    ("1", ("name",)),
    ("2", ("name",)),
    ("3", ("name",)),
    ("1", ("location",)),
    ("3", ("location",)),
    ("1", ("permission",)),
    ("3", ("permission",)),
    ("1", ("qrCode",)),
    ("2", ("qrCode",)),
    ("3", ("idType", "idNo")),
]


@pytest.mark.parametrize(
    ("auth_type", "left_out"), LEFT_OUT, ids=[f"authType {a} without {'+'.join(f)}" for a, f in LEFT_OUT]
)
def test_holder_token_optional_parameters_may_be_left_out(
    counter: Counter, regional_nodes: RegionalNodes, auth_type: str, left_out: tuple[str, ...]
) -> None:
    params = token_params(auth_type, regional_nodes)
    for name in left_out:
        params.pop(name, None)
    answer = counter.data(HOLDER_TOKEN, params)
    assert answer["code"] == 1, answer
    assert found(counter, SEARCH, answer["trustedToken"]) == HOLDER_CERTIFICATES


# ---------------------------------------------------------------------------- the audit fields


@pytest.mark.parametrize("field", AUDIT_FIELDS)
def test_audit_fields_are_required_as_the_tables_say(counter: Counter, field: str) -> None:
    params = {"trustedToken": counter.trusted_token, **audit()}
    del params[field]
    answer = counter.call(SEARCH, params)
    assert answer.status == "1007", (answer.status, answer.message)
    assert field in answer.message
