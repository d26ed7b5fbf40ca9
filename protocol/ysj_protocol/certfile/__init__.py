"""Electronic certificate files (电子证照文件, spec 3.2, 11.2, 12.1.6-12.1.10).

Generate PDF and OFD files showing a certificate's surface and a QR reference with the
certificate data embedded, sign them as the issuing region with SM2/SM3, and verify them.

    data = CertificateData(...)
    signed = sign_pdf(render_pdf(data), region_private_key, SignerInfo("SH"))
    result = verify_file(signed, "PDF", registry.public_key_for_region)

Regional nodes use the generation and signing side; the hub's file-verification endpoint
(12.1.10) uses `verify_file`. Nothing here depends on Django.
"""

from .errors import CertFileError
from .model import REGIONS, CertificateData, Region, new_internal_id
from .ofd import render_ofd, sign_ofd
from .pdf import render_pdf, sign_pdf
from .qr import QrReference, parse_qr_reference, qr_reference
from .signer import SignerInfo
from .verify import REASONS, VerificationCode, VerificationResult, verify_file

__all__ = [
    "REASONS",
    "REGIONS",
    "CertFileError",
    "CertificateData",
    "QrReference",
    "Region",
    "SignerInfo",
    "VerificationCode",
    "VerificationResult",
    "new_internal_id",
    "parse_qr_reference",
    "qr_reference",
    "render_ofd",
    "render_pdf",
    "sign_ofd",
    "sign_pdf",
    "verify_file",
]
