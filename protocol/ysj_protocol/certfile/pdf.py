"""PDF certificate files: rendering and signing (adbe.pkcs7.detached with SM2/SM3).

Rendering uses reportlab's built-in STSong-Light CID font, so no font file is shipped. The
certificate data travels as an embedded file (`certificate.json`), which a signature over the whole
file protects like every other byte. Reading a signature back is in `pdf_signature`.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from ysj_protocol.crypto import sm2, sm3

from .cms import Signer, build_signed_data
from .errors import CertFileError
from .layout import FONT_NAME, PAGE_HEIGHT_MM, ensure_font, layout
from .model import CertificateData
from .pdf_signature import is_signed
from .qr import qr_matrix, qr_reference
from .signer import SignerInfo

ATTACHMENT_NAME = "certificate.json"
#: Bytes reserved for the DER CMS in /Contents (written as twice as many hex digits).
CONTENTS_RESERVED = 8192
_MM = 72.0 / 25.4
_BYTE_RANGE_PLACEHOLDER = 9_999_999_999
_BYTE_RANGE_RE = re.compile(rb"/ByteRange\s*\[\s*0\s+9999999999\s+9999999999\s+9999999999\s*\]")


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


def _pdf_date(signer: Signer) -> str:
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


def _fill_signature(
    buf: bytearray, private_key: sm2.PrivateKey, signer: Signer, *, search_from: int = 0
) -> bytes:
    """Patch /ByteRange and /Contents of the one placeholder at or after `search_from`.

    A countersignature passes the length of the revision it appends to, so nothing signed
    before is ever looked at or touched.
    """
    ranges = list(_BYTE_RANGE_RE.finditer(buf, search_from))
    placeholder = b"<" + b"0" * (2 * CONTENTS_RESERVED) + b">"
    start = buf.find(placeholder, search_from)
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
