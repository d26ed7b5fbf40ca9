"""The QR code printed on a certificate file: a compact reference, not the data itself.

The reference names the issuing region, the internal id and the face number, which is enough for
a counter clerk's scanner to look the certificate up at the hub; the authoritative data stays in
the signed file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import quote, unquote

import qrcode
import qrcode.constants
from qrcode.image.pil import PilImage

from .errors import CertFileError
from .model import REGIONS, CertificateData

PREFIX = "YSJ1"


@dataclass(frozen=True)
class QrReference:
    region_code: str
    internal_id: str
    certificate_number: str


def qr_reference(data: CertificateData) -> str:
    """`YSJ1|<region>|<internal id>|<face number, percent-encoded>`."""
    return "|".join((PREFIX, data.region_code, data.internal_id, quote(data.certificate_number, safe="")))


def parse_qr_reference(text: str) -> QrReference:
    """Inverse of `qr_reference`; raises CertFileError for anything else."""
    parts = text.split("|")
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] not in REGIONS or not parts[2] or not parts[3]:
        raise CertFileError("not a YSJ certificate reference")
    return QrReference(parts[1], parts[2], unquote(parts[3]))


#: Quiet zone in modules, included in both the matrix and the PNG so both formats print the same box.
BORDER = 4


def _build(text: str, box_size: int = 8) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER, box_size=box_size)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    return code


def qr_matrix(text: str) -> list[list[bool]]:
    """Module matrix (True = dark) including the quiet zone, for vector drawing (PDF)."""
    return [list(row) for row in _build(text).get_matrix()]


def qr_png(text: str, box_size: int = 8) -> bytes:
    """PNG of the same code, for formats that place a raster image (OFD)."""
    image = _build(text, box_size).make_image(image_factory=PilImage)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
