"""Signed certificate files: generated once per certificate and format, kept on disk, streamed out.

The file shows the surface data and a QR reference, embeds the certificate data, and is signed
with the region's SM2 key (``ysj_protocol.certfile``): a PDF signature (CMS SignedData over the
ByteRange) or the OFD signature structure of GB/T 33190.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from ysj_protocol.certfile import CertificateData, SignerInfo, render_ofd, render_pdf, sign_ofd, sign_pdf
from ysj_protocol.crypto.sm3 import sm3_hex

from ..keys import node_private_key
from .models import Certificate, FileFormat


def certificate_data(certificate: Certificate) -> CertificateData:
    holder = certificate.holder
    return CertificateData(
        region_code=settings.NODE_REGION,
        certificate_type=certificate.type_name,
        certificate_type_code=certificate.type_code,
        certificate_number=certificate.number,
        holder_name=holder.name,
        holder_code=holder.code,
        holder_code_type=holder.code_type,
        issue_dept=certificate.issue_dept,
        issue_date=certificate.issue_date,
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        internal_id=certificate.ref,
        surface={str(k): str(v) for k, v in (certificate.surface or {}).items()},
    )


def render_signed(certificate: Certificate, file_format: str) -> bytes:
    data = certificate_data(certificate)
    signer = SignerInfo(settings.NODE_REGION)
    if file_format == FileFormat.PDF:
        return sign_pdf(render_pdf(data), node_private_key(), signer)
    return sign_ofd(render_ofd(data), node_private_key(), signer)


def file_root() -> Path:
    return Path(settings.NODE_FILE_ROOT)


def relative_path(certificate: Certificate, file_format: str) -> str:
    return f"{certificate.ref[:2]}/{certificate.ref}.{file_format.lower()}"


def write_file(relative: str, content: bytes) -> tuple[int, str]:
    """Write atomically (temporary file, then rename); size and SM3 of what was written."""
    path = file_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # A certificate file shows its holder's identity: readable by the node's owner only.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(tmp, path)
    return len(content), sm3_hex(content)


def open_file(relative: str) -> BinaryIO:
    """The stored file, opened for streaming (never read whole into memory here)."""
    return (file_root() / relative).open("rb")
