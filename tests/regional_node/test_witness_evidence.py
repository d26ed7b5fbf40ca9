"""A region checks that the calls it served are in the hub's evidence log (``check_evidence``).

The node is real (its own process and database); the calls are real provider calls made to it as
the hub makes them. The hub is stood in for by ``FakeHub``, a small loopback server written for
this test: it serves the three evidence endpoints with the wire formats of ``docs/evidence.md``
over a tree built by the reference builder from the digests the calling client recorded, and
can be told to lie (a wrong digest, a wrong proof) or to be down. The node witnesses that tree
through its real ``/witness/add-checkpoint``.
"""

from __future__ import annotations

import base64
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from regional_node.demo import DEMO_HOLDERS
from ysj_protocol import envelope, profile
from ysj_protocol import status as st
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.records import CallRecord
from ysj_protocol.tlog import note, witness
from ysj_protocol.tlog.note import Checkpoint

from ..keys import hub_key
from ..protocol.test_tlog_reference import ReferenceTree
from ..regional import REPO_ROOT, make_node, node_key
from .helpers import search_params
from .test_witness import admin_client

ORIGIN = note.DEFAULT_ORIGIN


class FakeHub:
    """Stands in for the hub's evidence endpoints: entries by digest (envelope), proofs, checkpoint."""

    def __init__(self) -> None:
        self.tree = ReferenceTree()
        self.lie_about_path = False
        self.entry_calls = 0
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/evidence/proof/inclusion":
                    index, size = int(query["index"]), int(query["size"])
                    path = hub.tree.inclusion_path(index, size)
                    if hub.lie_about_path and path:
                        path[0] = bytes(32)
                    body = {
                        "index": index,
                        "size": size,
                        "path": [base64.b64encode(p).decode() for p in path],
                    }
                    self._send(200, json.dumps(body).encode(), "application/json")
                elif url.path == "/evidence/checkpoint":
                    self._send(200, hub.checkpoint_note().encode(), "text/plain; charset=utf-8")
                else:
                    self._send(404, b"{}", "application/json")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                opened = envelope.open_request(json.loads(self.rfile.read(length)), hub_key())
                hub.entry_calls += 1
                digest = opened.params.get("requestDigest", "")
                for index, leaf in enumerate(hub.tree.leaves):
                    if json.loads(leaf)["requestDigest"] == digest:
                        data = {"index": index, "data": base64.b64encode(leaf).decode()}
                        answer = envelope.seal_response(st.OK, data, node_key("SH").public_key)
                        break
                else:
                    answer = envelope.seal_response(st.EVIDENCE_ENTRY_NOT_FOUND, None, None)
                self._send(200, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, record: CallRecord, *, response_digest: str | None = None) -> int:
        """Log a call as the hub logs it: canonical JSON with both digests."""
        fields = {
            "direction": "made",
            "endpoint": record.endpoint,
            "requestDigest": record.request_digest,
            "responseDigest": record.response_digest if response_digest is None else response_digest,
            "region": "SH",
        }
        self.tree.append(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode())
        return len(self.tree.leaves) - 1

    def checkpoint_note(self, size: int | None = None) -> str:
        size = len(self.tree.leaves) if size is None else size
        body = Checkpoint(origin=ORIGIN, size=size, root=self.tree.root(size)).body()
        return note.format_note(body, [note.signature_line(body, name=ORIGIN, private_key=hub_key())])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake_hub():
    hub = FakeHub()
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def node(tmp_path_factory, node_template, fake_hub):
    node = make_node(
        "SH",
        node_template,
        tmp_path_factory.mktemp("evidence-node"),
        NODE_HUB_URL=fake_hub.url,
        NODE_EVIDENCE_GRACE_SECONDS="0",
        NODE_EVIDENCE_MISSING_SECONDS="600",
        NODE_DRILLS="0",
    )
    node.start()
    yield node
    node.stop()


def served_calls(node, count: int) -> list[CallRecord]:
    """``count`` real provider calls to the node as the hub makes them, with the hub side's records."""
    records: list[CallRecord] = []
    with node.hub_client() as client:
        for _ in range(count):
            client.call(profile.SEARCH_PATH, search_params(DEMO_HOLDERS[0]), recorder=records.append)
    return records


def witness_size(node, hub: FakeHub, old: int, size: int) -> None:
    request = witness.add_checkpoint_request(
        old_size=old, proof=hub.tree.consistency_path(old, size), note=hub.checkpoint_note(size)
    )
    response = httpx.post(node.url + witness.WITNESS_PATH, content=request, timeout=30)
    assert response.status_code == 200, response.text


def backdate_last_served_call(node, *, hours: int) -> None:
    with sqlite3.connect(node.data_dir / "node.sqlite3", timeout=10) as connection:
        connection.execute(
            "UPDATE node_exchange_calllog SET created_at = datetime(created_at, ?) "
            "WHERE id = (SELECT MAX(id) FROM node_exchange_calllog WHERE direction = 'in')",
            [f"-{hours} hours"],
        )


def check(node) -> str:
    # The node writes a served call's record once the answer is out: let it land first.
    time.sleep(0.3)
    return node.manage("check_evidence")


def totals(output: str) -> dict[str, int]:
    tail = output.split("累计：")[1]
    return {
        name: int(tail.split(name)[1].split("，")[0].split("（")[0].strip())
        for name in ("已确认", "待确认", "缺失", "不一致")
    }


def test_the_story_of_a_region_checking_its_calls(node, fake_hub):
    # Before the node witnessed anything, nothing can be confirmed.
    first = served_calls(node, 3)
    output = check(node)
    assert "尚未见证" in output
    # The hub logs the three calls; the node witnesses the tree of two of them only.
    for record in first:
        fake_hub.add(record)
    witness_size(node, fake_hub, 0, 2)
    assert totals(check(node)) == {"已确认": 2, "待确认": 1, "缺失": 0, "不一致": 0}
    # The tree grows, the node witnesses it (a real consistency proof): the third is confirmed.
    witness_size(node, fake_hub, 2, 3)
    assert totals(check(node)) == {"已确认": 3, "待确认": 0, "缺失": 0, "不一致": 0}
    # Confirmed calls are not asked again.
    asked = fake_hub.entry_calls
    check(node)
    assert fake_hub.entry_calls == asked

    # A call whose answer the log records with another digest: a mismatch, never confirmed.
    (lied,) = served_calls(node, 1)
    fake_hub.add(lied, response_digest="0" * 64)
    # A call logged honestly but whose inclusion proof the hub forges.
    (forged,) = served_calls(node, 1)
    fake_hub.add(forged)
    witness_size(node, fake_hub, 3, 5)
    fake_hub.lie_about_path = True
    try:
        output = check(node)
    finally:
        fake_hub.lie_about_path = False
    assert totals(output)["不一致"] == 2 and "不一致 2" in output
    # A call whose answer the hub logs as never received (the digest of nothing).
    (unanswered,) = served_calls(node, 1)
    fake_hub.add(unanswered, response_digest=sm3_hex(b""))
    witness_size(node, fake_hub, 5, 6)
    assert totals(check(node))["不一致"] == 3

    # A call the hub never logged: pending, then missing once older than the limit (its record
    # is made two hours older in the node's database rather than waiting).
    served_calls(node, 1)
    assert totals(check(node))["待确认"] == 1
    backdate_last_served_call(node, hours=2)
    assert totals(check(node)) == {"已确认": 3, "待确认": 0, "缺失": 1, "不一致": 3}

    # The node admin shows the counts, missing and mismatched in red.
    with admin_client(node) as client:
        page = client.get("/admin/node_witness/callcheck/")
    assert page.status_code == 200
    assert "已确认入账 <strong>3</strong>" in page.text
    assert 'style="color:#ba2121;font-weight:bold">缺失 1</span>' in page.text
    assert 'style="color:#ba2121;font-weight:bold">不一致 3</span>' in page.text
    assert "未收到本节点的应答" in page.text


def test_a_hub_that_cannot_be_reached_stops_the_run_and_confirms_nothing(
    tmp_path_factory, node_template, fake_hub
):
    lonely = make_node(
        "SH",
        node_template,
        tmp_path_factory.mktemp("evidence-node-no-hub"),
        NODE_HUB_URL="http://127.0.0.1:9",
        NODE_EVIDENCE_GRACE_SECONDS="0",
        NODE_DRILLS="0",
    )
    lonely.start()
    try:
        served_calls(lonely, 1)
        request = witness.add_checkpoint_request(old_size=0, proof=[], note=fake_hub.checkpoint_note(0))
        assert httpx.post(lonely.url + witness.WITNESS_PATH, content=request, timeout=30).status_code == 200
        output = check(lonely)
        assert "无法访问融合共享服务系统" in output
        assert totals(output) == {"已确认": 0, "待确认": 1, "缺失": 0, "不一致": 0}
    finally:
        lonely.stop()


def test_the_check_runs_in_a_loop_until_terminated(node):
    process = subprocess.Popen(
        [sys.executable, "-m", "regional_node", "check_evidence", "--loop", "--every", "0.2"],
        cwd=REPO_ROOT,
        env=node.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while sum("本次核对" in line for line in lines) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sum("本次核对" in line for line in lines) >= 3, lines
        # A loop prints each run's own counts, not the totals (they count the whole history).
        assert not any("累计" in line for line in lines), lines
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
