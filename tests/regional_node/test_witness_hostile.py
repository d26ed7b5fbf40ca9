"""Hostile input at a node's ``POST /witness/add-checkpoint``, as an outsider sends it (public, no envelope).

Every request that is not a good checkpoint of the hub's log is a 4xx with a Chinese reason (or,
for a stale old size, tlog-witness's own answer: the size), never a 500, and the witness's state
is as it was: no cosignature, no conflict, the same size and root.
"""

from __future__ import annotations

import base64
import contextlib
import sqlite3

import httpx
import pytest

from ysj_protocol.tlog import note, witness
from ysj_protocol.tlog.note import Checkpoint

from ..keys import hub_key
from .test_witness import ORIGIN, node, post, request_for, tree_of, witness_node  # noqa: F401 - fixtures

TABLES = ("node_witness_witnessedlog", "node_witness_cosignedcheckpoint", "node_witness_conflict")


def state(node_) -> tuple:
    """Every row of the witness's tables, as stored."""
    with contextlib.closing(sqlite3.connect(node_.data_dir / "node.sqlite3", timeout=10)) as connection:
        rows = []
        for table in TABLES:
            columns = [c[1] for c in connection.execute(f"PRAGMA table_info({table})")]  # noqa: S608 - fixed names
            kept = ", ".join(c for c in columns if c not in ("updated_at",))
            rows.append(connection.execute(f"SELECT {kept} FROM {table} ORDER BY id").fetchall())  # noqa: S608
        return tuple(rows)


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def refused(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/plain")
    assert is_chinese(response.text), response.text
    return response.text


@pytest.fixture
def witnessed(node):  # noqa: F811 - the fixture of test_witness
    """The node having cosigned the tree of 7, so that every later request has a state to spoil."""
    tree = tree_of(20)
    assert post(node, request_for(tree, 7, old=0)).status_code == 200
    return node, tree


def good_request(tree, *, old: int = 7, size: int = 9) -> bytes:
    return request_for(tree, size, old=old)


def hostile_requests(tree) -> dict[str, bytes]:
    good = good_request(tree)
    head, _, checkpoint = good.partition(b"\n\n")
    body, _, signatures = checkpoint.partition(b"\n\n")
    (line,) = signatures.decode().splitlines()
    name, encoded = line[2:].split(" ")
    return {
        "empty": b"",
        "crlf-everywhere": good.replace(b"\n", b"\r\n"),
        "crlf-in-the-note": head + b"\n\n" + checkpoint.replace(b"\n", b"\r\n"),
        "no-blank-line-before-the-checkpoint": head + b"\n" + checkpoint,
        "no-blank-line-before-the-signatures": head + b"\n\n" + body + b"\n" + signatures,
        "10000-signature-lines": head + b"\n\n" + body + b"\n\n" + signatures * 10_000,
        "33-signature-lines": head + b"\n\n" + body + b"\n\n" + signatures * 33,
        "signature-bad-base64": head
        + b"\n\n"
        + body
        + b"\n\n"
        + f"\u2014 {name} {encoded[:-3]}!!=\n".encode(),
        "signature-not-canonical-base64": head
        + b"\n\n"
        + body
        + b"\n\n"
        + f"\u2014 {name} {encoded[:-2]}{'B' if encoded[-2] != 'B' else 'C'}=\n".encode(),
        "signature-empty": head + b"\n\n" + body + b"\n\n" + f"\u2014 {name} \n".encode(),
        "signature-two-spaces": head + b"\n\n" + body + b"\n\n" + f"\u2014 {name}  {encoded}\n".encode(),
        "old-negative": good.replace(b"old 7\n", b"old -1\n", 1),
        "old-fullwidth": good.replace(b"old 7\n", "old \uff17\n".encode(), 1),
        "old-hex": good.replace(b"old 7\n", b"old 0x7\n", 1),
        "old-exponent": good.replace(b"old 7\n", b"old 7e0\n", 1),
        "old-float": good.replace(b"old 7\n", b"old 7.0\n", 1),
        "old-400-nines": good.replace(b"old 7\n", b"old " + b"9" * 400 + b"\n", 1),
        "old-leading-zero": good.replace(b"old 7\n", b"old 07\n", 1),
        "old-twice": good.replace(b"old 7\n", b"old 7\nold 7\n", 1),
        "old-missing": good[good.index(b"\n") + 1 :],
        "old-beyond-the-size": good.replace(b"old 7\n", b"old 12\n", 1),
        "proof-bad-base64": good.replace(b"\n\n", b"\n!!!!\n\n", 1),
        "proof-short-hash": good.replace(b"\n\n", b"\n" + base64.b64encode(b"x" * 31) + b"\n\n", 1),
        "invalid-utf8-in-the-note": head
        + b"\n\n"
        + body.replace(ORIGIN.encode(), b"\xc3\x28", 1)
        + b"\n\n"
        + signatures,
        "nul-in-the-note": head + b"\n\n" + body.replace(b"\n", b"\x00\n", 1) + b"\n\n" + signatures,
        "size-beyond-2**63": head
        + b"\n\n"
        + body.replace(b"\n9\n", b"\n" + str(2**63).encode() + b"\n", 1)
        + b"\n\n"
        + signatures,
        "size-fullwidth": head
        + b"\n\n"
        + body.replace(b"\n9\n", "\n\uff19\n".encode(), 1)
        + b"\n\n"
        + signatures,
        "enormous": b"old 7\n\n" + b"A" * (witness.MAX_REQUEST_BYTES + 1),
    }


#: Requests refused before anything of the log is read: 400 (malformed) or 403 (no hub signature:
#: a size or an origin changed under the hub's signature).
MALFORMED_OR_UNSIGNED = (400, 403)


def test_each_hostile_request_is_refused_in_chinese_and_changes_nothing(witnessed) -> None:
    node_, tree = witnessed
    before = state(node_)
    answers = {}
    for name, body in hostile_requests(tree).items():
        response = post(node_, body, headers={"Content-Type": "text/plain"})
        answers[name] = response.status_code
        assert response.status_code in MALFORMED_OR_UNSIGNED, (
            name,
            response.status_code,
            response.text[:200],
        )
        refused(response, response.status_code)
    assert state(node_) == before, answers
    # Still witnessing from 7: the good request is cosigned.
    assert post(node_, good_request(tree)).status_code == 200


def test_a_replayed_or_old_request_is_told_the_size(witnessed) -> None:
    node_, tree = witnessed
    first = request_for(tree, 7, old=0)
    assert post(node_, good_request(tree)).status_code == 200  # now at 9
    before = state(node_)
    for body in (first, good_request(tree), request_for(tree, 8, old=7)):
        response = post(node_, body)
        assert response.status_code == 409 and response.text == "9\n", response.text
        assert response.headers["content-type"] == "text/x.tlog.size"
    # An older checkpoint from the size it has (a rollback, 9 to 8): refused, nothing recorded.
    response = post(node_, request_for(tree, 8, old=9, proof=[]))
    assert "旧条目数" in refused(response, 400) or "请求格式错误" in response.text
    assert state(node_) == before


def test_other_methods_are_405_in_chinese(witness_node) -> None:  # noqa: F811 - the fixture of test_witness
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        response = httpx.request(
            method, witness_node.url + witness.WITNESS_PATH, content=b"old 0\n\n", timeout=10
        )
        assert response.status_code == 405, (method, response.status_code)
        assert response.headers["Allow"] == "POST"
        if method != "HEAD":
            assert is_chinese(response.text), (method, response.text)


def test_a_checkpoint_of_another_size_under_the_hubs_signature_is_403(witnessed) -> None:
    """A size edited after signing: the hub's signature no longer verifies (said in Chinese)."""
    node_, tree = witnessed
    body = Checkpoint(origin=ORIGIN, size=9, root=tree.root(9)).body()
    line = note.signature_line(body, name=ORIGIN, private_key=hub_key())
    edited = note.format_note(body.replace(b"\n9\n", b"\n10\n"), [line])
    response = post(
        node_, witness.add_checkpoint_request(old_size=7, proof=tree.consistency_path(7, 10), note=edited)
    )
    assert "签名" in refused(response, 403)


def test_the_nodes_health_endpoints_take_no_input(witness_node) -> None:  # noqa: F811 - the fixture of test_witness
    """/healthz and /readyz beside the witness: a query is ignored, a body or another method changes nothing."""
    for path in ("/healthz", "/readyz"):
        answer = httpx.get(witness_node.url + path + "?x=" + "9" * 400 + "&x=%ff%00", timeout=10)
        assert answer.status_code == 200 and answer.json()["region"] == "SH", (path, answer.text[:200])
    answer = httpx.post(witness_node.url + "/readyz", content=b"\xff" * 100_000, timeout=10)
    assert answer.status_code == 403  # stopped by the CSRF check before the method's
    assert httpx.put(witness_node.url + "/healthz", timeout=10).status_code == 403
    # A method the CSRF check lets through meets the Chinese 405, and HEAD is answered as GET.
    refused = httpx.options(witness_node.url + "/readyz", timeout=10)
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    assert refused.text == "不支持该请求方法：本地址仅支持 GET、HEAD\n"
    assert httpx.head(witness_node.url + "/readyz", timeout=10).status_code == 200
