"""An application system calling the hub over real HTTP, with the four regional nodes live.

The demo's shape: the hub's catalog and scenario lists carry the shared codes of catalog.demo
(11100000000013127D001 居民身份证...), the nodes keep their local codes (111...) and hold the
shared catalog (tests.regional.publish_demo_catalog). The demo person 张伟
(regional_node.demo.DEMO_PERSON) has one valid certificate in each region: 居民身份证 (111) in
SH, 机动车驾驶证 (112) in JS, 不动产权证书 (114) in ZJ and AH; a revoked 机动车驾驶证 in SH is
never found.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from regional_node.demo import DEMO_PERSON
from sharing.regions import clients
from ysj_protocol.client import EnvelopeClient, Peer
from ysj_protocol.envelope import OpenedResponse

from ..factories import ApplicationFactory
from ..keys import hub_key, key_for
from ..trust.factories import SHARED_CODES, demo_catalog_entry, live_scenario
from .factories import Session, session_for

TYPE_NAMES = ("居民身份证", "机动车驾驶证", "不动产权证书")
#: The shared codes of the types the lists allow, by name.
CODES = {name: SHARED_CODES[name] for name in TYPE_NAMES}
ALL_TYPES = "SC-ALL"
ID_CARD_ONLY = "SC-ID"


def audit(item_code: str = ALL_TYPES, **extra: Any) -> dict[str, Any]:
    return {
        "useFor": "办理户籍迁移",
        "itemName": "户籍迁移",
        "itemCode": item_code,
        "itemOrg": "上海市徐汇区政务服务中心",
        "operator": "王五",
        "bizNum": "BIZ-2024-0001",
        **extra,
    }


@dataclass
class AppCaller:
    """One application system: its session (tokens) and an envelope client towards the live hub."""

    session: Session
    client: EnvelopeClient

    def call(self, path: str, params: dict[str, Any]) -> OpenedResponse:
        return self.client.call(path, params, head={"accessToken": self.session.access_token}, check=False)

    def search(self, item_code: str = ALL_TYPES, **extra: Any) -> OpenedResponse:
        return self.call(
            "/api/v1/certificates/search", audit(item_code, trustedToken=self.session.trusted_token, **extra)
        )

    def by_holder(self, path: str, item_code: str = ALL_TYPES, **extra: Any) -> OpenedResponse:
        return self.call(path, audit(item_code, trustedToken=self.session.trusted_token, **extra))

    def by_id(self, path: str, certificate_id: str, item_code: str = ALL_TYPES, **extra: Any) -> OpenedResponse:
        return self.call(path, audit(item_code, certificateID=certificate_id, **extra))


def make_caller(live_server: Any, app_id: str) -> AppCaller:
    application = ApplicationFactory(app_id=app_id)
    entries = {name: demo_catalog_entry(name) for name in TYPE_NAMES}
    for code, types in ((ALL_TYPES, list(entries.values())), (ID_CARD_ONLY, [entries["居民身份证"]])):
        live_scenario(code, types, [application])
    session = session_for(application, name=DEMO_PERSON.name, code_type=DEMO_PERSON.code_type, code=DEMO_PERSON.code)
    client = EnvelopeClient(
        Peer(base_url=live_server.url, public_key=hub_key().public_key, name="hub"),
        account_id=app_id,
        private_key=key_for(app_id),
        timeout=30,
    )
    return AppCaller(session=session, client=client)


@pytest.fixture
def hub(live_server: Any, live_regions: dict, settings: Any) -> Iterator[Any]:
    """The live hub, its download addresses pointing at itself, the regions registered."""
    settings.YSJ_PUBLIC_BASE_URL = live_server.url
    yield live_server
    clients.close_all()


@pytest.fixture
def app(hub: Any) -> Iterator[AppCaller]:
    caller = make_caller(hub, "app-sharing")
    yield caller
    caller.client.close()


@pytest.fixture
def other_app(hub: Any) -> Iterator[AppCaller]:
    caller = make_caller(hub, "app-other")
    yield caller
    caller.client.close()
