"""Electronic certificate files (电子证照文件, spec 3.2, 11.2, 12.1.6-12.1.10).

Generate PDF and OFD files showing a certificate's surface and a QR reference with the
certificate data embedded, sign them as the issuing region with SM2/SM3, and verify them.

    data = CertificateData(...)
    signed = sign_pdf(render_pdf(data), region_private_key, SignerInfo("SH"))
    result = verify_file(signed, "PDF", registry.public_key_for_region)

Regional nodes use the generation and signing side; the hub's file-verification endpoint
(12.1.10) uses `verify_file`. An application system that obtained a file countersigns it (11.4,
`countersign_pdf` / `countersign_ofd`, as `ApplicationSignerInfo`) without breaking the region's
signature; `verify_file` then checks both and names the application. Nothing here depends on Django.
"""

from .countersign import countersign_ofd, countersign_pdf, original_revision
from .errors import CertFileError
from .model import REGIONS, CertificateData, Region, new_internal_id
from .ofd import render_ofd, sign_ofd
from .pdf import render_pdf, sign_pdf
from .qr import QrReference, parse_qr_reference, qr_reference
from .signer import ApplicationSignerInfo, SignerInfo
from .verify import (
    REASONS,
    ApplicationSignature,
    VerificationCode,
    VerificationResult,
    verify_application_signature,
    verify_file,
)

__all__ = [
    "REASONS",
    "REGIONS",
    "ApplicationSignature",
    "ApplicationSignerInfo",
    "CertFileError",
    "CertificateData",
    "QrReference",
    "Region",
    "SignerInfo",
    "VerificationCode",
    "VerificationResult",
    "countersign_ofd",
    "countersign_pdf",
    "new_internal_id",
    "original_revision",
    "parse_qr_reference",
    "qr_reference",
    "render_ofd",
    "render_pdf",
    "sign_ofd",
    "sign_pdf",
    "verify_application_signature",
    "verify_file",
]
