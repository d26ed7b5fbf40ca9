"""``ysj fetch`` applies 11.4 to the downloaded file (watermark, the application's signature,
encrypted storage: ``ysj_protocol.usage``), and ``ysj use open`` reads it back; then the evidence
log of the calls just made: the checkpoint's signature (and the demo nodes' cosignatures) checked
by the client and ``ysj checkpoint``, an entry's inclusion proved and a wrong leaf refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence.integrate import integrate
from evidence.models import EvidenceEntry
from evidence.witnesses import collect_cosignatures
from regional_node.demo import DEMO_PERSON
from trust.keys import hub_public_key
from ysj_portal import demo
from ysj_protocol.app import Client, VerificationFailed
from ysj_protocol.cli import exitcodes
from ysj_protocol.tlog import hashing

from ..evidence.conftest import wipe_log
from .conftest import PUBLISHED, demo_app, kit_client
from .test_cli import app_env, as_json, home, ysj  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def log_emptied_after(demo_hub: Any) -> Iterator[Any]:
    """The hub, its append-only log emptied afterwards so that the transactional test's flush can run."""
    yield demo_hub
    wipe_log()


STORE_KEYS = "k2:" + "22" * 16 + ",k1:" + "11" * 16


def test_fetch_applies_11_4_and_the_log_proves_the_calls(
    app_env: dict[str, str],  # noqa: F811 - the fixture imported above
    log_emptied_after: Any,
    tmp_path: Path,
) -> None:
    demo_hub = log_emptied_after
    env = {**app_env, "YSJ_STORE_KEYS": STORE_KEYS, "YSJ_STORE_DIR": str(tmp_path / "store")}
    holder = ["--id-no", DEMO_PERSON.code, "--name", DEMO_PERSON.name]
    found = as_json(
        ysj("search", "--item-code", PUBLISHED[0], "--item-name", "跨省通办", *holder, "--json", env=env)
    )
    certificate_id = found["dataList"][0]["certificate_id"]
    stored = as_json(
        ysj(
            "fetch", certificate_id, "--item-code", PUBLISHED[0], "--item-name", "跨省通办", "--json", env=env
        )
    )
    assert stored["fileFormat"] == "PDF" and stored["fileId"]
    out = tmp_path / "opened.pdf"
    ysj("use", "open", stored["fileId"], "--out", str(out), env=env)
    opened = out.read_bytes()
    assert opened.startswith(b"%PDF") and len(opened) > stored["bytes"], "watermarked and countersigned"
    # Verified locally: the region's signature on its revision and this application's over the whole.
    checked = as_json(ysj("verify", str(out), "--json", env=env))
    assert checked["local"]["ok"] and checked["local"]["code"] == "ok", checked
    missing_keys = {k: v for k, v in env.items() if k != "YSJ_STORE_KEYS"}
    ysj("fetch", certificate_id, "--item-code", PUBLISHED[0], env=missing_keys, check=exitcodes.CONFIG)

    # The evidence log of these calls, integrated and cosigned by the demo nodes' witnesses.
    integrate()
    collect_cosignatures()
    keys = {code: demo.node_key(code).public_key for code in demo.REGION_ORDER}
    with kit_client(demo_hub.url, demo_app(), witness_keys=keys, timeout=60) as client:
        checkpoint = client.checkpoint()
        assert checkpoint.size == EvidenceEntry.objects.count() > 0
        assert set(checkpoint.cosigned_by) == set(demo.REGION_ORDER)
        entry = EvidenceEntry.objects.order_by("index").last()
        verified, proof = client.check_inclusion(
            index=entry.index, leaf_hash=hashing.leaf_hash(bytes(entry.leaf))
        )
        assert proof.size == verified.size and proof.index == entry.index
        with pytest.raises(VerificationFailed):
            client.check_inclusion(index=entry.index, leaf_hash=hashing.leaf_hash(bytes(entry.leaf) + b" "))

    # A region account reads the entry's leaf bytes (the nodes' own inclusion check).
    region = Client(
        demo_hub.url,
        app_id="region-sh",
        private_key=demo.node_key("SH"),
        provider_key=hub_public_key(),
        timeout=60,
    )
    with region:
        read = region.evidence_entry(index=entry.index)
        assert read.index == entry.index and read.data == bytes(entry.leaf)

    shown = as_json(ysj("checkpoint", "--json", env=env))
    assert shown["size"] == checkpoint.size and set(shown["cosigned_by"]) == set(demo.REGION_ORDER)
    proved = as_json(
        ysj(
            "prove",
            "--index",
            str(entry.index),
            "--leaf-hash",
            hashing.leaf_hash(bytes(entry.leaf)).hex(),
            "--json",
            env=env,
        )
    )
    assert proved["ok"] and proved["index"] == entry.index
    refused = ysj(
        "prove",
        "--index",
        str(entry.index),
        "--leaf-hash",
        "00" * 32,
        "--json",
        env=env,
        check=exitcodes.VERIFICATION_FAILED,
    )
    assert json.loads(refused.stdout)["error"]["kind"] == "VerificationFailed"
