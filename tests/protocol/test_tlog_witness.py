"""The witness's add-checkpoint decision (tlog-witness), storage-agnostic.

Trees come from the reference builder; checkpoints are signed by a test hub key. Each test plays
the witness's stored state forward as a real store would.
"""

from __future__ import annotations

import pytest

from tests.keys import key_for
from ysj_protocol.tlog import hashing, note, witness
from ysj_protocol.tlog.note import Checkpoint
from ysj_protocol.tlog.witness import WitnessRefusal, WitnessState

from .test_tlog_reference import ReferenceTree

LOG = note.DEFAULT_ORIGIN
NAME = note.witness_name("SH")
NOW = 1_764_500_000


def hub():
    return key_for("tlog-hub")


def region():
    return key_for("region-SH")


def checkpoint_note(tree: ReferenceTree, size: int, *, key=None, origin: str = LOG) -> str:
    body = Checkpoint(origin=origin, size=size, root=tree.root(size)).body()
    return note.format_note(body, [note.signature_line(body, name=origin, private_key=key or hub())])


def submit(state, tree, size, *, old=None, proof=None, key=None, origin=LOG, history=None):
    old = (state.size if state else 0) if old is None else old
    proof = tree.consistency_path(old, size) if proof is None else proof
    request = witness.add_checkpoint_request(
        old_size=old, proof=proof, note=checkpoint_note(tree, size, key=key, origin=origin)
    )
    return witness.add_checkpoint(
        state=state,
        request=request,
        origin=LOG,
        log_name=LOG,
        log_public_key=hub().public_key,
        witness_name=NAME,
        witness_key=region(),
        now=NOW,
        cosigned_root=history.get if history is not None else None,
    )


def tree_of(n: int, tag: bytes = b"entry") -> ReferenceTree:
    return ReferenceTree([tag + b" %d" % i for i in range(n)])


def test_request_format_round_trip_is_exactly_tlog_witness():
    tree = tree_of(8)
    proof = tree.consistency_path(3, 8)
    text = checkpoint_note(tree, 8)
    request = witness.add_checkpoint_request(old_size=3, proof=proof, note=text)
    lines = request.decode().split("\n")
    assert lines[0] == "old 3"
    assert len(lines[1 : 1 + len(proof)]) == len(proof) and lines[1 + len(proof)] == ""
    assert request.endswith(text.encode())
    assert witness.parse_add_checkpoint_request(request) == (3, proof, text.encode())


def test_first_checkpoint_then_consistent_growth_are_cosigned():
    tree = tree_of(30)
    state, line = submit(None, tree, 5)
    assert state == WitnessState(size=5, root=tree.root(5))
    (cosig,) = note.parse_signature_lines(line)
    body = Checkpoint(origin=LOG, size=5, root=tree.root(5)).body()
    assert note.verify_cosignature(body, cosig, name=NAME, public_key=region().public_key) == NOW
    for size in (6, 8, 8, 17, 30):  # 8 twice: resubmitting the same checkpoint is cosigned again
        state, line = submit(state, tree, size)
        assert state.size == size and state.root == tree.root(size)
    # The answer appended to the note makes a note with two valid signatures.
    body, signatures = note.open_note(checkpoint_note(tree, 30) + line)
    assert note.verify_signature(body, signatures[0], name=LOG, public_key=hub().public_key)
    assert note.verify_cosignature(body, signatures[1], name=NAME, public_key=region().public_key) == NOW


def test_first_checkpoint_of_an_empty_log():
    tree = tree_of(0)
    state, _ = submit(None, tree, 0)
    assert state == WitnessState(size=0, root=hashing.EMPTY_ROOT)
    fake = Checkpoint(origin=LOG, size=0, root=hashing.leaf_hash(b"x")).body()
    request = witness.add_checkpoint_request(
        old_size=0,
        proof=[],
        note=note.format_note(fake, [note.signature_line(fake, name=LOG, private_key=hub())]),
    )
    with pytest.raises(WitnessRefusal) as refused:
        witness.add_checkpoint(
            state=None,
            request=request,
            origin=LOG,
            log_name=LOG,
            log_public_key=hub().public_key,
            witness_name=NAME,
            witness_key=region(),
            now=NOW,
        )
    assert refused.value.http_status == 422


def test_fork_at_the_same_size_is_a_409_with_evidence():
    honest, forked = tree_of(10), tree_of(10, b"other")
    state, _ = submit(None, honest, 10)
    with pytest.raises(WitnessRefusal) as refused:
        submit(state, forked, 10)
    assert refused.value.http_status == 409
    assert refused.value.kind == witness.FORK and refused.value.evidence
    assert refused.value.current_size == 10
    assert refused.value.checkpoint.root == forked.root(10)
    assert refused.value.body() == (b"10\n", "text/x.tlog.size")


def test_growth_onto_another_history_fails_the_proof_422():
    honest = tree_of(10)
    forked = ReferenceTree(honest.leaves[:4] + [b"changed"] + honest.leaves[5:] + [b"more"])
    state, _ = submit(None, honest, 10)
    with pytest.raises(WitnessRefusal) as refused:
        submit(state, forked, 11)
    assert refused.value.http_status == 422 and refused.value.kind == witness.BAD_PROOF
    assert not refused.value.evidence


def test_rollback_is_refused():
    tree = tree_of(12)
    state, _ = submit(None, tree, 12)
    # The log presents an older size claiming the witness is there: old > size is a 400.
    with pytest.raises(WitnessRefusal) as refused:
        submit(state, tree, 7, old=12, proof=[])
    assert refused.value.http_status == 400
    # Or claims the old size it had then: the witness answers 409 with its own size.
    with pytest.raises(WitnessRefusal) as refused:
        submit(state, tree, 7, old=5)
    assert refused.value.http_status == 409 and refused.value.current_size == 12
    assert refused.value.kind == witness.STALE and not refused.value.evidence


def test_rollback_to_another_history_is_a_fork_when_the_witness_cosigned_that_size():
    honest = tree_of(12)
    history = {}
    state = None
    for size in (7, 12):
        state, _ = submit(state, honest, size)
        history[size] = honest.root(size)
    other = tree_of(7, b"other")
    with pytest.raises(WitnessRefusal) as refused:
        submit(state, other, 7, old=0, history=history)
    assert refused.value.kind == witness.FORK and refused.value.evidence
    # The honest old checkpoint replayed is only stale.
    with pytest.raises(WitnessRefusal) as refused:
        submit(state, honest, 7, old=0, history=history)
    assert refused.value.kind == witness.STALE and not refused.value.evidence


def test_stale_old_size_is_409_with_the_witness_size():
    tree = tree_of(20)
    state, _ = submit(None, tree, 9)
    with pytest.raises(WitnessRefusal) as refused:
        submit(state, tree, 15, old=3)
    assert refused.value.http_status == 409
    assert refused.value.body() == (b"9\n", "text/x.tlog.size")
    with pytest.raises(WitnessRefusal) as refused:
        submit(None, tree, 15, old=3)
    assert refused.value.current_size == 0


@pytest.mark.parametrize(
    "proof",
    [
        lambda tree: [],
        lambda tree: tree.consistency_path(9, 15)[:-1],
        lambda tree: [*tree.consistency_path(9, 15), tree.root(9)],
        lambda tree: [
            bytes([tree.consistency_path(9, 15)[0][0] ^ 1]) + tree.consistency_path(9, 15)[0][1:],
            *tree.consistency_path(9, 15)[1:],
        ],
        lambda tree: tree.consistency_path(8, 15),
    ],
)
def test_bad_proof_is_422(proof):
    tree = tree_of(20)
    state, _ = submit(None, tree, 9)
    with pytest.raises(WitnessRefusal) as refused:
        submit(state, tree, 15, proof=proof(tree))
    assert refused.value.http_status == 422


def test_a_proof_from_zero_must_be_empty():
    tree = tree_of(4)
    with pytest.raises(WitnessRefusal) as refused:
        submit(None, tree, 4, proof=[tree.root(2)])
    assert refused.value.http_status == 422


def test_bad_log_signature_is_403_and_unknown_origin_404():
    tree = tree_of(5)
    with pytest.raises(WitnessRefusal) as refused:
        submit(None, tree, 5, key=key_for("tlog-impostor"))
    assert refused.value.http_status == 403
    # A signature line with the log's name and key ID whose signature does not verify: 403 too.
    text = checkpoint_note(tree, 5)
    body, (signature,) = note.open_note(text)
    broken = note.NoteSignature(name=LOG, key_id=signature.key_id, signature=bytes(64))
    request = witness.add_checkpoint_request(
        old_size=0, proof=[], note=note.format_note(body, [broken.line()])
    )
    with pytest.raises(WitnessRefusal) as refused:
        witness.add_checkpoint(
            state=None,
            request=request,
            origin=LOG,
            log_name=LOG,
            log_public_key=hub().public_key,
            witness_name=NAME,
            witness_key=region(),
            now=NOW,
        )
    assert refused.value.http_status == 403
    with pytest.raises(WitnessRefusal) as refused:
        submit(None, tree, 5, origin="another.example/log")
    assert refused.value.http_status == 404


def test_other_signatures_on_the_note_are_ignored():
    tree = tree_of(5)
    body = Checkpoint(origin=LOG, size=5, root=tree.root(5)).body()
    lines = [
        note.cosignature_line(
            Checkpoint.parse(body),
            name=note.witness_name("JS"),
            private_key=key_for("region-JS"),
            timestamp=NOW,
        ),
        note.signature_line(body, name="someone.example/else", private_key=key_for("tlog-impostor")),
        note.signature_line(body, name=LOG, private_key=hub()),
    ]
    request = witness.add_checkpoint_request(old_size=0, proof=[], note=note.format_note(body, lines))
    state, _ = witness.add_checkpoint(
        state=None,
        request=request,
        origin=LOG,
        log_name=LOG,
        log_public_key=hub().public_key,
        witness_name=NAME,
        witness_key=region(),
        now=NOW,
    )
    assert state.size == 5


@pytest.mark.parametrize(
    "request_body",
    [
        b"",
        b"old 0\n",
        b"old 0\n\n",
        b"old 00\n\nx",
        b"old -1\n\nx",
        b"new 0\n\nx",
        b"old 0\nnot base64!\n\nx",
        b"old 0\nAAAA\n\nx",
        b"old 0\n" + b"A" * 43 + b"=\n" * 64 + b"\nx",
        b"old 0\n\n\xff\xfe",
        b"old 0\n\nysj.yrd/evidence\n1\n",
        b"old \xff\n\nx",
        b"x" * (witness.MAX_REQUEST_BYTES + 1),
    ],
)
def test_malformed_requests_are_400(request_body):
    with pytest.raises(WitnessRefusal) as refused:
        witness.add_checkpoint(
            state=None,
            request=request_body,
            origin=LOG,
            log_name=LOG,
            log_public_key=hub().public_key,
            witness_name=NAME,
            witness_key=region(),
            now=NOW,
        )
    assert refused.value.http_status == 400
    assert refused.value.body()[1].startswith("text/plain")
