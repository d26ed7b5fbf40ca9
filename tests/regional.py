"""Real regional nodes on loopback for the hub's tests, one per party of ``ysj_protocol.regions``.

- ``regional_nodes`` (session): starts the reference node (``python -m regional_node serve``) once
  per party (SH, JS, ZJ and AH today), as separate processes on free ports, each with its own key
  (``key_for("node-SH")``...), the hub's public key (``hub_key()``), the demo data seeded (local
  type codes), the demo's shared catalog published to it (``publish_demo_catalog``) and the
  drills enabled. The database is migrated once into a template SQLite file that each node copies.
- ``live_regions`` (function): the ``trust.Region`` rows of the current test database pointing
  at those nodes, keyed by region code. Before and after the test every node is up again with no
  drill in force, so one test's fault never leaks into the next.

Faults, all real: ``regional_nodes["SH"].set_delay(200)``, ``.set_malformed("bad-envelope")``,
``.stop()`` / ``.start()`` (same port, same data), or ``with regional_nodes.down("SH"): ...``.
``regional_nodes["SH"].hub_client()`` calls a node as the hub does: each provider call carries a
grant minted for it with the hub's test key (``mint_grant``), unless the parameters carry their own
``grant`` (``None`` for none) or the client is made with ``grants=False``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ysj_protocol import grants, profile
from ysj_protocol.client import EnvelopeClient, Peer
from ysj_protocol.crypto import sm2
from ysj_protocol.envelope import OpenedResponse
from ysj_protocol.identifiers import uscc_check_char
from ysj_protocol.regions import CODES

from .keys import hub_key, key_for

REPO_ROOT = Path(__file__).resolve().parent.parent
REGION_CODES = CODES
HUB_ACCOUNT_ID = "ysj-hub"
STARTUP_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_key(code: str) -> sm2.PrivateKey:
    return key_for(f"node-{code}")


def _base_env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("NODE_", "DJANGO_", "DATABASE_URL", "YSJ_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "regional_node.settings",
            "NODE_DATA_DIR": str(data_dir),
            "NODE_DATABASE_URL": f"sqlite:///{data_dir / 'node.sqlite3'}",
            "NODE_HUB_PUBLIC_KEY": hub_key().public_key.hex(),
            "NODE_HUB_ACCOUNT_ID": HUB_ACCOUNT_ID,
            "NODE_DRILLS": "1",
            "NODE_SERVICE_CODES": "1",
            "NODE_FORWARD_SWEEP_SECONDS": "0.5",
            # The session's nodes outlive each test's hub: tests run check_evidence themselves.
            "NODE_EVIDENCE_CHECK_SECONDS": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


#: The call each provider path's grant names.
GRANT_CALLS = {
    profile.SEARCH_PATH: "search",
    profile.INFO_PATH: "info",
    profile.FILE_PATH: "file",
    profile.STATUS_PATH: "status",
}


def default_grant_types() -> list[str]:
    """What a test grant of a by-reference call allows: every local and shared type code of the demo."""
    from catalog.demo import ENTRIES
    from regional_node.demo import certificates_for_region

    local = {c.type_code for code in REGION_CODES for c in certificates_for_region(code)}
    return sorted(local | {entry[0] for entry in ENTRIES})


def mint_grant(
    node_code: str,
    path: str,
    params: dict[str, Any],
    *,
    key: sm2.PrivateKey | None = None,
    types: list[str] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A grant for ``params`` at ``path`` of the node ``node_code``, signed as the trust service signs (``hub_key()``).

    It names what the parameters ask: the audit's application, scenario list and bizNum, the
    searched holder and types, or the certificate reference. ``changes`` override the
    ``ysj_protocol.grants.issue`` arguments (``now``, ``lifetime``, ``app_id``...).
    """
    audit = params.get("audit") or {}
    holder = params.get("holder")
    if types is None:
        asked = params.get("certificateTypeCode")
        types = params.get("certificateTypeCodes") or [*default_grant_types(), *([asked] if asked else [])]
    arguments: dict[str, Any] = {
        "region": node_code,
        "call": GRANT_CALLS[path],
        "app_id": str(audit.get("appId", "")),
        "item_code": str(audit.get("itemCode", "")),
        "biz_num": str(audit.get("bizNum", "")),
        "type_codes": types,
        "holder": _holder_of(holder),
        "certificate_ref": str(params.get("certificateRef", "")),
    }
    arguments.update(changes)
    return grants.issue(key or hub_key(), **arguments)


def _holder_of(holder: Any) -> tuple[str, str] | None:
    """(code type, code) of a search's holder; None when the parameters do not name one properly."""
    if isinstance(holder, dict) and isinstance(holder.get("codeType"), str) and isinstance(holder.get("code"), str):
        return holder["codeType"], holder["code"]
    return None


class GrantingClient(EnvelopeClient):
    """The hub's client towards one node, adding a fresh grant to each provider call that has none."""

    def __init__(self, region: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region = region

    def call(self, path: str, params: dict[str, Any], **kwargs: Any) -> OpenedResponse:
        if path in GRANT_CALLS and isinstance(params, dict):
            if "grant" not in params:
                params = {**params, "grant": mint_grant(self.region, path, params)}
            elif params["grant"] is None:
                params = {name: value for name, value in params.items() if name != "grant"}
        return super().call(path, params, **kwargs)


@dataclass
class RegionalNode:
    """One node process; its data directory (and so its data) outlives stop/start."""

    code: str
    port: int
    data_dir: Path
    process: subprocess.Popen | None = field(default=None, repr=False)
    #: Settings of this node only (e.g. ``{"NODE_TICKET_SECONDS": "1"}``).
    extra_env: dict[str, str] = field(default_factory=dict)
    #: gunicorn worker processes (more than one for what must hold across the node's processes).
    workers: int = 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def private_key(self) -> sm2.PrivateKey:
        return node_key(self.code)

    @property
    def public_key(self) -> sm2.PublicKey:
        return self.private_key.public_key

    @property
    def log_path(self) -> Path:
        return self.data_dir / "node.log"

    def env(self) -> dict[str, str]:
        env = _base_env(self.data_dir)
        env.update(
            {
                "NODE_REGION": self.code,
                "NODE_PRIVATE_KEY": self.private_key.hex(),
                "NODE_PUBLIC_URL": self.url,
            }
        )
        env.update(self.extra_env)
        return env

    # ------------------------------------------------------------------ process
    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def launch(self) -> None:
        """Start the process without waiting for it (``wait_ready`` waits)."""
        if self.running:
            return
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "regional_node",
                "serve",
                "--port",
                str(self.port),
                "--seed",
                "--no-migrate",
                "--workers",
                str(self.workers),
                "--threads",
                "32",
            ],
            cwd=REPO_ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, timeout: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"node {self.code} exited ({self.process.returncode}):\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"node {self.code} did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def start(self) -> None:
        """Start (or restart) on the same port with the same data."""
        self.launch()
        self.wait_ready()

    def stop(self) -> None:
        """Stop the process: the node is down, connections are refused."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(
                self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            )
        except FileNotFoundError:
            return ""

    # ------------------------------------------------------------------ drills
    def drill(self, **body: object) -> dict:
        response = httpx.post(f"{self.url}/api/v1/drills", json=body, timeout=5.0)
        response.raise_for_status()
        return response.json()

    def set_delay(self, delay_ms: int) -> None:
        """Delay every protocol answer by ``delay_ms`` (real sleeping in the node)."""
        self.drill(delayMs=delay_ms)

    def set_malformed(self, mode: str = "bad-envelope") -> None:
        """Answer garbage: "garbage", "bad-envelope", "no-head", "truncated"; "off" to stop."""
        self.drill(malformed=mode)

    def reset(self) -> None:
        """Up again, with no drill in force."""
        if not self.running:
            self.start()
        self.drill(delayMs=0, malformed="off")

    # ------------------------------------------------------------------ calls
    def hub_client(self, *, timeout: float = 5.0, grants: bool = True) -> EnvelopeClient:
        """An envelope client calling this node as the hub does (hub account and key, and grants)."""
        if grants:
            return GrantingClient(
                self.code,
                Peer(base_url=self.url, public_key=self.public_key, name=f"node-{self.code}"),
                account_id=HUB_ACCOUNT_ID,
                private_key=hub_key(),
                timeout=timeout,
            )
        return EnvelopeClient(
            Peer(base_url=self.url, public_key=self.public_key, name=f"node-{self.code}"),
            account_id=HUB_ACCOUNT_ID,
            private_key=hub_key(),
            timeout=timeout,
        )

    def manage(self, *args: str) -> str:
        """Run a node management command against this node's data (e.g. ``add_subscriber``)."""
        result = subprocess.run(
            [sys.executable, "-m", "regional_node", *args],
            cwd=REPO_ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"node {self.code} {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout


class RegionalNodes:
    """The four nodes, by region code."""

    def __init__(self, nodes: dict[str, RegionalNode]) -> None:
        self.nodes = nodes

    def __getitem__(self, code: str) -> RegionalNode:
        return self.nodes[code]

    def __iter__(self) -> Iterator[RegionalNode]:
        return iter(self.nodes.values())

    def reset(self) -> None:
        for node in self:
            if not node.running:
                node.launch()
        for node in self:
            node.wait_ready()
            node.drill(delayMs=0, malformed="off")

    @contextlib.contextmanager
    def down(self, code: str) -> Iterator[RegionalNode]:
        node = self.nodes[code]
        node.stop()
        try:
            yield node
        finally:
            node.start()

    def stop_all(self) -> None:
        for node in self:
            node.stop()


def _migrate_template(path: Path) -> None:
    env = _base_env(path.parent)
    env["NODE_DATABASE_URL"] = f"sqlite:///{path}"
    env["NODE_PRIVATE_KEY"] = node_key("SH").hex()
    result = subprocess.run(
        [sys.executable, "-m", "regional_node", "migrate", "--noinput", "-v", "0"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrating the node template failed:\n{result.stdout}\n{result.stderr}")
    # The node runs SQLite in WAL mode: fold the log into the file so that a plain copy is complete.
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="session")
def node_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty node database, copied by every node of the session."""
    template = tmp_path_factory.mktemp("regional-node-template") / "node.sqlite3"
    _migrate_template(template)
    return template


def make_node(
    code: str, template: Path, data_dir: Path, *, workers: int = 1, **extra_env: str
) -> RegionalNode:
    """A node (not yet started) with a fresh copy of the template database in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, data_dir / "node.sqlite3")
    return RegionalNode(code=code, port=free_port(), data_dir=data_dir, extra_env=extra_env, workers=workers)


def last_sequence(node: RegionalNode) -> int:
    """The highest publication sequence the node holds (it outlives each test's hub database)."""
    with contextlib.closing(sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10)) as connection:
        (highest,) = connection.execute("SELECT COALESCE(MAX(sequence), 0) FROM node_exchange_publication").fetchone()
    return int(highest)


def publish_catalog_entry(node: RegionalNode, code: str, payload: dict, *, action: str = "publish") -> None:
    """One catalog publication to ``node``, signed as the hub signs, after what it already holds."""
    message = profile.publication_message(
        publication_id=str(uuid.uuid4()),
        sequence=last_sequence(node) + 1,
        kind=profile.PublicationKind.CATALOG.value,
        action=action,
        code=code,
        published_at="2025-03-01 09:30:00",
        payload=payload,
    )
    message["signature"] = profile.sign_publication(message, hub_key())
    with node.hub_client() as client:
        client.call(profile.PUBLICATIONS_PATH, message)


def demo_catalog_payloads() -> dict[str, dict]:
    """The demo's shared catalog (``catalog.demo.ENTRIES``) as the hub publishes it, by code."""
    from catalog.demo import ENTRIES

    return {
        code: {
            "certificateType": name,
            "certificateTypeCode": code,
            "certificateDefineAuthorityName": authority,
            "certificateDefineAuthorityCode": authority_code + uscc_check_char(authority_code),
            "relatedItemName": item_name,
            "relatedItemCode": item_code,
            "holderType": str(holder_type),
            "shareStart": "2025-03-01 09:30:00",
            "shareEnd": "",
        }
        for code, name, authority, authority_code, holder_type, item_name, item_code in ENTRIES
    }


def publish_demo_catalog(node: RegionalNode) -> None:
    """Publish the demo's shared catalog to ``node``: what ``make demo`` leaves a node holding.

    The hub's shared codes (11100000000013127D001...), to which the node maps its own local ones
    (111...) by type name.
    """
    for code, payload in demo_catalog_payloads().items():
        publish_catalog_entry(node, code, payload)


@pytest.fixture(scope="session")
def regional_nodes(tmp_path_factory: pytest.TempPathFactory, node_template: Path) -> Iterator[RegionalNodes]:
    """The four nodes with the demo's certificates (local type codes) and its shared catalog."""
    root = tmp_path_factory.mktemp("regional-nodes")
    nodes = {code: make_node(code, node_template, root / code.lower()) for code in REGION_CODES}
    group = RegionalNodes(nodes)
    try:
        for node in group:
            node.launch()
        for node in group:
            node.wait_ready()
            publish_demo_catalog(node)
        yield group
    finally:
        group.stop_all()


@pytest.fixture
def live_regions(regional_nodes: RegionalNodes, db: None) -> Iterator[dict]:
    """The four ``trust.Region`` rows pointing at the live nodes, all up and without drills."""
    from .factories import RegionFactory

    regional_nodes.reset()
    regions = {}
    for node in regional_nodes:
        values = {
            "endpoint": node.url,
            "account_id": f"region-{node.code.lower()}",
            "public_key": node.public_key.hex(),
        }
        region = RegionFactory(code=node.code, **values)
        # The factory gets an existing row by code unchanged: point it at the node regardless.
        for name, value in values.items():
            setattr(region, name, value)
        region.is_active = True
        region.save()
        regions[node.code] = region
    yield regions
    regional_nodes.reset()
