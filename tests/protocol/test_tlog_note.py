"""Checkpoints as signed notes with SM2: exact bytes, signatures, cosignatures, malformed notes."""

from __future__ import annotations

import base64

import pytest

from tests.keys import key_for
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.sm3 import sm3_digest
from ysj_protocol.tlog import hashing, note
from ysj_protocol.tlog.note import Checkpoint, NoteError, NoteSignature

LOG = note.DEFAULT_ORIGIN
ROOT = hashing.leaf_hash(b"x")


def hub():
    return key_for("tlog-hub")


def signed(checkpoint: Checkpoint, key=None, name: str = LOG) -> str:
    key = key or hub()
    body = checkpoint.body()
    return note.format_note(body, [note.signature_line(body, name=name, private_key=key)])


def test_checkpoint_body_is_exactly_the_tlog_checkpoint_text():
    root = bytes(range(32))
    checkpoint = Checkpoint(origin="ysj.yrd/evidence", size=20852163, root=root)
    expected = b"ysj.yrd/evidence\n20852163\n" + base64.b64encode(root) + b"\n"
    assert checkpoint.body() == expected
    assert Checkpoint.parse(expected) == checkpoint
    with_ext = Checkpoint(origin=LOG, size=0, root=hashing.EMPTY_ROOT, extensions=("ext one",))
    assert with_ext.body().endswith(b"\next one\n")
    assert Checkpoint.parse(with_ext.body()) == with_ext


def test_note_round_trip_and_signature_bytes():
    checkpoint = Checkpoint(origin=LOG, size=3, root=ROOT)
    text = signed(checkpoint)
    assert text.startswith(checkpoint.body().decode() + "\n\u2014 " + LOG + " ")
    body, signatures = note.open_note(text)
    assert body == checkpoint.body()
    assert Checkpoint.parse(body) == checkpoint
    (signature,) = signatures
    assert signature.name == LOG
    assert signature.key_id == note.key_id(LOG, hub().public_key)
    assert len(signature.signature) == 64  # raw r || s
    assert note.verify_signature(body, signature, name=LOG, public_key=hub().public_key)
    # The key ID is SM3(name || 0x0A || 0xFF || identifier || 04||x||y)[:4].
    expected_id = sm3_digest(LOG.encode() + b"\n\xffysj.yrd/sm2-sm3" + hub().public_key.to_bytes())[:4]
    assert signature.key_id == expected_id
    # The signature is a plain SM2 signature (default user ID) over the note text.
    assert sm2.verify(hub().public_key, body, signature.signature)
    assert note.open_note(text.encode()) == (body, signatures)


def test_signature_by_one_key_is_refused_under_another_and_under_another_name():
    checkpoint = Checkpoint(origin=LOG, size=3, root=ROOT)
    body, (signature,) = note.open_note(signed(checkpoint))
    other = key_for("tlog-other")
    assert not note.verify_signature(body, signature, name=LOG, public_key=other.public_key)
    assert not note.verify_signature(body, signature, name="other.example/log", public_key=hub().public_key)
    # Same name and key ID but a signature made by another key: refused.
    forged = NoteSignature(name=LOG, key_id=signature.key_id, signature=sm2.sign(other, body))
    assert not note.verify_signature(body, forged, name=LOG, public_key=hub().public_key)
    # Another body under a valid signature: refused.
    changed = Checkpoint(origin=LOG, size=4, root=ROOT).body()
    assert not note.verify_signature(changed, signature, name=LOG, public_key=hub().public_key)
    # A cosignature-typed ID is not a note signature, and vice versa.
    assert not note.verify_cosignature(body, signature, name=LOG, public_key=hub().public_key)


def test_cosignature_round_trip_with_its_timestamp():
    checkpoint = Checkpoint(origin=LOG, size=7, root=ROOT)
    witness = key_for("region-SH")
    name = note.witness_name("SH")
    assert name == "sh.witness.ysj.yrd"
    line = note.cosignature_line(checkpoint, name=name, private_key=witness, timestamp=1_700_000_123)
    (signature,) = note.parse_signature_lines(line)
    assert signature.key_id == note.key_id(name, witness.public_key, cosignature=True)
    assert signature.key_id != note.key_id(name, witness.public_key)
    assert signature.signature[:8] == (1_700_000_123).to_bytes(8, "big")
    assert len(signature.signature) == 8 + 64
    body = checkpoint.body()
    assert note.verify_cosignature(body, signature, name=name, public_key=witness.public_key) == 1_700_000_123
    message = b"cosignature/v1\ntime 1700000123\n" + body
    assert sm2.verify(witness.public_key, message, signature.signature[8:])
    # Another checkpoint, another key, another name, a changed timestamp: None.
    assert (
        note.verify_cosignature(
            Checkpoint(origin=LOG, size=8, root=ROOT).body(),
            signature,
            name=name,
            public_key=witness.public_key,
        )
        is None
    )
    assert note.verify_cosignature(body, signature, name=name, public_key=hub().public_key) is None
    assert (
        note.verify_cosignature(body, signature, name="js.witness.ysj.yrd", public_key=witness.public_key)
        is None
    )
    moved = NoteSignature(
        name=name,
        key_id=signature.key_id,
        signature=(1_700_000_124).to_bytes(8, "big") + signature.signature[8:],
    )
    assert note.verify_cosignature(body, moved, name=name, public_key=witness.public_key) is None
    # A full note with the log's signature and the cosignature opens and both verify.
    full = signed(checkpoint) + line
    opened_body, signatures = note.open_note(full)
    assert opened_body == body and len(signatures) == 2
    assert (
        note.verify_cosignature(opened_body, signatures[1], name=name, public_key=witness.public_key)
        == 1_700_000_123
    )


GOOD = None


def good_note() -> str:
    global GOOD
    if GOOD is None:
        GOOD = signed(Checkpoint(origin=LOG, size=3, root=ROOT))
    return GOOD


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda t: t.replace("\n\n", "\n"), "blank line"),
        (lambda t: t.rstrip("\n"), "newline"),
        (lambda t: t[: t.index("\n\n") + 2], "no signature"),
        (lambda t: t.replace("\u2014 ", "- "), "em dash"),
        (lambda t: t.replace("\u2014 ", "\u2014  "), "one space"),
        (lambda t: t[:-1] + " \n", "one space"),
        (lambda t: t[:-5] + "!!!=\n", "base64"),
        (lambda t: t[:-1] + "A\n", "base64"),
        (lambda t: t.replace("\u2014 " + LOG, "\u2014 a+b"), "plus"),
        (lambda t: t.replace("\n3\n", "\n3\t\n"), "control"),
        (lambda t: "\x00" + t, "control"),
    ],
)
def test_malformed_notes_are_note_errors(mutate, reason):
    text = mutate(good_note())
    with pytest.raises(NoteError, match=reason):
        note.open_note(text)


@pytest.mark.parametrize(
    "body",
    [
        b"ysj.yrd/evidence\n3\n",
        b"ysj.yrd/evidence\n03\n" + base64.b64encode(ROOT) + b"\n",
        b"ysj.yrd/evidence\n-3\n" + base64.b64encode(ROOT) + b"\n",
        b"ysj.yrd/evidence\n 3\n" + base64.b64encode(ROOT) + b"\n",
        b"ysj.yrd/evidence\n3\n" + base64.b64encode(ROOT[:31]) + b"\n",
        b"ysj.yrd/evidence\n3\n" + base64.b64encode(ROOT),
        b"ysj.yrd/evidence\n3\n" + base64.b64encode(ROOT) + b"\n\n",
        b"ysj.yrd evidence\n3\n" + base64.b64encode(ROOT) + b"\n",
        b"\n3\n" + base64.b64encode(ROOT) + b"\n",
        b"ysj.yrd/evidence\n99999999999999999999\n" + base64.b64encode(ROOT) + b"\n",
        b"ysj.yrd/evidence\n3\n" + base64.b64encode(ROOT).replace(b"=", b"") + b"\n",
        b"\xff\xfe\n3\n" + base64.b64encode(ROOT) + b"\n",
        "ysj.yrd/证据\n3\n".encode() + base64.b64encode(ROOT),
    ],
)
def test_malformed_checkpoint_bodies_are_note_errors(body):
    with pytest.raises(NoteError):
        Checkpoint.parse(body)


def test_non_utf8_and_oversized_notes_are_note_errors():
    with pytest.raises(NoteError, match="UTF-8"):
        note.open_note(good_note().encode() + b"\xff\n")
    with pytest.raises(NoteError, match="longer"):
        note.open_note("a\n" * note.MAX_NOTE_BYTES)
    with pytest.raises(NoteError):
        note.open_note(12345)
    too_many = good_note() + good_note()[good_note().index("\n\n") + 2 :] * note.MAX_SIGNATURES
    with pytest.raises(NoteError, match="more than"):
        note.open_note(too_many)


def test_unicode_origin_is_accepted_as_signed_note_allows():
    checkpoint = Checkpoint(origin="长三角.yrd/证据", size=1, root=ROOT)
    body, (signature,) = note.open_note(signed(checkpoint, name="长三角.yrd/证据"))
    assert Checkpoint.parse(body) == checkpoint
    assert note.verify_signature(body, signature, name="长三角.yrd/证据", public_key=hub().public_key)


@pytest.mark.parametrize("code", ["", "s h", "1SH", "SH\n", None, "TOOLONGCODE"])
def test_witness_name_needs_a_region_code(code):
    with pytest.raises(NoteError):
        note.witness_name(code)


def test_checkpoint_fields_are_validated():
    with pytest.raises(NoteError):
        Checkpoint(origin=LOG, size=-1, root=ROOT)
    with pytest.raises(NoteError):
        Checkpoint(origin=LOG, size=1, root=ROOT[:31])
    with pytest.raises(NoteError):
        Checkpoint(origin="a b", size=1, root=ROOT)
    with pytest.raises(NoteError):
        Checkpoint(origin=LOG, size=1, root=ROOT, extensions=("",))
    with pytest.raises(NoteError):
        note.cosignature_line(
            Checkpoint(origin=LOG, size=1, root=ROOT), name="w", private_key=hub(), timestamp=-1
        )


class HardwareKey:
    """A key held elsewhere: only a public key and a ``sign`` (here backed by a software key)."""

    def __init__(self, key):
        self._key = key
        self.public_key = key.public_key
        self.calls = 0

    def sign(self, message: bytes) -> bytes:
        self.calls += 1
        return sm2.sign(self._key, message)


def test_a_signer_other_than_a_private_key_signs_notes_and_cosignatures():
    signer = HardwareKey(key_for("tlog-hsm"))
    checkpoint = Checkpoint(origin=LOG, size=2, root=ROOT)
    body = checkpoint.body()
    (signature,) = note.parse_signature_lines(note.signature_line(body, name=LOG, private_key=signer))
    assert note.verify_signature(body, signature, name=LOG, public_key=signer.public_key)
    line = note.cosignature_line(checkpoint, name="w.example", private_key=signer, timestamp=5)
    (cosignature,) = note.parse_signature_lines(line)
    assert note.verify_cosignature(body, cosignature, name="w.example", public_key=signer.public_key) == 5
    assert signer.calls == 2
