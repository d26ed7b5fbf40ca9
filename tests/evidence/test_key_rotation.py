"""A region rotates its SM2 key: its old cosignatures stay valid, a key it never held does not.

The region's witness is a small HTTP server in the test running ``ysj_protocol.tlog.witness``
(the same decision the regional node makes), so that the test can switch the key it signs with.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from evidence.checkpoints import origin
from evidence.models import Checkpoint, Cosignature
from evidence.verify import verify_log
from evidence.witnesses import collect_cosignatures
from tests.factories import RegionFactory
from trust.keys import hub_public_key
from ysj_protocol.crypto import sm2
from ysj_protocol.tlog import note, witness

from .factories import log_of

pytestmark = pytest.mark.django_db


class Witness:
    """One region's tlog-witness over HTTP, signing with ``key`` (the test rotates it)."""

    def __init__(self, *, code: str, key: sm2.PrivateKey) -> None:
        self.code = code
        self.key = key
        self.state: witness.WitnessState | None = None
        self.origin, self.log_key = origin(), hub_public_key()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server interface
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, content_type, answer = outer.answer(body)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{code.lower()}"

    def answer(self, body: bytes) -> tuple[int, str, bytes]:
        with self.lock:
            try:
                self.state, line = witness.add_checkpoint(
                    state=self.state,
                    request=body,
                    origin=self.origin,
                    log_name=self.origin,
                    log_public_key=self.log_key,
                    witness_name=note.witness_name(self.code),
                    witness_key=self.key,
                    now=int(time.time()),
                )
            except witness.WitnessRefusal as refusal:
                answer, content_type = refusal.body()
                return refusal.http_status, content_type, answer
        return 200, "text/plain; charset=utf-8", line.encode()


@pytest.fixture
def sh_witness() -> Iterator[Witness]:
    served = Witness(code="SH", key=sm2.PrivateKey.generate())
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def _rotate(region, key: sm2.PrivateKey) -> None:
    """As the admin's change form does: a save of the model, which writes its history row."""
    region.public_key = key.public_key.hex()
    region.save()


def _verify_fails() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("verify_evidence", stdout=io.StringIO(), stderr=io.StringIO())
    return str(caught.value)


def _forge(size: int, code: str, key: sm2.PrivateKey, *, stored_key: str | None) -> None:
    checkpoint = Checkpoint.objects.get(size=size)
    body, _ = note.open_note(checkpoint.note)
    line = note.cosignature_line(
        note.Checkpoint.parse(body), name=note.witness_name(code), private_key=key, timestamp=1_700_000_000
    )
    Cosignature(
        checkpoint=checkpoint, region=code, line=line, timestamp=1_700_000_000, public_key=stored_key
    ).save()


def test_old_cosignatures_verify_after_the_region_rotates_its_key(
    sh_witness: Witness, client: Client
) -> None:
    key_a, key_b = sh_witness.key, sm2.PrivateKey.generate()
    region = RegionFactory(code="SH", endpoint=sh_witness.url, public_key=key_a.public_key.hex())
    log_of(3)
    assert [o.cosigned for o in collect_cosignatures()] == [True]
    first = Cosignature.objects.get(checkpoint__size=3)
    assert first.public_key == key_a.public_key.to_bytes(True).hex()

    _rotate(region, key_b)
    sh_witness.key = key_b
    log_of(2)
    assert [o.cosigned for o in collect_cosignatures()] == [True]
    second = Cosignature.objects.get(checkpoint__size=5)
    assert second.public_key == key_b.public_key.to_bytes(True).hex()

    out = io.StringIO()
    call_command("verify_evidence", stdout=out, stderr=io.StringIO())
    assert "存证日志完好" in out.getvalue() and "2 个见证联署" in out.getvalue()

    # The public checkpoint is the latest, cosigned by the new key.
    text = client.get("/evidence/checkpoint").content.decode()
    body, signatures = note.open_note(text)
    cosigned = [s for s in signatures if s.name == "sh.witness.ysj.yrd"]
    assert note.verify_cosignature(body, cosigned[0], name="sh.witness.ysj.yrd", public_key=key_b.public_key)
    assert (
        note.verify_cosignature(body, cosigned[0], name="sh.witness.ysj.yrd", public_key=key_a.public_key)
        is None
    )

    # New checkpoints are taken only under the current key: a witness still on the old one is refused.
    sh_witness.key = key_a
    log_of(1)
    outcome = collect_cosignatures()[0]
    assert not outcome.cosigned and "no cosignature" in outcome.error
    assert not Cosignature.objects.filter(checkpoint__size=6).exists()


def test_cosignatures_stored_without_their_key_are_found_by_key_id_over_the_history() -> None:
    key_c, key_d = sm2.PrivateKey.generate(), sm2.PrivateKey.generate()
    region = RegionFactory(code="JS", public_key=key_c.public_key.hex())
    log_of(2)
    _forge(2, "JS", key_c, stored_key=None)  # as collected before the key was recorded
    _rotate(region, key_d)
    log_of(1)
    _forge(3, "JS", key_d, stored_key=None)
    report = verify_log()
    assert report.ok, report.problems
    assert report.cosignatures == 2


@pytest.mark.parametrize("stored", ["forged key", "none", "another region's key", "held key, other signer"])
def test_a_cosignature_by_a_key_the_region_never_held_fails_naming_the_checkpoint(stored: str) -> None:
    key_a, key_b, never = (sm2.PrivateKey.generate() for _ in range(3))
    region = RegionFactory(code="ZJ", public_key=key_a.public_key.hex())
    other = RegionFactory(code="AH")
    _rotate(region, key_b)
    log_of(4, batches=2)  # checkpoints 2 and 4
    _forge(2, "ZJ", key_a, stored_key=key_a.public_key.hex())  # the old key: valid
    if stored == "forged key":
        _forge(4, "ZJ", never, stored_key=never.public_key.hex())
    elif stored == "none":
        _forge(4, "ZJ", never, stored_key=None)
    elif stored == "another region's key":
        from tests.keys import key_for

        _forge(4, "ZJ", key_for("region-AH"), stored_key=other.public_key)
    else:
        _forge(4, "ZJ", never, stored_key=key_b.public_key.hex())
    problems = [p.message for p in verify_log().problems]
    assert len(problems) == 1 and problems[0].startswith("检查点 4 的 ZJ 见证联署验证失败"), problems
    assert "检查点 4 的 ZJ 见证联署验证失败" in _verify_fails()
