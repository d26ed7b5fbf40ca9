"""The demo as ``make demo`` sets it up (``tests/chain``'s fixtures), and the kit's client for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from regional_node.demo import DEMO_PERSON
from scenarios.demo import LISTS
from tests.chain.conftest import demo_hub, demo_network  # noqa: F401 - fixtures used by this package
from trust.demo import DemoCredentials, credentials
from trust.keys import hub_public_key
from ysj_portal import demo
from ysj_protocol.app import Client
from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import read_private_key_file

#: The demo lists every party confirmed.
PUBLISHED = [code for code, _, _, _, confirming, _ in LISTS if set(confirming) == set(demo.REGION_ORDER)]


def demo_app(app_id: str = "app-sh-counter") -> DemoCredentials:
    return next(app for app in credentials() if app.app_id == app_id)


def kit_client(base_url: str, app: DemoCredentials, **options: Any) -> Client:
    """The kit's client for a demo application, at the hub unless told otherwise."""
    options.setdefault("provider_key", hub_public_key())
    options.setdefault("app_secret", app.app_secret)
    return Client(
        base_url,
        app_id=app.app_id,
        corp_name=app.corp_name,
        corp_code=app.corp_code,
        private_key=sm2.PrivateKey.from_hex(read_private_key_file(app.key_path)),
        **options,
    )


@pytest.fixture
def client(demo_hub: Any) -> Iterator[Client]:  # noqa: F811 - the fixture imported above
    with kit_client(demo_hub.url, demo_app(), timeout=60) as kit:
        yield kit


def issue_service_code(node_url: str, holder_code: str = DEMO_PERSON.code) -> str:
    """A demo government service code, issued by a reference node as the demo prints."""
    response = httpx.post(
        f"{node_url}/api/v1/service-codes/issue",
        json={"holderCode": holder_code, "withCertificates": True},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["serviceCode"]
