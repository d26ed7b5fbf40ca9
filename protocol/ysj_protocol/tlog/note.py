"""Checkpoints as C2SP signed notes, signed by the hub and cosigned by the regions, with SM2.

The formats are C2SP's ``signed-note``, ``tlog-checkpoint`` and ``tlog-cosignature`` (the
Ed25519 ``cosignature/v1`` type), with three substitutions, each listed in ``docs/evidence.md``:

* key IDs hash with SM3 instead of SHA-256: ``SM3(name || 0x0A || type || public key)[:4]``;
* the signature algorithm is SM2 (GB/T 32918.2) with the default user ID ``1234567812345678``
  over the exact signed bytes, written as the raw 64-byte ``r || s``;
* SM2 has no type byte assigned by signed-note, so the types are ``0xFF`` followed by an ASCII
  identifier (as the spec recommends for unassigned types), the public key being the 65-byte
  uncompressed point ``04 || x || y``: :data:`NOTE_SIGNATURE_TYPE` for the log's own signature
  and :data:`COSIGNATURE_TYPE` for a witness's timestamped cosignature.

Everything parsed here is untrusted text from the network: every malformed input raises
:class:`NoteError` (a ``ValueError``) with an English reason, never another exception.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..crypto import sm2
from ..crypto.sm3 import sm3_digest
from . import hashing

DEFAULT_ORIGIN = "ysj.yrd/evidence"

#: signed-note type for an SM2 signature over the note text (0xFF: no byte assigned).
NOTE_SIGNATURE_TYPE = b"\xff" + b"ysj.yrd/sm2-sm3"
#: signed-note type for a timestamped SM2 witness cosignature (tlog-cosignature's v1 message).
COSIGNATURE_TYPE = b"\xff" + b"ysj.yrd/sm2-sm3/cosignature/v1"

EM_DASH = "\u2014"
KEY_ID_SIZE = 4
SIGNATURE_SIZE = 64
TIMESTAMP_SIZE = 8
MAX_TIMESTAMP = 2**63 - 1
#: signed-note asks verifiers to accept at least 16 signatures; more is refused, as is a note
#: longer than this many bytes (a checkpoint with a few dozen SM2 signatures is under 8 KiB).
MAX_SIGNATURES = 32
MAX_NOTE_BYTES = 16 * 1024
COSIGNATURE_HEADER = b"cosignature/v1\n"

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_REGION_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,7}")


class NoteError(ValueError):
    """A note, checkpoint or signature line that is not well formed."""


def _check_text_line(text: str, what: str) -> None:
    if not text:
        raise NoteError(f"{what} is empty")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise NoteError(f"{what} contains a control character")


def check_name(name: object, what: str = "key name") -> str:
    """A key name or origin: non-empty, no Unicode space, no ``+``, no control character."""
    if not isinstance(name, str):
        raise NoteError(f"{what} must be text")
    _check_text_line(name, what)
    if any(ch.isspace() for ch in name) or "+" in name:
        raise NoteError(f"{what} contains a space or a plus sign")
    return name


def b64decode_strict(text: str | bytes, what: str) -> bytes:
    """Standard base64 (RFC 4648 section 4) with padding, nothing else accepted."""
    try:
        raw = text.encode("ascii") if isinstance(text, str) else bytes(text)
        if not raw or len(raw) % 4:
            raise ValueError
        decoded = base64.b64decode(raw, validate=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise NoteError(f"{what} is not valid base64") from None
    if base64.b64encode(decoded) != raw:  # non-canonical trailing bits
        raise NoteError(f"{what} is not canonical base64")
    return decoded


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def parse_decimal(text: str, what: str) -> int:
    """An ASCII decimal without leading zeroes below 2**63."""
    if not _DECIMAL.fullmatch(text):
        raise NoteError(f"{what} is not a decimal number without leading zeroes")
    value = int(text)
    if value > MAX_TIMESTAMP:
        raise NoteError(f"{what} is too large")
    return value


@dataclass(frozen=True)
class Checkpoint:
    """The body of a checkpoint note: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_name(self.origin, "origin")
        if (
            not isinstance(self.size, int)
            or isinstance(self.size, bool)
            or not 0 <= self.size <= MAX_TIMESTAMP
        ):
            raise NoteError("tree size must be an integer in [0, 2**63)")
        if not isinstance(self.root, bytes) or len(self.root) != hashing.HASH_SIZE:
            raise NoteError(f"root hash must be {hashing.HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple):
            raise NoteError("extension lines must be a tuple")
        for line in self.extensions:
            if not isinstance(line, str):
                raise NoteError("extension line must be text")
            _check_text_line(line, "extension line")

    def body(self) -> bytes:
        """The note text exactly as tlog-checkpoint writes it, final newline included."""
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines).encode("utf-8")

    @classmethod
    def parse(cls, body: bytes) -> Checkpoint:
        """Strictly read a checkpoint body (the note text, without signatures)."""
        text = _decode_text(body, "checkpoint")
        if not text.endswith("\n"):
            raise NoteError("checkpoint does not end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("checkpoint has fewer than three lines")
        origin, size_text, root_text, *extensions = lines
        check_name(origin, "origin")
        size = parse_decimal(size_text, "tree size")
        root = b64decode_strict(root_text, "root hash")
        if len(root) != hashing.HASH_SIZE:
            raise NoteError(f"root hash is {len(root)} bytes, not {hashing.HASH_SIZE}")
        for line in extensions:
            if not line:
                raise NoteError("checkpoint has an empty extension line")
        return cls(origin=origin, size=size, root=root, extensions=tuple(extensions))


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the 4-byte key ID and what follows it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{EM_DASH} {self.name} {_b64(self.key_id + self.signature)}\n"


def _public_key(key: object) -> sm2.PublicKey:
    if isinstance(key, sm2.PublicKey):
        return key
    if isinstance(key, sm2.PrivateKey):
        return key.public_key
    if isinstance(key, str):
        return sm2.PublicKey.from_hex(key)
    raise TypeError("an SM2 public key is required")


def key_id(name: str, public_key: sm2.PublicKey, *, cosignature: bool = False) -> bytes:
    """The 4-byte key ID: ``SM3(name || 0x0A || type || 04||x||y)[:4]``."""
    check_name(name)
    kind = COSIGNATURE_TYPE if cosignature else NOTE_SIGNATURE_TYPE
    return sm3_digest(name.encode("utf-8") + b"\n" + kind + _public_key(public_key).to_bytes(True))[
        :KEY_ID_SIZE
    ]


class Signer(Protocol):
    """A private key held elsewhere (an HSM, a cipher machine): what the signing functions accept
    besides an ``sm2.PrivateKey``. ``sign`` returns the raw 64-byte ``r || s`` over ``message``
    with the default user ID."""

    @property
    def public_key(self) -> sm2.PublicKey: ...

    def sign(self, message: bytes) -> bytes: ...


def _sign(private_key: sm2.PrivateKey | Signer, message: bytes) -> bytes:
    if isinstance(private_key, sm2.PrivateKey):
        return sm2.sign(private_key, message)
    signature = private_key.sign(message)
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
        raise NoteError("the signer must return a raw 64-byte r || s")
    return signature


def signature_line(body: bytes, *, name: str, private_key: sm2.PrivateKey | Signer) -> str:
    """The note signature line of ``private_key`` over ``body`` (the note text)."""
    _decode_text(body, "note text")
    signature = _sign(private_key, bytes(body))
    return NoteSignature(name=name, key_id=key_id(name, private_key.public_key), signature=signature).line()


def cosignature_message(body: bytes, timestamp: int) -> bytes:
    """What a witness signs: ``cosignature/v1``, ``time <t>``, then the checkpoint body."""
    return COSIGNATURE_HEADER + b"time %d\n" % timestamp + bytes(body)


def cosignature_line(
    checkpoint: Checkpoint, *, name: str, private_key: sm2.PrivateKey | Signer, timestamp: int
) -> str:
    """A witness's timestamped cosignature line (payload ``keyid || u64 BE time || r||s``)."""
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError("timestamp must be an integer in [0, 2**63)")
    signature = _sign(private_key, cosignature_message(checkpoint.body(), timestamp))
    return NoteSignature(
        name=name,
        key_id=key_id(name, private_key.public_key, cosignature=True),
        signature=timestamp.to_bytes(TIMESTAMP_SIZE, "big") + signature,
    ).line()


def format_note(body: bytes, lines: Sequence[str]) -> str:
    """The whole note: text, the blank line, the signature lines (each already newline-ended)."""
    text = _decode_text(body, "note text")
    if not text.endswith("\n"):
        raise NoteError("note text does not end with a newline")
    if not lines:
        raise NoteError("a note needs at least one signature")
    for line in lines:
        _parse_signature_line(line.removesuffix("\n"))
        if not line.endswith("\n"):
            raise NoteError("signature line does not end with a newline")
    return text + "\n" + "".join(lines)


def _decode_text(data: bytes | str, what: str) -> str:
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise NoteError(f"{what} is not valid UTF-8") from None
    elif not isinstance(data, bytes | bytearray | memoryview):
        raise NoteError(f"{what} must be bytes or text")
    if len(data) > MAX_NOTE_BYTES:
        raise NoteError(f"{what} is longer than {MAX_NOTE_BYTES} bytes")
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError(f"{what} is not valid UTF-8") from None
    if any((ord(ch) < 0x20 and ch != "\n") or ord(ch) == 0x7F for ch in text):
        raise NoteError(f"{what} contains a control character")
    return text


def _parse_signature_line(line: str) -> NoteSignature:
    prefix = EM_DASH + " "
    if not line.startswith(prefix):
        raise NoteError("signature line does not start with an em dash and a space")
    parts = line[len(prefix) :].split(" ")
    if len(parts) != 2:
        raise NoteError("signature line is not a name and a signature separated by one space")
    name, encoded = parts
    check_name(name)
    payload = b64decode_strict(encoded, "signature")
    if len(payload) <= KEY_ID_SIZE:
        raise NoteError("signature is too short")
    return NoteSignature(name=name, key_id=payload[:KEY_ID_SIZE], signature=payload[KEY_ID_SIZE:])


def parse_signature_lines(text: bytes | str) -> list[NoteSignature]:
    """Signature lines alone (a witness's answer), each ending with a newline."""
    text = _decode_text(text, "signature lines")
    if not text.endswith("\n"):
        raise NoteError("signature lines do not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return [_parse_signature_line(line) for line in lines]


def open_note(text: bytes | str) -> tuple[bytes, list[NoteSignature]]:
    """Split a signed note into its text (bytes, final newline included) and its signatures.

    Nothing is verified here; :func:`verify_signature` and :func:`verify_cosignature` do that.
    """
    text = _decode_text(text, "note")
    if not text.endswith("\n"):
        raise NoteError("note does not end with a newline")
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    body, signatures = text[: split + 1], text[split + 2 :]
    if not signatures:
        raise NoteError("note has no signature")
    return body.encode("utf-8"), parse_signature_lines(signatures)


def verify_signature(body: bytes, signature: NoteSignature, *, name: str, public_key) -> bool:
    """True iff ``signature`` is ``name``'s SM2 note signature over ``body`` under ``public_key``."""
    public_key = _public_key(public_key)
    if signature.name != name or signature.key_id != key_id(name, public_key):
        return False
    if len(signature.signature) != SIGNATURE_SIZE:
        return False
    return sm2.verify(public_key, bytes(body), signature.signature)


def verify_cosignature(body: bytes, signature: NoteSignature, *, name: str, public_key) -> int | None:
    """The timestamp of ``name``'s valid cosignature over the checkpoint ``body``, else None."""
    public_key = _public_key(public_key)
    if signature.name != name or signature.key_id != key_id(name, public_key, cosignature=True):
        return None
    if len(signature.signature) != TIMESTAMP_SIZE + SIGNATURE_SIZE:
        return None
    timestamp = int.from_bytes(signature.signature[:TIMESTAMP_SIZE], "big")
    if timestamp > MAX_TIMESTAMP:
        return None
    if not sm2.verify(public_key, cosignature_message(body, timestamp), signature.signature[TIMESTAMP_SIZE:]):
        return None
    return timestamp


def is_known(signature: NoteSignature, *, name: str, public_key, cosignature: bool = False) -> bool:
    """Whether a signature line claims to be by this key (name and key ID both match)."""
    return signature.name == name and signature.key_id == key_id(
        name, _public_key(public_key), cosignature=cosignature
    )


def witness_name(region_code: str) -> str:
    """The cosigner name of a region's witness: ``sh.witness.ysj.yrd`` for ``SH``."""
    if not isinstance(region_code, str) or not _REGION_CODE.fullmatch(region_code):
        raise NoteError("region code must be letters and digits, starting with a letter")
    return f"{region_code.lower()}.witness.ysj.yrd"
