"""The evidence log checked from outside, as a province's engineer would with gmssl alone.

Nothing here verifies with ``ysj_protocol``: the note is parsed, the key IDs computed, the SM2
signatures and cosignatures verified with gmssl (SM3 with the default user ID), and the RFC 9162
inclusion (2.1.3.2) and consistency (2.1.4.2) proofs recomputed by code written in this module
from the RFC's text, with gmssl's SM3. The project only sets the hub up, makes real section-12
calls (searches fanned out to the four live regional nodes), integrates the log and asks the
nodes to cosign, and carries the region's envelope call that reads an entry's leaf bytes.

The formats are those of ``docs/evidence.md``; each check names the part it reads.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3

from evidence.integrate import integrate
from evidence.witnesses import collect_cosignatures
from sharing.regions import clients
from tests.evidence.conftest import wipe_log
from tests.evidence.factories import log_of
from tests.keys import hub_key
from tests.regional import node_key
from tests.sharing.conftest import make_caller
from ysj_protocol.client import EnvelopeClient, Peer

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = "ysj.yrd/evidence"
NOTE_TYPE = b"\xff" + b"ysj.yrd/sm2-sm3"
COSIGNATURE_TYPE = b"\xff" + b"ysj.yrd/sm2-sm3/cosignature/v1"
EM_DASH = "\u2014"
REGIONS = ("SH", "JS", "ZJ", "AH")
ENTRIES = "/api/v1/evidence/entries"
#: The kinds of entry the leaf encoding knows (calls served and made, decisions, downloads).
KINDS = {"served", "made", "governance", "catalog", "publication", "download"}


class Mismatch(Exception):
    """A proof, note or signature that does not verify."""


# --- SM3 and SM2 with gmssl -------------------------------------------------------------------


def sm3(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(list(data)))  # gmssl pads the list it is given: a fresh one


def leaf_hash(leaf: bytes) -> bytes:
    return sm3(b"\x00" + leaf)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sm3(b"\x01" + left + right)


def sm2_verify(public_hex: str, message: bytes, signature: bytes) -> bool:
    """SM2 with SM3 and the default user ID over ``message``; ``signature`` is raw ``r || s``."""
    if len(signature) != 64:
        return False
    xy = public_hex.lower()
    xy = xy[2:] if len(xy) == 130 else xy
    verifier = gm_sm2.CryptSM2(private_key=None, public_key=xy)
    # gmssl's constructor strips a leading "04" with lstrip("04"), which also eats a leading 0 or 4
    # of x: set the 128 hex digits of x || y directly.
    verifier.public_key = xy
    return bool(verifier.verify_with_sm3(signature.hex(), message))


def key_id(name: str, signature_type: bytes, public_hex: str) -> bytes:
    """signed-note's key ID with SM3: ``SM3(name || 0x0A || type || 04 || x || y)[:4]``."""
    point = public_hex if len(public_hex) == 130 else "04" + public_hex
    return sm3(name.encode("utf-8") + b"\n" + signature_type + bytes.fromhex(point))[:4]


# --- the note -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    body: bytes
    origin: str
    size: int
    root: bytes
    signatures: list[tuple[str, bytes]]  # (key name, base64-decoded payload)


def parse_note(text: str) -> Note:
    """The signed note: text, the last blank line, signature lines ``— <name> <base64>``."""
    if not text.endswith("\n") or "\n\n" not in text:
        raise Mismatch("not a signed note")
    split = text.rindex("\n\n")
    body, lines = text[: split + 1], text[split + 2 :]
    origin, size, root, *extensions = body[:-1].split("\n")
    if extensions or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise Mismatch(f"not a checkpoint body: {body!r}")
    signatures = []
    for line in lines[:-1].split("\n"):
        dash, name, encoded = line.split(" ")
        if dash != EM_DASH:
            raise Mismatch(f"not a signature line: {line!r}")
        signatures.append((name, base64.b64decode(encoded, validate=True)))
    return Note(body.encode("utf-8"), origin, int(size), base64.b64decode(root, validate=True), signatures)


def verify_hub_signature(note: Note, public_hex: str) -> None:
    wanted = key_id(ORIGIN, NOTE_TYPE, public_hex)
    payloads = [payload for name, payload in note.signatures if name == ORIGIN and payload[:4] == wanted]
    if len(payloads) != 1 or len(payloads[0]) != 4 + 64:
        raise Mismatch("no signature line of the hub's key")
    if not sm2_verify(public_hex, note.body, payloads[0][4:]):
        raise Mismatch("the hub's signature does not verify")


def verify_cosignature(note: Note, name: str, public_hex: str) -> int:
    """The timestamp of ``name``'s cosignature/v1 over the note's text."""
    wanted = key_id(name, COSIGNATURE_TYPE, public_hex)
    payloads = [payload for line_name, payload in note.signatures if line_name == name and payload[:4] == wanted]
    if len(payloads) != 1 or len(payloads[0]) != 4 + 8 + 64:
        raise Mismatch(f"no cosignature line of {name}")
    timestamp = int.from_bytes(payloads[0][4:12], "big")
    message = b"cosignature/v1\ntime " + str(timestamp).encode("ascii") + b"\n" + note.body
    if not sm2_verify(public_hex, message, payloads[0][12:]):
        raise Mismatch(f"the cosignature of {name} does not verify")
    return timestamp


# --- RFC 9162 proofs, from the RFC's text ----------------------------------------------------


def root_from_inclusion(index: int, size: int, hashed_leaf: bytes, path: list[bytes]) -> bytes:
    """RFC 9162 2.1.3.2: the root ``path`` leads to from leaf ``index`` of a tree of ``size``."""
    if index >= size:
        raise Mismatch("index beyond the tree")
    fn, sn, r = index, size - 1, hashed_leaf
    for p in path:
        if sn == 0:
            raise Mismatch("inclusion path too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Mismatch("inclusion path too short")
    return r


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes, path: list[bytes]) -> None:
    """RFC 9162 2.1.4.2 for ``0 < first < second``."""
    if not 0 < first < second:
        raise Mismatch("sizes outside 0 < first < second")
    if not path:
        raise Mismatch("empty consistency path")
    if first & (first - 1) == 0:
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Mismatch("consistency path too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_hash or sr != second_hash:
        raise Mismatch("consistency proof does not verify")


def tree_hash(hashed_leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1's MTH over leaf hashes: split at the largest power of two below the size."""
    if not hashed_leaves:
        return sm3(b"")
    if len(hashed_leaves) == 1:
        return hashed_leaves[0]
    k = 1 << ((len(hashed_leaves) - 1).bit_length() - 1)
    return node_hash(tree_hash(hashed_leaves[:k]), tree_hash(hashed_leaves[k:]))


def flip_bit(path: list[bytes], position: int) -> list[bytes]:
    changed = bytearray(path[position])
    changed[len(changed) // 2] ^= 0x01
    return [*path[:position], bytes(changed), *path[position + 1 :]]


# --- the live hub -------------------------------------------------------------------------------


@dataclass
class Log:
    url: str
    hub_public: str
    regions: dict[str, str]  # region code -> public key hex (the one registered at the hub)
    first: str  # two checkpoint notes as GET /evidence/checkpoint served them
    second: str
    endpoints: dict[str, str]  # region code -> the node's address

    def add_checkpoint(self, code: str, old: int, proof: list[bytes], note: str) -> httpx.Response:
        """tlog-witness add-checkpoint, the body written here: old size, proof lines, blank line, note."""
        body = f"old {old}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + note
        return httpx.post(self.endpoints[code] + "/witness/add-checkpoint", content=body.encode("utf-8"), timeout=30)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(self.url + path, params=params, timeout=30)

    def leaf(self, index: int) -> bytes:
        """The entry's leaf bytes through the region's envelope call (Shanghai's account)."""
        peer = Peer(base_url=self.url, public_key=hub_key().public_key, name="hub")
        with EnvelopeClient(peer, account_id="region-sh", private_key=node_key("SH"), timeout=30) as client:
            answer = client.call(ENTRIES, {"index": index}, check=False)
        assert answer.status == "0", (index, answer.status, answer.message)
        assert answer.data["index"] == index
        return base64.b64decode(answer.data["data"], validate=True)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        response = self.get("/evidence/proof/inclusion", index=index, size=size)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["index"], body["size"]) == (index, size)
        return [base64.b64decode(h, validate=True) for h in body["path"]]

    def consistency(self, first: int, second: int) -> list[bytes]:
        response = self.get("/evidence/proof/consistency", **{"from": first, "to": second})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["from"], body["to"]) == (first, second)
        return [base64.b64decode(h, validate=True) for h in body["path"]]


def _cosigned_checkpoint(url: str) -> str:
    integrate()
    outcomes = collect_cosignatures()
    assert {o.region for o in outcomes if o.cosigned} == set(REGIONS), outcomes
    response = httpx.get(url + "/evidence/checkpoint", timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return response.content.decode("utf-8")


@pytest.fixture
def log(live_server: Any, live_regions: dict, regional_nodes: Any) -> Iterator[Log]:
    """A log of real calls, with two checkpoints each cosigned by the four regions' witnesses."""
    for node in regional_nodes:  # each test's log is a new log to the witnesses
        try:
            node.manage("witness_reset", "--reason", "test: a new log", "--forget")
        except RuntimeError as exc:
            assert "没有日志" in str(exc)
    caller = make_caller(live_server, "app-evidence-gmssl")
    try:
        for _ in range(2):
            assert caller.search().ok
        first = _cosigned_checkpoint(live_server.url)
        assert caller.search().ok
        second = _cosigned_checkpoint(live_server.url)
        yield Log(
            url=live_server.url,
            hub_public=hub_key().public_key.hex(),
            regions={code: region.public_key for code, region in live_regions.items()},
            first=first,
            second=second,
            endpoints={code: region.endpoint.rstrip("/") for code, region in live_regions.items()},
        )
    finally:
        caller.client.close()
        clients.close_all()
        wipe_log()


def test_gmssl_verifies_the_checkpoints_and_every_witness_cosignature(log: Log) -> None:
    now = time.time()
    for text in (log.first, log.second):
        note = parse_note(text)
        assert note.origin == ORIGIN and len(note.root) == 32
        verify_hub_signature(note, log.hub_public)
        # The hub's line first, then one cosignature per region, each by the registered key.
        assert note.signatures[0][0] == ORIGIN and len(note.signatures) == 1 + len(REGIONS)
        for code, public_hex in log.regions.items():
            timestamp = verify_cosignature(note, f"{code.lower()}.witness.ysj.yrd", public_hex)
            assert now - 600 <= timestamp <= now + 60, (code, timestamp)
    assert 0 < parse_note(log.first).size < parse_note(log.second).size


def test_gmssl_recomputes_inclusion_and_consistency_roots(log: Log) -> None:
    first, second = parse_note(log.first), parse_note(log.second)
    for index in sorted({0, 1, first.size // 2, first.size - 1, first.size, second.size - 1}):
        leaf = log.leaf(index)
        fields = json.loads(leaf.decode("utf-8"))
        # The canonical leaf: UTF-8 JSON, keys sorted, no whitespace, version 1.
        assert json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() == leaf
        assert fields["v"] == 1 and fields["kind"] in KINDS, fields
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+08:00", fields["at"]), fields["at"]
        hashed = leaf_hash(leaf)
        assert root_from_inclusion(index, second.size, hashed, log.inclusion(index, second.size)) == second.root
        if index < first.size:
            assert root_from_inclusion(index, first.size, hashed, log.inclusion(index, first.size)) == first.root
    verify_consistency(first.size, second.size, first.root, second.root, log.consistency(first.size, second.size))
    # Every leaf, hashed and built into the tree from RFC 9162's definition, gives both signed roots.
    leaves = [log.leaf(i) for i in range(second.size)]
    hashed_leaves = [leaf_hash(leaf) for leaf in leaves]
    assert tree_hash(hashed_leaves[: first.size]) == first.root
    assert tree_hash(hashed_leaves) == second.root
    # The searches are in the log: the served 12.1.5 calls and the calls the hub made to each region.
    kinds = [json.loads(leaf)["kind"] for leaf in leaves]
    assert kinds.count("served") >= 3 and kinds.count("made") >= 3 * len(REGIONS), kinds
    # The trivial cases as docs/evidence.md reads RFC 9162: a one-leaf tree's path is empty, and so
    # is a consistency proof from the empty tree or between equal sizes.
    assert log.inclusion(0, 1) == [] and root_from_inclusion(0, 1, hashed_leaves[0], []) == hashed_leaves[0]
    assert log.consistency(0, second.size) == [] and log.consistency(second.size, second.size) == []


def test_the_documented_empty_root_is_gmssl_sm3_of_nothing() -> None:
    """docs/evidence.md gives the empty tree's root, RFC 9162's MTH({}) = HASH(), with SM3."""
    empty = "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
    assert tree_hash([]).hex() == empty
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 A.1


def test_a_flipped_bit_a_wrong_index_or_a_changed_note_fails_the_checks(log: Log) -> None:
    first, second = parse_note(log.first), parse_note(log.second)
    index = first.size - 1
    hashed = leaf_hash(log.leaf(index))
    path = log.inclusion(index, second.size)
    assert root_from_inclusion(index, second.size, hashed, path) == second.root
    for position in range(len(path)):
        assert root_from_inclusion(index, second.size, hashed, flip_bit(path, position)) != second.root
    for wrong in (index - 1, index + 1):
        with contextlib.suppress(Mismatch):  # a path of the wrong length for that index is refused outright
            assert root_from_inclusion(wrong, second.size, hashed, path) != second.root
    assert root_from_inclusion(index, second.size, leaf_hash(log.leaf(index + 1)), path) != second.root

    proof = log.consistency(first.size, second.size)
    for position in range(len(proof)):
        with pytest.raises(Mismatch):
            verify_consistency(first.size, second.size, first.root, second.root, flip_bit(proof, position))
    with pytest.raises(Mismatch):
        verify_consistency(first.size, second.size, second.root, first.root, proof)

    # A note whose size is changed by one no longer carries the hub's signature or any cosignature.
    lines = log.second.split("\n")
    forged = parse_note("\n".join([lines[0], str(second.size + 1), *lines[2:]]))
    with pytest.raises(Mismatch):
        verify_hub_signature(forged, log.hub_public)
    with pytest.raises(Mismatch):
        verify_cosignature(forged, "sh.witness.ysj.yrd", log.regions["SH"])
    # A cosignature checked with another region's key has another key ID: no such line.
    with pytest.raises(Mismatch):
        verify_cosignature(second, "sh.witness.ysj.yrd", log.regions["JS"])
    # The right key ID but a flipped signature bit does not verify.
    name, payload = second.signatures[0]
    changed = payload[:-1] + bytes([payload[-1] ^ 0x01])
    tampered = Note(second.body, second.origin, second.size, second.root, [(name, changed)])
    with pytest.raises(Mismatch):
        verify_hub_signature(tampered, log.hub_public)


def test_a_witness_answers_add_checkpoint_as_tlog_witness_says(log: Log) -> None:
    """The witness protocol from outside: the body written by hand, the answers read by hand."""
    first, second = parse_note(log.first), parse_note(log.second)
    # Again at the size the witness cosigned, same root: a cosignature line that gmssl verifies.
    answer = log.add_checkpoint("SH", second.size, [], log.second)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain"), answer.text
    assert answer.text.startswith(EM_DASH + " sh.witness.ysj.yrd ") and answer.text.endswith("\n")
    fresh = parse_note(second.body.decode() + "\n" + answer.text)
    assert verify_cosignature(fresh, "sh.witness.ysj.yrd", log.regions["SH"]) >= time.time() - 600
    # A stale old size (or 0, to learn the witness's size): 409 with the size as text/x.tlog.size.
    for old in (first.size, 0):
        answer = log.add_checkpoint("SH", old, [] if old == 0 else log.consistency(old, second.size), log.second)
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"].startswith("text/x.tlog.size") and answer.text == f"{second.size}\n"
    # An old size beyond the checkpoint's: 400.
    assert log.add_checkpoint("SH", second.size + 1, [], log.second).status_code == 400
    # The hub's signature changed by one bit: 403; another origin: 404.
    name, payload = second.signatures[0]
    broken = payload[:-1] + bytes([payload[-1] ^ 0x01])
    text = second.body.decode() + "\n" + f"{EM_DASH} {name} {base64.b64encode(broken).decode()}\n"
    assert log.add_checkpoint("SH", second.size, [], text).status_code == 403
    elsewhere = log.second.replace(ORIGIN + "\n", "example.com/another-log\n", 1)
    assert log.add_checkpoint("SH", second.size, [], elsewhere).status_code == 404


def test_a_witness_refuses_a_proof_with_a_flipped_bit_with_422_and_then_cosigns_the_right_one(log: Log) -> None:
    second = parse_note(log.second)
    log_of(3)  # the log grows past what the witnesses cosigned; the hub signs a third checkpoint
    third_text = httpx.get(log.url + "/evidence/checkpoint", timeout=30).text
    third = parse_note(third_text)
    assert third.size == second.size + 3
    verify_hub_signature(third, log.hub_public)
    proof = log.consistency(second.size, third.size)
    verify_consistency(second.size, third.size, second.root, third.root, proof)
    for position in range(len(proof)):
        answer = log.add_checkpoint("ZJ", second.size, flip_bit(proof, position), third_text)
        assert answer.status_code == 422, (position, answer.status_code, answer.text)
    assert log.add_checkpoint("ZJ", second.size, [], third_text).status_code == 422
    # A wrong proof changed nothing: the right one is cosigned.
    answer = log.add_checkpoint("ZJ", second.size, proof, third_text)
    assert answer.status_code == 200, answer.text
    assert verify_cosignature(parse_note(third.body.decode() + "\n" + answer.text), "zj.witness.ysj.yrd",
                              log.regions["ZJ"]) >= time.time() - 600
