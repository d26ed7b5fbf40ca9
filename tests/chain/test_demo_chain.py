"""The whole demo, end to end, as an application developer meets it.

Four reference regional nodes run as real servers on loopback, seeded with their own demo data
(local type codes 111, 112, ...); the hub is live over HTTP with the demo loaded by
``manage.py load_demo`` itself (the regions at the nodes' ports, the demo applications, the shared
catalog with GB/T 36902 codes, the demo scenario lists, all published to the nodes). Through
``EnvelopeClient`` and real SM2 envelopes a demo service counter registers (12.2.1), reads its
scenario lists (12.1.4) and obtains holder tokens by each authType (12.2.3); under each published
list it searches (12.1.5) and follows every certificateID through 12.1.8, 12.1.6 (every link
downloaded) and 12.1.10, then asks by holder (12.1.9, 12.1.7) and presents the holder's
government service codes (12.2.2). Whatever the search found must be what every other call
finds: the same face numbers, the shared type codes of the list, the same issuing regions.

The expected certificates come from the demo data (``regional_node.demo``) and the demo catalog,
not from the hub, so a hub that lost or mislabelled a certificate fails here.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from catalog.demo import ENTRIES
from regional_node.demo import DEMO_COMPANY, DEMO_PERSON, VALID, DemoHolder, certificates_of
from scenarios.demo import LISTS
from trust.demo import credentials
from trust.keys import hub_public_key
from ysj_portal import demo
from ysj_protocol.crypto import sm2

from ..regional import RegionalNode, RegionalNodes
from .conftest import DemoNetwork, Developer, audit, developer

pytestmark = pytest.mark.django_db(transaction=True)

#: Shared catalog code of each type name (the hub's codes; the nodes keep 111, 112, ...).
SHARED_CODE = {name: code for code, name, *_ in ENTRIES}
#: The demo lists all the parties confirmed, with the type names each allows.
PUBLISHED = {
    code: set(names)
    for code, _, _, names, confirming, _ in LISTS
    if set(confirming) == set(demo.REGION_ORDER)
}
APP_ID = "app-sh-counter"

SEARCH = "/api/v1/certificates/search"
INFO_BY_ID = "/api/v1/certificates/info/by-id"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
FILE_BY_ID = "/api/v1/certificates/file/by-id"
FILE_BY_HOLDER = "/api/v1/certificates/file/by-holder"
VERIFY = "/api/v1/certificates/verify"
SERVICE_CODE = "/api/v1/trust/service-codes/verify"
HOLDER_TOKEN = "/api/v1/trust/holder-tokens"
SCENARIOS = "/api/v1/scenarios/query"


@dataclass(frozen=True, order=True)
class Found:
    """One certificate as every call must agree on it."""

    region: str
    type_code: str
    number: str


def expected(holder: DemoHolder, item_code: str) -> set[Found]:
    """The holder's valid demo certificates of the list's types, under their shared codes."""
    return {
        Found(c.region, SHARED_CODE[c.type_name], c.number)
        for c in certificates_of(holder)
        if c.status == VALID and c.type_name in PUBLISHED[item_code]
    }


def region_of(holder: DemoHolder, type_name: str, number: str) -> str:
    """The region of the holder's one valid certificate of that type and number ("?" if none)."""
    regions = {
        c.region
        for c in certificates_of(holder)
        if c.status == VALID and (c.type_name, c.number) == (type_name, number)
    }
    return regions.pop() if len(regions) == 1 else "?"


def issued_code(node: RegionalNode, holder: DemoHolder, *, with_certificates: bool = False) -> str:
    """A fresh government service code the holder shows, issued by that region's node."""
    response = httpx.post(
        f"{node.url}/api/v1/service-codes/issue",
        json={"holderCode": holder.code, "withCertificates": with_certificates},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["serviceCode"]


def download(url: str) -> bytes:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return response.content


class Findings:
    """Every step that went wrong, so that one run names each broken call of the chain.

    A failed step skips only what depends on it; the test fails at the end with the list.
    """

    def __init__(self) -> None:
        self.failures: list[str] = []

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        try:
            yield
        except AssertionError as exc:
            self.failures.append(f"{name}: {str(exc).splitlines()[0][:300]}")

    def check(self) -> None:
        assert not self.failures, f"{len(self.failures)} steps failed:\n" + "\n".join(self.failures)


# ---------------------------------------------------------------------------- the chain


def test_the_demo_chain_from_registration_to_verification(demo_network: DemoNetwork, demo_hub: Any) -> None:
    apps = credentials()
    assert [a.app_id for a in apps] == [
        "app-sh-counter",
        "app-js-counter",
        "app-zj-counter",
        "app-ah-counter",
    ]
    developers = {a.app_id: developer(demo_hub.url, a) for a in apps}
    try:
        for dev in developers.values():
            register_and_read_lists(dev)
        dev = developers[APP_ID]
        tokens = holder_tokens(dev, demo_network.nodes)
        findings = Findings()
        for item_code in PUBLISHED:
            for label, (holder, token) in tokens.items():
                follow_search(dev, holder, token, item_code, label, findings)
                by_holder(dev, holder, token, item_code, label, findings)
            for holder in (DEMO_PERSON, DEMO_COMPANY):
                service_codes(dev, holder, item_code, demo_network.nodes, findings)
        findings.check()
    finally:
        for dev in developers.values():
            dev.client.close()


def register_and_read_lists(dev: Developer) -> None:
    """12.2.1 with the demo's printed credentials, then 12.1.4: the lists all the parties confirmed."""
    dev.register()
    app = dev.app
    lists = dev.call(SCENARIOS, {"appId": app.app_id})
    assert lists["total"] == len(PUBLISHED)
    got = {
        item["itemCode"]: {(t["certificateType"], t["certificateTypeCode"]) for t in item["dataList"]}
        for item in lists["dataList"]
    }
    assert got == {code: {(name, SHARED_CODE[name]) for name in names} for code, names in PUBLISHED.items()}


def holder_tokens(dev: Developer, nodes: RegionalNodes) -> dict[str, tuple[DemoHolder, str]]:
    """12.2.3 by each authType: 1 and 2 with the identity number (2 encrypted to the hub's key as
    the SDK sends it), 3 with a service code the holder shows; the company only by its code."""
    person = {"name": DEMO_PERSON.name, "idType": 1}
    answers = {
        "authType 1": dev.call(
            HOLDER_TOKEN, {"transactionId": "T-1", "authType": "1", **person, "idNo": DEMO_PERSON.code}
        ),
        "authType 2": dev.call(
            HOLDER_TOKEN,
            {
                "transactionId": "T-2",
                "authType": "2",
                **person,
                "idNo": sm2.encrypt_hex(hub_public_key(), DEMO_PERSON.code.encode()),
            },
        ),
        "authType 3": dev.call(
            HOLDER_TOKEN,
            {"transactionId": "T-3", "authType": "3", "qrCode": issued_code(nodes["SH"], DEMO_PERSON)},
        ),
        "company, authType 3": dev.call(
            HOLDER_TOKEN,
            {"transactionId": "T-4", "authType": "3", "qrCode": issued_code(nodes["SH"], DEMO_COMPANY)},
        ),
    }
    assert all(answer["code"] == 1 and answer["trustedToken"] for answer in answers.values())
    return {
        label: (DEMO_COMPANY if label.startswith("company") else DEMO_PERSON, answer["trustedToken"])
        for label, answer in answers.items()
    }


def verified(dev: Developer, item_code: str, content: bytes, file_format: str) -> tuple[str, str]:
    """12.1.10 on a downloaded file: it passes, and names its issuing region and face number."""
    answer = dev.call(
        VERIFY,
        {"fileEntity": base64.b64encode(content).decode(), "fileFormat": file_format, **audit(item_code)},
    )
    assert answer["result"] == "1", answer
    return answer.get("regionCode", ""), answer.get("certificateNumber", "")


def follow_search(
    dev: Developer, holder: DemoHolder, token: str, item_code: str, label: str, findings: Findings
) -> None:
    """12.1.5, then for every certificateID 12.1.8, 12.1.6 and 12.1.10 on every file downloaded."""
    context = f"{label} under {item_code}"
    found: dict[str, Any] = {}
    with findings.step(f"12.1.5 {context}"):
        found = dev.call(SEARCH, {"trustedToken": token, **audit(item_code)})
        want = expected(holder, item_code)
        assert found["unavailableRegions"] == [], found
        assert found["total"] == len(found["dataList"]) == len(want), found
        searched = {
            Found(
                region_of(holder, i["certificateType"], i["certificateNumber"]),
                SHARED_CODE[i["certificateType"]],
                i["certificateNumber"],
            )
            for i in found["dataList"]
        }
        assert searched == want, (searched, want)
    for item in found.get("dataList", []):
        certificate_id, number = item["certificateID"], item["certificateNumber"]
        region = region_of(holder, item["certificateType"], number)
        with findings.step(f"12.1.8 {context}, {item['certificateType']} {number}"):
            info = dev.call(INFO_BY_ID, {"certificateID": certificate_id, **audit(item_code)})
            assert info["total"] == 1, info
            (detail,) = info["dataList"]
            assert (
                detail["certificateType"],
                detail["certificateTypeCode"],
                detail["certificateNumber"],
            ) == (item["certificateType"], SHARED_CODE[item["certificateType"]], number), detail
            assert (detail["certificateHolderCode"], detail["issueDept"], detail["issueDate"]) == (
                holder.code,
                item["issueDept"],
                item["issueDate"],
            ), detail
        with findings.step(f"12.1.6 and 12.1.10 {context}, {item['certificateType']} {number}"):
            files = dev.call(FILE_BY_ID, {"certificateID": certificate_id, **audit(item_code)})
            assert files["total"] == len(files["dataList"]) >= 1, files
            for link in files["dataList"]:
                assert (link["certificateType"], link["certificateNumber"]) == (
                    item["certificateType"],
                    number,
                ), link
                content = download(link["fileUrl"])
                assert verified(dev, item_code, content, link["fileFormat"]) == (region, number), link


def by_holder(
    dev: Developer, holder: DemoHolder, token: str, item_code: str, label: str, findings: Findings
) -> None:
    """12.1.9 and 12.1.7 for the holder find what the search found; every file downloads and verifies."""
    context = f"{label} under {item_code}"
    want = expected(holder, item_code)
    with findings.step(f"12.1.9 {context}"):
        info = dev.call(INFO_BY_HOLDER, {"trustedToken": token, **audit(item_code)})
        assert info.get("unavailableRegions", []) == [], info
        assert info["total"] == len(info["dataList"]) == len(want), {
            k: info[k] for k in ("total", "dataList")
        }
        got = {
            Found(
                region_of(holder, d["certificateType"], d["certificateNumber"]),
                d["certificateTypeCode"],
                d["certificateNumber"],
            )
            for d in info["dataList"]
        }
        assert got == want, (got, want)
    with findings.step(f"12.1.7 and 12.1.10 {context}"):
        files = dev.call(FILE_BY_HOLDER, {"trustedToken": token, **audit(item_code)})
        assert files.get("unavailableRegions", []) == [], files
        downloaded = set()
        for link in files["dataList"]:
            region = region_of(holder, link["certificateType"], link["certificateNumber"])
            content = download(link["fileUrl"])
            assert verified(dev, item_code, content, link["fileFormat"]) == (
                region,
                link["certificateNumber"],
            ), link
            downloaded.add(Found(region, SHARED_CODE[link["certificateType"]], link["certificateNumber"]))
        assert downloaded == want, (downloaded, want)


def service_codes(
    dev: Developer, holder: DemoHolder, item_code: str, nodes: RegionalNodes, findings: Findings
) -> None:
    """12.2.2 with a code carrying certificates, from each region holding some of the holder's:
    together they list what the search finds, and each certificateID leads to the same certificate."""
    want = expected(holder, item_code)
    listed = set()
    for region in sorted({c.region for c in certificates_of(holder) if c.status == VALID}):
        context = f"{holder.name}'s code from {region} under {item_code}"
        answer: dict[str, Any] = {}
        with findings.step(f"12.2.2 {context}"):
            qr_code = issued_code(nodes[region], holder, with_certificates=True)
            answer = dev.call(SERVICE_CODE, {"qrCode": qr_code, **audit(item_code)})
            assert answer["userInfo"]["idCard"] == holder.code, answer["userInfo"]
            shown = {
                Found(region, SHARED_CODE[c["certificateType"]], c["certificateNumber"])
                for c in answer.get("certificateList", [])
            }
            listed |= shown
            regional = {f for f in want if f.region == region}
            assert shown == regional, (shown, regional)
        for item in answer.get("certificateList", []):
            with findings.step(f"12.1.8 of a 12.2.2 certificateID, {context}, {item['certificateNumber']}"):
                info = dev.call(INFO_BY_ID, {"certificateID": item["certificateID"], **audit(item_code)})
                (detail,) = info["dataList"]
                assert (detail["certificateTypeCode"], detail["certificateNumber"]) == (
                    SHARED_CODE[item["certificateType"]],
                    item["certificateNumber"],
                ), detail
    with findings.step(f"12.2.2 {holder.name}'s codes of every region under {item_code}"):
        assert listed == want, (listed, want)
