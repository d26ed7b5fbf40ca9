"""Reading a PDF signature back from the file bytes, for the verifier.

The signed signature fields are found through pypdf; the signature dictionary itself is scanned
at its xref offset rather than parsed, so that a large file's /Contents string is located without
a PDF-object parse of its hex. The /ByteRange must then cover every byte but that string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from ysj_protocol.crypto import sm3

from .cms import SignatureFormatError, der_prefix_length
from .errors import CertFileError

_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _signature_fields(reader: PdfReader) -> list[DictionaryObject]:
    """Signature fields (/FT /Sig) that carry a value, walking /Kids once each (cycles are ignored)."""
    acroform = reader.trailer["/Root"].get("/AcroForm")
    acroform = acroform.get_object() if acroform is not None else None
    if not isinstance(acroform, DictionaryObject):
        return []
    found: list[DictionaryObject] = []
    seen: set[int] = set()
    pending = list(acroform.get("/Fields") or [])
    while pending:
        ref = pending.pop()
        field = ref.get_object() if isinstance(ref, IndirectObject) else ref
        if not isinstance(field, DictionaryObject) or id(field) in seen or len(seen) > 10_000:
            continue
        seen.add(id(field))
        if field.get("/FT") == "/Sig" and "/V" in field:
            found.append(field)
        kids = field.get("/Kids")
        if isinstance(kids, ArrayObject):
            pending.extend(kids)
    return found


def is_signed(reader: PdfReader) -> bool:
    return bool(_signature_fields(reader))


@dataclass(frozen=True)
class RawSignature:
    """A signature dictionary read straight from the file bytes.

    The /Contents hex string is located, not parsed, so verifying a large file does not pay for
    a PDF-object parse of several kilobytes of hex (pypdf reads those a byte at a time).
    """

    entries: dict[str, object]
    contents_span: tuple[int, int] | None  # offsets of "<" and one past ">"

    @property
    def filter(self) -> object:
        return self.entries.get("/Filter")

    @property
    def sub_filter(self) -> object:
        return self.entries.get("/SubFilter")


def find_signatures(reader: PdfReader, content: bytes) -> list[RawSignature]:
    """The value dictionaries of all signed signature fields, scanned from `content`.

    A signature dictionary must be an indirect object stored directly in the file (never in an
    object stream): its /ByteRange and /Contents are patched in place, so anything else cannot be
    a working signature. CertFileError otherwise.
    """
    out = []
    for field in _signature_fields(reader):
        ref = field.raw_get("/V")
        if not isinstance(ref, IndirectObject):
            raise CertFileError("signature value is not an indirect object")
        offset = reader.xref.get(ref.generation, {}).get(ref.idnum)
        if not isinstance(offset, int) or not 0 <= offset < len(content):
            raise CertFileError("signature dictionary is not stored directly in the file")
        out.append(scan_signature_object(content, offset, ref.idnum, ref.generation))
    return out


_OBJ_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_REFERENCE_TAIL = re.compile(rb"\s+(\d+)\s+R\b")
_REGULAR_END = re.compile(rb"[\x00\t\n\f\r ()<>\[\]{}/%]")
_WHITESPACE = b"\x00\t\n\f\r "
_MAX_DEPTH = 16


@dataclass(frozen=True)
class _Hex:
    start: int
    end: int


class _Reference:
    pass


class _Scanner:
    """Just enough of a PDF object reader for one signature dictionary (ISO 32000-1, 7.3)."""

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def fail(self, what: str) -> CertFileError:
        return CertFileError(f"signature dictionary: {what} at offset {self.pos}")

    def skip(self) -> None:
        data = self.data
        while self.pos < len(data):
            byte = data[self.pos]
            if byte in _WHITESPACE:
                self.pos += 1
            elif byte == 0x25:  # % comment to end of line
                while self.pos < len(data) and data[self.pos] not in b"\r\n":
                    self.pos += 1
            else:
                return

    def token_end(self) -> int:
        match = _REGULAR_END.search(self.data, self.pos)
        return match.start() if match else len(self.data)

    def value(self, depth: int = 0) -> object:
        if depth > _MAX_DEPTH:
            raise self.fail("nesting too deep")
        self.skip()
        data, pos = self.data, self.pos
        if pos >= len(data):
            raise self.fail("unexpected end of file")
        if data.startswith(b"<<", pos):
            return self.dictionary(depth)
        byte = data[pos]
        if byte == 0x3C:  # <hex>
            end = data.find(b">", pos)
            if end < 0:
                raise self.fail("unterminated hex string")
            self.pos = end + 1
            return _Hex(pos, end + 1)
        if byte == 0x28:  # (literal)
            return self.literal()
        if byte == 0x5B:  # [array]
            self.pos += 1
            items = []
            while True:
                self.skip()
                if data.startswith(b"]", self.pos):
                    self.pos += 1
                    return items
                items.append(self.value(depth + 1))
        if byte == 0x2F:  # /Name
            self.pos += 1
            end = self.token_end()
            name = "/" + data[self.pos : end].decode("latin-1")
            self.pos = end
            return name
        number = _NUMBER.match(data, pos)
        if number:
            self.pos = number.end()
            reference = _REFERENCE_TAIL.match(data, self.pos)
            if reference and b"." not in number.group():
                self.pos = reference.end()
                return _Reference()
            text = number.group()
            return float(text) if b"." in text else int(text)
        end = self.token_end()
        word = data[pos:end]
        if word in (b"true", b"false", b"null"):
            self.pos = end
            return {b"true": True, b"false": False, b"null": None}[word]
        raise self.fail("unexpected token")

    def literal(self) -> None:
        data = self.data
        depth = 0
        pos = self.pos
        while pos < len(data):
            byte = data[pos]
            if byte == 0x5C:  # backslash escapes the next byte
                pos += 2
                continue
            if byte == 0x28:
                depth += 1
            elif byte == 0x29:
                depth -= 1
                if depth == 0:
                    self.pos = pos + 1
                    return None
            pos += 1
        raise self.fail("unterminated literal string")

    def dictionary(self, depth: int) -> dict[str, object]:
        self.pos += 2
        entries: dict[str, object] = {}
        while True:
            self.skip()
            if self.data.startswith(b">>", self.pos):
                self.pos += 2
                return entries
            key = self.value(depth + 1)
            if not isinstance(key, str) or not key.startswith("/"):
                raise self.fail("dictionary key is not a name")
            if key in entries:
                raise self.fail(f"duplicate key {key}")
            entries[key] = self.value(depth + 1)


def scan_signature_object(content: bytes, offset: int, idnum: int, generation: int) -> RawSignature:
    header = _OBJ_HEADER.match(content, offset)
    if not header or (int(header.group(1)), int(header.group(2))) != (idnum, generation):
        raise CertFileError("signature object not found at its xref offset")
    scanner = _Scanner(content, header.end())
    scanner.skip()
    if not content.startswith(b"<<", scanner.pos):
        raise CertFileError("signature object is not a dictionary")
    entries = scanner.dictionary(0)
    contents = entries.get("/Contents")
    span = (contents.start, contents.end) if isinstance(contents, _Hex) else None
    return RawSignature(entries=entries, contents_span=span)


@dataclass(frozen=True)
class SignedRange:
    """Where the signature sits in the file: the two signed ranges and the hex gap between them."""

    gap_start: int
    gap_end: int

    def signature_der(self, content: bytes) -> bytes:
        """The DER CMS from /Contents; the zero padding after it must really be zeros."""
        raw = bytes.fromhex(content[self.gap_start + 1 : self.gap_end - 1].decode("ascii"))
        try:
            length = der_prefix_length(raw)
        except SignatureFormatError as exc:
            raise CertFileError(str(exc)) from exc
        if raw[length:].strip(b"\x00"):
            raise CertFileError("non-zero bytes after the signature in /Contents")
        return raw[:length]


def check_byte_range(sig: RawSignature, content: bytes) -> SignedRange:
    """/ByteRange must cover the whole file except exactly this dictionary's /Contents string."""
    if sig.contents_span is None:
        raise CertFileError("/Contents is not a hex string")
    values = sig.entries.get("/ByteRange")
    if (
        not isinstance(values, list)
        or len(values) != 4
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values)
    ):
        raise CertFileError("ByteRange missing or malformed")
    first, length1, second, length2 = values
    if first != 0 or second + length2 != len(content):
        raise CertFileError("ByteRange does not cover the whole file")
    if (length1, second) != sig.contents_span:
        raise CertFileError("the ByteRange gap is not the /Contents string")
    hex_part = content[length1 + 1 : second - 1]
    if not hex_part or len(hex_part) % 2 or hex_part.translate(None, _HEX_DIGITS):
        raise CertFileError("/Contents holds more than hex digits")
    # One case throughout, so that no byte of the file can change without failing verification.
    if hex_part != hex_part.upper() and hex_part != hex_part.lower():
        raise CertFileError("mixed-case hex in /Contents")
    return SignedRange(gap_start=length1, gap_end=second)


def digest_signed_ranges(content: bytes, signed: SignedRange) -> bytes:
    """SM3 streamed over the two signed ranges without copying the file."""
    view = memoryview(content)
    try:
        digest = sm3.SM3Hash()
        digest.update(view[: signed.gap_start])
        digest.update(view[signed.gap_end :])
        return digest.digest()
    finally:
        view.release()
