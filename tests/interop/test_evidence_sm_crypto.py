"""The evidence log checked from outside with sm-crypto (JavaScript) alone.

``tests/interop/js/evidence-verify.mjs`` shares no code with the project: it parses the checkpoint
note, computes the key IDs with sm-crypto's SM3, verifies the hub's signature and each witness's
cosignature with ``sm2.doVerifySignature(..., {der: false, hash: true})`` (default user ID), and
recomputes an RFC 9162 inclusion proof's root. This module sets up a live log of real calls
(searches fanned out to the four live regional nodes, the log integrated and cosigned), fetches
what a province's engineer would fetch (the checkpoint, an entry's leaf bytes through the
region's envelope call, the proof) and hands it to the script as JSON on stdin, tampered copies
included, so that the script can be seen to say no.

Skipped when Node.js is not on PATH, or when the pinned sm-crypto is not installed and npm cannot
install it (``npm ci`` in ``tests/interop/js``).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from evidence.integrate import integrate
from evidence.witnesses import collect_cosignatures
from sharing.regions import clients
from tests.evidence.conftest import wipe_log
from tests.keys import hub_key
from tests.regional import node_key
from tests.sharing.conftest import make_caller
from ysj_protocol.client import EnvelopeClient, Peer

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "evidence-verify.mjs"
NODE = shutil.which("node")
ORIGIN = "ysj.yrd/evidence"
REGIONS = ("SH", "JS", "ZJ", "AH")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node (Node.js 18 or later) is not on PATH"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def sm_crypto() -> Path:
    """The script, with the pinned sm-crypto installed next to it (or a skip saying why not)."""
    if not (JS_DIR / "node_modules" / "sm-crypto" / "package.json").is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("sm-crypto is not installed in tests/interop/js and npm is not on PATH")
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True, text=True, timeout=300,
            check=False,
        )
        if result.returncode != 0:
            pytest.skip(f"npm ci in tests/interop/js failed, sm-crypto is missing:\n{result.stderr[-2000:]}")
    return SCRIPT


def run(script: Path, job: dict[str, Any]) -> dict[str, Any]:
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(script)], cwd=JS_DIR, input=json.dumps(job, ensure_ascii=False), capture_output=True,
        text=True, encoding="utf-8", timeout=120, check=False,
    )
    assert result.returncode == 0, f"the sm-crypto script failed:\n{result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture
def cosigned_log(live_server: Any, live_regions: dict, regional_nodes: Any) -> Iterator[tuple[str, dict]]:
    """The hub's URL and its regions' public keys, with a log of real calls cosigned by all four."""
    for node in regional_nodes:  # each test's log is a new log to the witnesses
        try:
            node.manage("witness_reset", "--reason", "test: a new log", "--forget")
        except RuntimeError as exc:
            assert "没有日志" in str(exc)
    caller = make_caller(live_server, "app-evidence-sm-crypto")
    try:
        for _ in range(2):
            assert caller.search().ok
        integrate()
        assert {o.region for o in collect_cosignatures() if o.cosigned} == set(REGIONS)
        yield live_server.url, {code: region.public_key for code, region in live_regions.items()}
    finally:
        caller.client.close()
        clients.close_all()
        wipe_log()


def _leaf(url: str, index: int) -> str:
    """An entry's leaf bytes (base64) through Anhui's envelope call, the transport of the project's client."""
    peer = Peer(base_url=url, public_key=hub_key().public_key, name="hub")
    with EnvelopeClient(peer, account_id="region-ah", private_key=node_key("AH"), timeout=30) as client:
        answer = client.call("/api/v1/evidence/entries", {"index": index}, check=False)
    assert answer.status == "0" and answer.data["index"] == index, (answer.status, answer.message)
    return answer.data["data"]


def _flip(path: list[str], position: int) -> list[str]:
    raw = bytearray(base64.b64decode(path[position]))
    raw[0] ^= 0x80
    return [*path[:position], base64.b64encode(bytes(raw)).decode(), *path[position + 1 :]]


def test_sm_crypto_verifies_the_checkpoint_the_cosignatures_and_an_inclusion_proof(
    sm_crypto: Path, cosigned_log: tuple[str, dict]
) -> None:
    url, regions = cosigned_log
    note = httpx.get(f"{url}/evidence/checkpoint", timeout=30).text
    size = int(note.split("\n")[1])
    index = size // 2
    proof = httpx.get(f"{url}/evidence/proof/inclusion", params={"index": index, "size": size}, timeout=30).json()
    leaf, other_leaf = _leaf(url, index), _leaf(url, index + 1)
    witnesses = [{"name": f"{code.lower()}.witness.ysj.yrd", "publicKey": key} for code, key in regions.items()]
    hub_public = hub_key().public_key.hex()
    job = {
        "note": note,
        "origin": ORIGIN,
        "hubPublicKey": hub_public,
        "witnesses": [*witnesses, {"name": "sh.witness.ysj.yrd", "publicKey": regions["JS"]}],
        "inclusion": [
            {"index": index, "size": size, "leaf": leaf, "path": proof["path"]},
            {"index": index, "size": size, "leaf": leaf, "path": _flip(proof["path"], 0)},
            {"index": index, "size": size, "leaf": leaf, "path": _flip(proof["path"], len(proof["path"]) - 1)},
            {"index": index, "size": size, "leaf": other_leaf, "path": proof["path"]},
            {"index": index + 1, "size": size, "leaf": leaf, "path": proof["path"]},
        ],
    }
    result = run(sm_crypto, job)
    assert (result["origin"], result["size"]) == (ORIGIN, size)
    assert result["hubSignature"] is True
    now = time.time()
    *cosigned, wrong_key = result["cosignatures"]
    for item in cosigned:
        assert item["timestamp"] is not None and now - 600 <= item["timestamp"] <= now + 60, item
    assert wrong_key["timestamp"] is None  # Shanghai's line under Jiangsu's key: another key ID
    assert [item["matches"] for item in result["inclusion"]] == [True, False, False, False, False]
    assert result["inclusion"][0]["root"] == note.split("\n")[2]

    # The note with its size changed by one: neither the hub's signature nor any cosignature holds.
    lines = note.split("\n")
    forged = run(sm_crypto, {**job, "note": "\n".join([lines[0], str(size + 1), *lines[2:]]), "inclusion": []})
    assert forged["hubSignature"] is False
    assert all(item["timestamp"] is None for item in forged["cosignatures"])
    # The hub's signature checked under a witness's key fails too.
    assert run(sm_crypto, {**job, "hubPublicKey": regions["SH"], "inclusion": []})["hubSignature"] is False
