"""PDF certificate files: rendering, signing (adbe.pkcs7.detached with SM2/SM3) and the byte-level
pieces the verifier needs.

Rendering uses reportlab's built-in STSong-Light CID font, so no font file is shipped. The
certificate data travels as an embedded file (`certificate.json`), which a signature over the whole
file protects like every other byte.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from ysj_protocol.crypto import sm2, sm3

from .cms import SignatureFormatError, build_signed_data, der_prefix_length
from .errors import CertFileError
from .layout import FONT_NAME, PAGE_HEIGHT_MM, ensure_font, layout
from .model import CertificateData
from .qr import qr_matrix, qr_reference
from .signer import SignerInfo

ATTACHMENT_NAME = "certificate.json"
#: Bytes reserved for the DER CMS in /Contents (written as twice as many hex digits).
CONTENTS_RESERVED = 8192
_MM = 72.0 / 25.4
_BYTE_RANGE_PLACEHOLDER = 9_999_999_999
_BYTE_RANGE_RE = re.compile(rb"/ByteRange\s*\[\s*0\s+9999999999\s+9999999999\s+9999999999\s*\]")
_HEX_DIGITS = b"0123456789abcdefABCDEF"


def _draw_qr(pdf: canvas.Canvas, text: str, x_mm: float, top_mm: float, size_mm: float) -> None:
    # Vector modules (runs of dark cells as rectangles): crisp at any zoom and tiny in the file.
    matrix = qr_matrix(text)
    count = len(matrix)
    module = size_mm * _MM / count
    left = x_mm * _MM
    top = (PAGE_HEIGHT_MM - top_mm) * _MM
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        y = top - (row_index + 1) * module
        col = 0
        while col < count:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < count and row[col]:
                col += 1
            pdf.rect(left + start * module, y, (col - start) * module, module, stroke=0, fill=1)


def render_pdf(data: CertificateData) -> bytes:
    """One A4 page with the surface fields and the QR reference; the data embedded as JSON."""
    ensure_font()
    page = layout(data)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{data.certificate_type}（{data.certificate_number}）")
    pdf.setAuthor(data.issue_dept)
    pdf.setSubject("长三角电子证照文件")
    pdf.setCreator("YSJ Portal")
    for item in page.texts:
        pdf.setFont(FONT_NAME, item.size_pt)
        pdf.drawString(item.x * _MM, (PAGE_HEIGHT_MM - item.y) * _MM, item.text)
    _draw_qr(pdf, qr_reference(data), page.qr_x, page.qr_y, page.qr_size)
    pdf.showPage()
    pdf.save()

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    attachment = writer.add_attachment(ATTACHMENT_NAME, data.to_json())
    attachment.subtype = NameObject("/application#2Fjson")
    writer.add_metadata(
        {
            "/YSJRegionCode": data.region_code,
            "/YSJCertificateNumber": data.certificate_number,
            "/YSJCertificateId": data.internal_id,
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def read_embedded_data(reader: PdfReader) -> CertificateData:
    """The CertificateData embedded by `render_pdf`; CertFileError if missing or ambiguous."""
    found = reader.attachments.get(ATTACHMENT_NAME)
    if not found:
        raise CertFileError("no embedded certificate data")
    if len(found) != 1:
        raise CertFileError("more than one embedded certificate data file")
    return CertificateData.from_json(found[0])


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


def _pdf_date(signer: SignerInfo) -> str:
    t = signer.signing_time
    offset = t.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"D:{t:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def sign_pdf(pdf_bytes: bytes, private_key: sm2.PrivateKey, signer: SignerInfo) -> bytes:
    """Sign a rendered certificate PDF as the issuing region.

    Adds an invisible signature field whose /V is an Adobe.PPKLite / adbe.pkcs7.detached signature
    over the whole file except /Contents, which holds a DER CMS SignedData with SM2/SM3.
    """
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
    except Exception as exc:  # pypdf raises many types for broken input
        raise CertFileError(f"not a readable PDF: {exc}") from exc
    if reader.is_encrypted:
        raise CertFileError("encrypted PDFs cannot be signed")
    if is_signed(reader):
        raise CertFileError("the PDF is already signed")
    data = read_embedded_data(reader)
    if data.region_code != signer.region_code:
        raise CertFileError(
            f"certificate issued by {data.region_code} cannot be signed as {signer.region_code}"
        )

    writer = PdfWriter(clone_from=reader)
    sig_dict = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Sig"),
            NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
            NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
            NameObject("/ByteRange"): ArrayObject(
                [NumberObject(0)] + [NumberObject(_BYTE_RANGE_PLACEHOLDER)] * 3
            ),
            NameObject("/Contents"): ByteStringObject(b"\x00" * CONTENTS_RESERVED),
            NameObject("/M"): TextStringObject(_pdf_date(signer)),
            NameObject("/Name"): TextStringObject(signer.common_name),
            NameObject("/Reason"): TextStringObject(signer.reason),
            NameObject("/Location"): TextStringObject(signer.region.name),
            NameObject("/Prop_Build"): DictionaryObject(
                {NameObject("/App"): DictionaryObject({NameObject("/Name"): NameObject("/YSJ_Portal")})}
            ),
        }
    )
    sig_ref = writer._add_object(sig_dict)
    page = writer.pages[0]
    widget = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/T"): TextStringObject(f"IssuerSignature_{signer.region_code}"),
            NameObject("/V"): sig_ref,
            NameObject("/F"): NumberObject(132),  # print + locked
            NameObject("/Rect"): ArrayObject([FloatObject(0)] * 4),
            NameObject("/P"): page.indirect_reference,
        }
    )
    widget_ref = writer._add_object(widget)
    annots = page.get("/Annots")
    if annots is None:
        page[NameObject("/Annots")] = ArrayObject([widget_ref])
    else:
        annots.get_object().append(widget_ref)
    writer.root_object[NameObject("/AcroForm")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Fields"): ArrayObject([widget_ref]),
                NameObject("/SigFlags"): NumberObject(3),
            }
        )
    )
    out = io.BytesIO()
    writer.write(out)
    return _fill_signature(bytearray(out.getvalue()), private_key, signer)


def _fill_signature(buf: bytearray, private_key: sm2.PrivateKey, signer: SignerInfo) -> bytes:
    ranges = list(_BYTE_RANGE_RE.finditer(buf))
    placeholder = b"<" + b"0" * (2 * CONTENTS_RESERVED) + b">"
    start = buf.find(placeholder)
    if len(ranges) != 1 or start < 0 or buf.find(placeholder, start + 1) >= 0:
        raise CertFileError("cannot locate the signature placeholder in the written PDF")
    end = start + len(placeholder)
    byte_range = [0, start, end, len(buf) - end]
    match = ranges[0]
    text = b"/ByteRange [" + b" ".join(str(n).encode() for n in byte_range) + b"]"
    width = match.end() - match.start()
    if len(text) > width:
        raise CertFileError("ByteRange does not fit its placeholder")
    buf[match.start() : match.end()] = text[:-1] + b" " * (width - len(text)) + b"]"

    view = memoryview(buf)
    digest = sm3.SM3Hash()
    digest.update(view[:start])
    digest.update(view[end:])
    der = build_signed_data(digest.digest(), private_key, signer)
    if len(der) > CONTENTS_RESERVED:
        raise CertFileError("signature larger than the reserved /Contents space")
    view.release()
    buf[start + 1 : end - 1] = der.hex().upper().encode().ljust(2 * CONTENTS_RESERVED, b"0")
    return bytes(buf)


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
