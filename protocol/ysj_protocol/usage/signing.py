"""11.4: the application system signs the (watermarked) file it obtained with its SM2 key.

The signature is the same CMS SignedData (SM2/SM3) as the region's, added beside it
(`ysj_protocol.certfile.countersign`): a second PDF signature field in an incremental update, or a
second `Signature` in the OFD's Signatures.xml. The region's signature stays verifiable.
"""

from __future__ import annotations

from datetime import datetime

from ysj_protocol.certfile.countersign import countersign_ofd, countersign_pdf
from ysj_protocol.certfile.errors import CertFileError
from ysj_protocol.certfile.signer import ApplicationSignerInfo
from ysj_protocol.certfile.verify import (
    ApplicationSignature,
    VerificationResult,
    verify_application_signature,
)
from ysj_protocol.crypto import sm2

from .errors import UsageError
from .watermark import normalise_format


def sign(
    data: bytes,
    *,
    file_format: str,
    private_key: sm2.PrivateKey,
    app_id: str,
    signing_time: datetime | None = None,
) -> bytes:
    """`data` countersigned as the application system `app_id`."""
    fmt = normalise_format(file_format)
    try:
        signer = (
            ApplicationSignerInfo(app_id)
            if signing_time is None
            else ApplicationSignerInfo(app_id, signing_time=signing_time)
        )
        countersign = countersign_pdf if fmt == "pdf" else countersign_ofd
        return countersign(data, private_key, signer)
    except CertFileError as exc:
        raise UsageError(f"无法签名：{exc}") from exc


def check_signature(data: bytes, *, file_format: str, public_key: sm2.PublicKey) -> ApplicationSignature:
    """The application's signature over the whole file under `public_key`; UsageError if not."""
    checked = verify_application_signature(data, normalise_format(file_format).upper(), public_key)
    if isinstance(checked, VerificationResult):
        raise UsageError(f"应用系统签名核验失败：{checked.reason}")
    return checked
