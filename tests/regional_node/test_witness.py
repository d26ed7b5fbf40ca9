"""The node as a witness of the hub's evidence log: ``POST /witness/add-checkpoint`` over real HTTP.

A node of its own (two worker processes, so the row lock is tested across processes), the hub's
checkpoints signed with the test hub key over trees built by the reference builder. Each test
starts from a forgotten state (``witness_reset --forget``), as an operator would after a rebuild.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from ysj_protocol.tlog import note, witness
from ysj_protocol.tlog.note import Checkpoint

from ..keys import hub_key, key_for
from ..protocol.test_tlog_reference import ReferenceTree
from ..regional import make_node

ORIGIN = note.DEFAULT_ORIGIN
ADMIN_PASSWORD = "witness-admin-password-1"  # noqa: S105 - a test node's admin


@pytest.fixture(scope="module")
def witness_node(tmp_path_factory, node_template):
    node = make_node(
        "SH",
        node_template,
        tmp_path_factory.mktemp("witness-node"),
        workers=2,
        NODE_DRILLS="0",
    )
    node.start()
    yield node
    node.stop()


@pytest.fixture
def node(witness_node):
    """The witness node with no cosigned state and no refusal."""
    post(witness_node, request_for(tree_of(1), 1, old=0))  # makes sure the log's row exists
    witness_node.manage("witness_reset", "--reason", "测试开始", "--operator", "tests", "--forget")
    return witness_node


@contextlib.contextmanager
def admin_client(node) -> Iterator[httpx.Client]:
    """An HTTP client logged in to the node's admin as a superuser (created on first use)."""
    node.extra_env["DJANGO_SUPERUSER_PASSWORD"] = ADMIN_PASSWORD
    try:
        node.manage("createsuperuser", "--noinput", "--username", "witness-admin", "--email", "a@example.cn")
    except RuntimeError as exc:  # already there from an earlier test
        assert "already" in str(exc) or "已" in str(exc)
    with httpx.Client(base_url=node.url, timeout=30, follow_redirects=False) as client:
        client.get("/admin/login/")
        login = client.post(
            "/admin/login/?next=/admin/",
            data={
                "username": "witness-admin",
                "password": ADMIN_PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
        )
        assert login.status_code == 302, login.text
        yield client


def tree_of(n: int, tag: bytes = b"call") -> ReferenceTree:
    return ReferenceTree([tag + b" %d" % i for i in range(n)])


def signed_note(tree: ReferenceTree, size: int, *, key=None) -> str:
    body = Checkpoint(origin=ORIGIN, size=size, root=tree.root(size)).body()
    return note.format_note(body, [note.signature_line(body, name=ORIGIN, private_key=key or hub_key())])


def request_for(tree: ReferenceTree, size: int, *, old: int, key=None, proof=None) -> bytes:
    proof = tree.consistency_path(old, size) if proof is None else proof
    return witness.add_checkpoint_request(old_size=old, proof=proof, note=signed_note(tree, size, key=key))


def post(node, body: bytes, **kwargs) -> httpx.Response:
    return httpx.post(node.url + witness.WITNESS_PATH, content=body, timeout=30, **kwargs)


def cosigned_time(node, tree: ReferenceTree, size: int, response: httpx.Response) -> int | None:
    (signature,) = note.parse_signature_lines(response.content)
    body = Checkpoint(origin=ORIGIN, size=size, root=tree.root(size)).body()
    return note.verify_cosignature(body, signature, name=note.witness_name("SH"), public_key=node.public_key)


def test_first_checkpoint_and_growth_are_cosigned_by_the_region_key(node):
    tree = tree_of(40)
    response = post(node, request_for(tree, 3, old=0))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("\u2014 sh.witness.ysj.yrd ")
    assert cosigned_time(node, tree, 3, response) is not None
    for old, size in ((3, 4), (4, 8), (8, 8), (8, 23), (23, 40)):
        response = post(node, request_for(tree, size, old=old))
        assert response.status_code == 200, response.text
        assert cosigned_time(node, tree, size, response) is not None
    # The note with the answer appended verifies for both signers, as the hub will check it.
    body, signatures = note.open_note(signed_note(tree, 40) + response.text)
    assert note.verify_signature(body, signatures[0], name=ORIGIN, public_key=hub_key().public_key)
    assert note.verify_cosignature(body, signatures[1], name="sh.witness.ysj.yrd", public_key=node.public_key)


def test_stale_old_size_gets_409_with_the_witness_size(node):
    tree = tree_of(12)
    assert post(node, request_for(tree, 7, old=0)).status_code == 200
    response = post(node, request_for(tree, 12, old=5))
    assert response.status_code == 409
    assert response.headers["content-type"] == "text/x.tlog.size"
    assert response.text == "7\n"
    # The client retries from the size it was told: cosigned.
    assert post(node, request_for(tree, 12, old=7)).status_code == 200


def test_bad_proof_422_and_bad_signature_403_change_nothing(node):
    tree = tree_of(10)
    assert post(node, request_for(tree, 5, old=0)).status_code == 200
    bad_proof = request_for(tree, 10, old=5, proof=tree.consistency_path(4, 10))
    response = post(node, bad_proof)
    assert response.status_code == 422
    assert "一致性证明验证失败" in response.text
    response = post(node, request_for(tree, 10, old=5, key=key_for("tlog-impostor")))
    assert response.status_code == 403
    assert "签名" in response.text
    # Still at 5, and still witnessing.
    assert post(node, request_for(tree, 10, old=5)).status_code == 200


def test_unknown_origin_is_404(node):
    body = Checkpoint(origin="other.example/log", size=1, root=tree_of(1).root(1)).body()
    text = note.format_note(
        body, [note.signature_line(body, name="other.example/log", private_key=hub_key())]
    )
    response = post(node, witness.add_checkpoint_request(old_size=0, proof=[], note=text))
    assert response.status_code == 404


def test_fork_is_kept_as_evidence_and_refused_until_reset(node):
    honest, forked = tree_of(9), tree_of(9, b"forged")
    assert post(node, request_for(honest, 9, old=0)).status_code == 200
    response = post(node, request_for(forked, 9, old=9))
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("text/plain") and "分叉" in response.text
    # From now on every checkpoint of the log is refused, honest ones too, with the reason.
    more = tree_of(12)
    for body in (request_for(more, 12, old=9), request_for(honest, 9, old=9)):
        response = post(node, body)
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("text/plain")
        assert "停止见证" in response.text and "witness_reset" in response.text
    # The operator lifts the refusal keeping the state: the honest log goes on.
    output = node.manage("witness_reset", "--reason", "核查后确认为测试分叉", "--operator", "运维甲")
    assert "已解除" in output
    assert post(node, request_for(more, 12, old=9)).status_code == 200


def test_rollback_to_another_history_is_a_fork(node):
    honest = tree_of(16)
    assert post(node, request_for(honest, 6, old=0)).status_code == 200
    assert post(node, request_for(honest, 16, old=6)).status_code == 200
    # An older honest checkpoint replayed: only stale.
    assert post(node, request_for(honest, 6, old=0)).status_code == 409
    assert post(node, request_for(honest, 16, old=16)).status_code == 200
    # Another root for size 6, which this witness cosigned: a fork, refused from then on.
    other = ReferenceTree(honest.leaves[:5] + [b"rewritten"])
    assert post(node, request_for(other, 6, old=0)).status_code == 409
    response = post(node, request_for(honest, 16, old=16))
    assert response.status_code == 409 and "停止见证" in response.text


@pytest.fixture(scope="module")
def postgres_witness_node(tmp_path_factory, node_template):
    """The witness on PostgreSQL (a database of its own), when the suite runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("the suite runs on SQLite: no PostgreSQL server to give the node")
    import psycopg

    name = f"ysj_witness_node_{uuid.uuid4().hex[:8]}"
    server = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    node = make_node(
        "SH",
        node_template,
        tmp_path_factory.mktemp("witness-node-pg"),
        workers=2,
        NODE_DRILLS="0",
        NODE_DATABASE_URL=urlsplit(url)._replace(path=f"/{name}").geturl(),
    )
    node.manage("migrate", "--noinput", "-v", "0")
    node.start()
    try:
        yield node
    finally:
        node.stop()
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_concurrent_requests_on_postgresql_cosign_exactly_one(postgres_witness_node):
    """The row lock (SELECT ... FOR UPDATE) across the node's two processes on PostgreSQL."""
    test_concurrent_requests_from_one_old_size_cosign_exactly_one(postgres_witness_node)


def test_concurrent_requests_from_one_old_size_cosign_exactly_one(node):
    tree = tree_of(30)
    assert post(node, request_for(tree, 10, old=0)).status_code == 200
    bodies = [request_for(tree, size, old=10) for size in range(11, 23)]
    barrier = threading.Barrier(len(bodies))

    def send(body: bytes) -> httpx.Response:
        barrier.wait()
        return post(node, body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        responses = list(pool.map(send, bodies))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 1, statuses
    assert statuses.count(409) == len(bodies) - 1, statuses
    winner = 11 + statuses.index(200)
    assert {r.text for r in responses if r.status_code == 409} == {f"{winner}\n"}
    assert post(node, request_for(tree, 30, old=winner)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\xff" * 50,
        b"old 0\n\n",
        b"old 1e3\n\nx\n",
        b"old 99999999999999999999999999\n\nx\n",
        b"old 0\n" + b"AAAA\n" * 64 + b"\nx\n",
        b"old 0\n\n" + "ysj.yrd/evidence\n1\n\u2014 x y\n".encode(),
        b"old 0\n\nysj.yrd/evidence\n1\nAAAA\n\n\xe2\x80\x94 ysj.yrd/evidence AAAAAAA=\n",
        b"old 0\n\n\xc3\x28\n\n\xe2\x80\x94 a AAAAAAA=\n",
        b"old 0\n\n" + b"x" * (witness.MAX_REQUEST_BYTES + 10),
    ],
)
def test_hostile_bodies_get_400(witness_node, body):
    response = post(witness_node, body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/plain")


def test_other_methods_and_a_lying_content_length(witness_node):
    assert httpx.get(witness_node.url + witness.WITNESS_PATH, timeout=10).status_code == 405
    # A declared length beyond the bound is refused before anything is read (raw socket: no
    # client library sends a length it does not mean).
    with socket.create_connection(("127.0.0.1", witness_node.port), timeout=10) as sock:
        sock.sendall(
            f"POST {witness.WITNESS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {10**9}\r\nConnection: close\r\n\r\nold 0\n".encode()
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:100]


def test_admin_action_lifts_a_refusal_with_reason_and_operator(node):
    honest, forked = tree_of(4), tree_of(4, b"forged")
    assert post(node, request_for(honest, 4, old=0)).status_code == 200
    assert post(node, request_for(forked, 4, old=4)).status_code == 409
    assert post(node, request_for(honest, 4, old=4)).status_code == 409
    with admin_client(node) as client:
        changelist = client.get("/admin/node_witness/witnessedlog/")
        assert "拒绝见证" in changelist.text
        (pk,) = set(re.findall(r'name="_selected_action" value="(\d+)"', changelist.text))
        form = {
            "action": "lift_refusal",
            "_selected_action": pk,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        }
        page = client.post("/admin/node_witness/witnessedlog/", data=form)
        assert page.status_code == 200 and "解除理由" in page.text
        done = client.post(
            "/admin/node_witness/witnessedlog/", data={**form, "confirm": "1", "reason": "管理界面核查"}
        )
        assert done.status_code == 302
        resets = client.get("/admin/node_witness/witnessreset/")
        assert "witness-admin" in resets.text and "管理界面核查" in resets.text
        evidence = client.get("/admin/node_witness/conflict/")
        assert "分叉" in evidence.text
    assert post(node, request_for(honest, 4, old=4)).status_code == 200
