"""The witness protocol (C2SP tlog-witness ``add-checkpoint``) and a witness's decision.

The request and answer formats are tlog-witness's, unchanged; the checkpoint inside is the
SM2-signed note of :mod:`.note` and the consistency proof is RFC 9162's over SM3. The decision,
:func:`add_checkpoint`, keeps no state of its own: the caller passes the state it stored (what
the witness last cosigned for this log) and stores the state it gets back, atomically with the
check (the regional node does both under a row lock). A refusal is a :class:`WitnessRefusal`
carrying the HTTP status tlog-witness gives for it.

Beyond tlog-witness, a refusal says whether the request is *evidence* of a misbehaving log:
two checkpoints of one size with different roots, both validly signed by the log, cannot both
be honest. A stale or badly formed request (the endpoint is public, so anyone may replay an old
checkpoint or send a wrong proof) is never evidence, so it can never make a witness stop.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import hashing, note, proofs

WITNESS_PATH = "/witness/add-checkpoint"
#: Media type of the 409 answer's body (the witness's size), per tlog-witness.
SIZE_CONTENT_TYPE = "text/x.tlog.size"
#: tlog-witness allows at most 63 proof lines.
MAX_PROOF_LINES = 63
#: Largest request accepted: the old-size line, 63 proof lines and a note of the largest size.
MAX_REQUEST_BYTES = 32 + MAX_PROOF_LINES * 45 + note.MAX_NOTE_BYTES

# Kinds of refusal (``WitnessRefusal.kind``).
MALFORMED = "malformed"  # 400
UNKNOWN_LOG = "unknown_log"  # 404
BAD_SIGNATURE = "bad_signature"  # 403
STALE = "stale"  # 409, old size is not the witness's size; the body says the size
FORK = "fork"  # 409, evidence: another root for a size the witness cosigned
BAD_PROOF = "bad_proof"  # 422


class WitnessRefusal(Exception):
    """A refused add-checkpoint: the HTTP status, a reason, and the witness's size for a 409."""

    def __init__(
        self,
        http_status: int,
        reason: str,
        *,
        kind: str,
        current_size: int | None = None,
        evidence: bool = False,
        checkpoint: note.Checkpoint | None = None,
    ) -> None:
        super().__init__(reason)
        self.http_status = http_status
        self.reason = reason
        self.kind = kind
        self.current_size = current_size
        self.evidence = evidence
        #: The checkpoint, when its log signature verified (worth keeping with the refusal).
        self.checkpoint = checkpoint

    def body(self) -> tuple[bytes, str]:
        """The answer's body and media type: the size for a 409 that has one, else the reason."""
        if self.http_status == 409 and self.current_size is not None:
            return b"%d\n" % self.current_size, SIZE_CONTENT_TYPE
        return (self.reason + "\n").encode("utf-8"), "text/plain; charset=utf-8"


@dataclass
class WitnessState:
    """What a witness last cosigned for one log."""

    size: int
    root: bytes


@dataclass
class WitnessResult:
    """A cosigned checkpoint: the new state, the cosignature line and what it was made from."""

    state: WitnessState
    cosignature: str
    checkpoint: note.Checkpoint
    note_text: bytes
    old_size: int
    proof: list[bytes] = field(default_factory=list)


def _malformed(reason: str) -> WitnessRefusal:
    return WitnessRefusal(400, reason, kind=MALFORMED)


def add_checkpoint_request(*, old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """The add-checkpoint request body: ``old N``, one base64 proof hash a line, a blank line, the note."""
    if not isinstance(old_size, int) or isinstance(old_size, bool) or old_size < 0:
        raise ValueError("old size must be a non-negative integer")
    if len(proof) > MAX_PROOF_LINES:
        raise ValueError(f"at most {MAX_PROOF_LINES} proof lines")
    lines = [f"old {old_size}\n"] + [base64.b64encode(bytes(h)).decode("ascii") + "\n" for h in proof]
    text = note if isinstance(note, str) else bytes(note).decode("utf-8")
    return ("".join(lines) + "\n" + text).encode("utf-8")


def parse_add_checkpoint_request(body: bytes) -> tuple[int, list[bytes], bytes]:
    """The old size, the proof hashes and the note of a request; a 400 refusal if malformed."""
    if not isinstance(body, bytes | bytearray | memoryview):
        raise _malformed("request body must be bytes")
    body = bytes(body)
    if len(body) > MAX_REQUEST_BYTES:
        raise _malformed(f"request is longer than {MAX_REQUEST_BYTES} bytes")
    end = body.find(b"\n\n")
    if end < 0:
        raise _malformed("request has no blank line before the checkpoint")
    head, note_text = body[: end + 1], body[end + 2 :]
    lines = head[:-1].split(b"\n")
    first, proof_lines = lines[0], lines[1:]
    if not first.startswith(b"old "):
        raise _malformed("request does not start with an old size line")
    try:
        old_size = note.parse_decimal(first[4:].decode("ascii"), "old size")
    except (UnicodeDecodeError, note.NoteError):
        raise _malformed("old size is not a decimal number without leading zeroes") from None
    if len(proof_lines) > MAX_PROOF_LINES:
        raise _malformed(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in proof_lines:
        try:
            value = note.b64decode_strict(line, "proof line")
        except note.NoteError as exc:
            raise _malformed(str(exc)) from None
        if len(value) != hashing.HASH_SIZE:
            raise _malformed(f"proof line is not a {hashing.HASH_SIZE}-byte hash")
        proof.append(value)
    if not note_text:
        raise _malformed("request has no checkpoint")
    return old_size, proof, note_text


def open_checkpoint(
    note_text: bytes, *, origin: str, log_name: str, log_public_key
) -> tuple[note.Checkpoint, bytes, list[note.NoteSignature]]:
    """Parse a checkpoint note and check the log's signature: 400, 404 or 403 refusals.

    Signatures by other keys are ignored (they may be other witnesses' cosignatures); one by the
    log's key that does not verify refuses the whole note, as signed-note recommends.
    """
    try:
        body, signatures = note.open_note(note_text)
        checkpoint = note.Checkpoint.parse(body)
    except note.NoteError as exc:
        raise _malformed(str(exc)) from None
    if checkpoint.origin != origin:
        raise WitnessRefusal(404, f"unknown log origin {checkpoint.origin!r}", kind=UNKNOWN_LOG)
    known = [s for s in signatures if note.is_known(s, name=log_name, public_key=log_public_key)]
    if not known:
        raise WitnessRefusal(403, "the checkpoint carries no signature by the log's key", kind=BAD_SIGNATURE)
    for signature in known:
        if not note.verify_signature(body, signature, name=log_name, public_key=log_public_key):
            raise WitnessRefusal(
                403, "the log's signature on the checkpoint does not verify", kind=BAD_SIGNATURE
            )
    return checkpoint, body, signatures


@dataclass(frozen=True)
class Submission:
    """An add-checkpoint request read and its log signature verified: what ``decide`` needs."""

    old_size: int
    proof: list[bytes]
    note_text: bytes
    checkpoint: note.Checkpoint


def open_submission(request: bytes, *, origin: str, log_name: str, log_public_key) -> Submission:
    """Parse a request and check the log's signature (400, 404, 403), independently of any state.

    A store calls this before taking its lock: the signature check is the expensive part.
    """
    old_size, proof, note_text = parse_add_checkpoint_request(request)
    checkpoint, _, _ = open_checkpoint(
        note_text, origin=origin, log_name=log_name, log_public_key=log_public_key
    )
    return Submission(old_size=old_size, proof=proof, note_text=note_text, checkpoint=checkpoint)


def decide(
    submission: Submission,
    *,
    state: WitnessState | None,
    witness_name: str,
    witness_key,
    now: int,
    cosigned_root: Callable[[int], bytes | None] | None = None,
) -> WitnessResult:
    """Check a submission against the stored state; the new state and the cosignature, or a refusal.

    ``cosigned_root(size)``, when given, answers the root this witness cosigned at ``size`` (from
    its history): a validly signed checkpoint contradicting it is a fork even when smaller than
    the current size (a rollback to another history).
    """
    checkpoint, old_size, proof = submission.checkpoint, submission.old_size, submission.proof
    current = state.size if state is not None else 0

    seen = state.root if state is not None and state.size == checkpoint.size else None
    if seen is None and cosigned_root is not None:
        seen = cosigned_root(checkpoint.size)
    if seen is not None and seen != checkpoint.root:
        raise WitnessRefusal(
            409,
            f"fork: the log signed another root for size {checkpoint.size}, which this witness cosigned",
            kind=FORK,
            current_size=current,
            evidence=True,
            checkpoint=checkpoint,
        )
    if old_size > checkpoint.size:
        raise WitnessRefusal(
            400, "old size is larger than the checkpoint's size", kind=MALFORMED, checkpoint=checkpoint
        )
    if old_size != current:
        raise WitnessRefusal(
            409,
            f"old size {old_size} is not this witness's size {current}",
            kind=STALE,
            current_size=current,
            checkpoint=checkpoint,
        )
    try:
        if old_size == 0:
            if proof:
                raise proofs.ProofError("the proof from the empty tree must be empty")
            if checkpoint.size == 0 and checkpoint.root != hashing.EMPTY_ROOT:
                raise proofs.ProofError("the empty tree has another root")
        else:
            proofs.verify_consistency(
                size1=old_size, size2=checkpoint.size, root1=state.root, root2=checkpoint.root, path=proof
            )
    except proofs.ProofError as exc:
        raise WitnessRefusal(
            422, f"consistency proof does not verify: {exc}", kind=BAD_PROOF, checkpoint=checkpoint
        ) from None
    line = note.cosignature_line(checkpoint, name=witness_name, private_key=witness_key, timestamp=now)
    return WitnessResult(
        state=WitnessState(size=checkpoint.size, root=checkpoint.root),
        cosignature=line,
        checkpoint=checkpoint,
        note_text=submission.note_text,
        old_size=old_size,
        proof=proof,
    )


def witness(
    *,
    state: WitnessState | None,
    request: bytes,
    origin: str,
    log_name: str,
    log_public_key,
    witness_name: str,
    witness_key,
    now: int,
    cosigned_root: Callable[[int], bytes | None] | None = None,
) -> WitnessResult:
    """The whole add-checkpoint decision (``open_submission`` then ``decide``)."""
    submission = open_submission(request, origin=origin, log_name=log_name, log_public_key=log_public_key)
    return decide(
        submission,
        state=state,
        witness_name=witness_name,
        witness_key=witness_key,
        now=now,
        cosigned_root=cosigned_root,
    )


def add_checkpoint(
    *,
    state: WitnessState | None,
    request: bytes,
    origin: str,
    log_name: str,
    log_public_key,
    witness_name: str,
    witness_key,
    now: int,
    cosigned_root: Callable[[int], bytes | None] | None = None,
) -> tuple[WitnessState, str]:
    """Check an add-checkpoint request against ``state``: the new state and the cosignature line.

    Raises :class:`WitnessRefusal`. The caller must store the new state atomically with having
    read ``state`` (tlog-witness's rollback race).
    """
    result = witness(
        state=state,
        request=request,
        origin=origin,
        log_name=log_name,
        log_public_key=log_public_key,
        witness_name=witness_name,
        witness_key=witness_key,
        now=now,
        cosigned_root=cosigned_root,
    )
    return result.state, result.cosignature
