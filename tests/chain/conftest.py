"""The demo as ``make demo`` sets it up, for tests that call it as an application developer would.

- ``demo_network`` (package): the four reference nodes at the demo's consecutive ports, with the
  keys the demo creates under its own var/ (a throwaway folder here), seeded with their demo data.
- ``demo_hub`` (function): the live hub with ``manage.py load_demo`` run against those nodes; every
  publication (catalog, scenario lists) must have reached every node.
- ``Developer``: a demo application calling the hub through ``EnvelopeClient``.

The nodes outlive each test's database. A region keeps the publications it applied and refuses a
sequence number used by another one, so each test's hub starts its sequences above the last
test's, as a hub that has published before would.
"""

from __future__ import annotations

import io
import itertools
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from catalog.models import DeliveryState, PublicationChannel, PublicationDelivery
from sharing.regions import clients
from trust.demo import DemoCredentials
from trust.keys import hub_public_key
from ysj_portal import demo
from ysj_protocol.client import EnvelopeClient, Peer
from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import read_private_key_file

from ..regional import RegionalNode, RegionalNodes, free_port, make_node

#: A fast hasher: the demo hashes region administrators' passwords and appSecrets at every load.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
#: Sequence numbers each test's hub may use before the next test's start.
SEQUENCES_PER_TEST = 10_000
_test_numbers = itertools.count(1)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_block(size: int) -> int:
    """A first port whose ``size`` consecutive ports are free: the demo numbers its nodes in a row."""
    for _ in range(100):
        base = free_port()
        if base + size < 65536 and all(_port_free(base + offset) for offset in range(size)):
            return base
    raise RuntimeError(f"no {size} consecutive free ports on loopback")


@dataclass(frozen=True)
class DemoNetwork:
    var_dir: Path
    base_port: int
    nodes: RegionalNodes


@pytest.fixture(scope="package")
def demo_network(tmp_path_factory: pytest.TempPathFactory, node_template: Path) -> Iterator[DemoNetwork]:
    var_dir = tmp_path_factory.mktemp("demo-var")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("YSJ_VAR_DIR", str(var_dir))
        base_port = free_port_block(len(demo.REGION_ORDER))
        patch.setenv("YSJ_DEMO_NODE_PORT", str(base_port))
        nodes: dict[str, RegionalNode] = {}
        for code in demo.REGION_ORDER:
            node = make_node(
                code,
                node_template,
                var_dir / "nodes" / code.lower(),
                NODE_PRIVATE_KEY=demo.node_key(code).hex(),
            )
            node.port = demo.node_port(code, base_port)
            nodes[code] = node
        group = RegionalNodes(nodes)
        try:
            for node in group:
                node.launch()
            for node in group:
                node.wait_ready()
            yield DemoNetwork(var_dir=var_dir, base_port=base_port, nodes=group)
        finally:
            group.stop_all()


@pytest.fixture
def demo_hub(
    demo_network: DemoNetwork, live_server: Any, settings: Any, transactional_db: None
) -> Iterator[Any]:
    """The live hub with ``load_demo`` run as ``make demo`` runs it, its publications applied."""
    settings.VAR_DIR = demo_network.var_dir
    settings.PASSWORD_HASHERS = FAST_HASHERS  # the demo hashes eight passwords and secrets per load
    settings.YSJ_PUBLIC_BASE_URL = live_server.url
    demo_network.nodes.reset()
    first = next(_test_numbers) * SEQUENCES_PER_TEST
    for region in demo.provision_regions():
        PublicationChannel.objects.update_or_create(region=region, defaults={"last_sequence": first})
    call_command("load_demo", stdout=io.StringIO())
    undelivered = list(
        PublicationDelivery.objects.exclude(state=DeliveryState.DELIVERED).values_list(
            "region__code", "publication__kind", "publication__code", "last_status"
        )
    )
    assert not undelivered, f"publications the nodes did not apply: {undelivered}"
    yield live_server
    clients.close_all()


@dataclass
class Developer:
    """A demo application calling the hub as its developer would: the client, the key, the token."""

    app: DemoCredentials
    client: EnvelopeClient
    access_token: str = ""

    def answer(self, path: str, params: dict[str, Any]) -> Any:
        """The opened answer, whatever its status."""
        head = {"accessToken": self.access_token} if self.access_token else None
        return self.client.call(path, params, head=head, check=False)

    def call(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """The answer's data; the call must succeed."""
        answer = self.answer(path, params)
        assert answer.ok, f"{path} {params.get('itemCode', '')}: {answer.status} {answer.message}"
        assert answer.data is not None
        return answer.data

    def register(self) -> None:
        """12.2.1 with the demo's credentials; the token goes in every later call's head."""
        app = self.app
        registered = self.call(
            "/api/v1/trust/apps/register",
            {
                "appId": app.app_id,
                "appSecret": app.app_secret,
                "corpName": app.corp_name,
                "corpCode": app.corp_code,
            },
        )
        assert registered["code"] == 1, registered
        self.access_token = registered["accessToken"]


def developer(hub_url: str, app: DemoCredentials) -> Developer:
    key = sm2.PrivateKey.from_hex(read_private_key_file(app.key_path))
    peer = Peer(base_url=hub_url, public_key=hub_public_key(), name="hub")
    return Developer(app=app, client=EnvelopeClient(peer, account_id=app.app_id, private_key=key, timeout=60))


def audit(item_code: str) -> dict[str, str]:
    return {
        "useFor": "办理跨省通办业务",
        "itemName": "演示事项",
        "itemCode": item_code,
        "itemOrg": "上海市徐汇区政务服务中心",
        "operator": "王五",
        "bizNum": f"BIZ-{uuid.uuid4().hex[:12]}",
    }
