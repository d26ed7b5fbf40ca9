"""Verification of signed certificate files (the core of the 12.1.10 file-verification service).

`verify_file` never raises for bad input: garbage, truncated or tampered files give a
`VerificationResult` with ok=False and a Chinese reason. Checks, in order: the structure parses, a
signature exists, integrity (every signed byte / every package file), the SM2 signature under the
key embedded in the signature, and that this key is the registered key of the issuing region named
inside the signed content. The certificate's current status (revoked, expired) is the caller's
business: it gets the region code and number to ask the region.

A file an application system has watermarked and countersigned (11.4, `countersign`) carries two
signatures: the region's over the revision it issued (PDF: a prefix of the file ending a revision;
OFD: its References, checked against the region-signed bytes kept under `Originals/`), and the
application's over the whole file. Both must verify; the certificate data is read from the
region's revision, and the application is named by the appId of its signer certificate, whose key
must be the one `key_for_application(app_id)` returns.
"""

from __future__ import annotations

import io
import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from lxml import etree
from pypdf import PdfReader

from ysj_protocol.crypto import sm2, sm3

from . import ofd as ofd_format
from . import pdf as pdf_format
from . import pdf_signature
from .cms import (
    SM2_SM3_OID,
    SM3_OID,
    ParsedSignature,
    SignatureFormatError,
    der_prefix_length,
    parse_signed_data,
)
from .countersign import MAX_SIGNATURES, original_path
from .errors import CertFileError
from .model import CertificateData
from .signer import APPLICATION_ORGANIZATION

logger = logging.getLogger(__name__)

KeyLookup = Callable[[str], "sm2.PublicKey | None"]
#: appId -> the application system's registered SM2 public key, or None when it has none.
ApplicationKeyLookup = Callable[[str], "sm2.PublicKey | None"]


class VerificationCode(StrEnum):
    """Machine-readable outcome; `REASONS` holds the Chinese text shown to people."""

    OK = "ok"
    EMPTY = "empty"
    UNSUPPORTED_FORMAT = "unsupported_format"
    MALFORMED = "malformed"
    NO_SIGNATURE = "no_signature"
    MULTIPLE_SIGNATURES = "multiple_signatures"
    BAD_SIGNATURE_FORMAT = "bad_signature_format"
    INTEGRITY = "integrity"
    SIGNATURE_INVALID = "signature_invalid"
    NO_CERTIFICATE_DATA = "no_certificate_data"
    REGION_KEY_UNKNOWN = "region_key_unknown"
    KEY_MISMATCH = "key_mismatch"
    NOT_APPLICATION_SIGNER = "not_application_signer"
    APPLICATION_KEY_UNKNOWN = "application_key_unknown"
    APPLICATION_KEY_MISMATCH = "application_key_mismatch"
    INTERNAL = "internal"


REASONS: dict[VerificationCode, str] = {
    VerificationCode.OK: "核验通过",
    VerificationCode.EMPTY: "文件内容为空",
    VerificationCode.UNSUPPORTED_FORMAT: "不支持的文件格式",
    VerificationCode.MALFORMED: "文件结构无法解析",
    VerificationCode.NO_SIGNATURE: "未找到签名",
    VerificationCode.MULTIPLE_SIGNATURES: "文件包含多个签名，无法确定颁证签名",
    VerificationCode.BAD_SIGNATURE_FORMAT: "签名数据格式错误",
    VerificationCode.INTEGRITY: "文件完整性校验失败",
    VerificationCode.SIGNATURE_INVALID: "签名验证失败",
    VerificationCode.NO_CERTIFICATE_DATA: "未找到证照数据",
    VerificationCode.REGION_KEY_UNKNOWN: "颁证地区未登记签名公钥",
    VerificationCode.KEY_MISMATCH: "签名密钥与颁证地区登记的公钥不一致",
    VerificationCode.NOT_APPLICATION_SIGNER: "颁证签名之后的签名不是应用系统签名",
    VerificationCode.APPLICATION_KEY_UNKNOWN: "签名的应用系统未登记签名公钥",
    VerificationCode.APPLICATION_KEY_MISMATCH: "签名密钥与应用系统登记的公钥不一致",
    VerificationCode.INTERNAL: "文件核验过程出错",
}

SUPPORTED_FORMATS = ("PDF", "OFD")


@dataclass(frozen=True)
class ApplicationSignature:
    """The application system's countersignature of a file it obtained (11.4), once verified."""

    app_id: str
    signed_at: datetime | None
    signer_fingerprint: str


@dataclass(frozen=True)
class VerificationResult:
    """Outcome of `verify_file`.

    The certificate fields are filled only when ok is True, so nothing unverified leaks out.
    `detail` says more about a failure (for logs; may be English from a parser).
    """

    ok: bool
    reason: str
    code: VerificationCode
    region_code: str | None = None
    certificate_number: str | None = None
    internal_id: str | None = None
    signed_at: datetime | None = None
    signer_fingerprint: str | None = None
    detail: str = ""
    #: The application's countersignature, when the file carries one (filled only when ok).
    application: ApplicationSignature | None = None

    @classmethod
    def failure(cls, code: VerificationCode, detail: str = "") -> VerificationResult:
        return cls(ok=False, reason=REASONS[code], code=code, detail=detail)


class _Fail(Exception):
    def __init__(self, code: VerificationCode, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


@dataclass
class _Signed:
    """A located signature plus what is needed to finish: the digest of the signed content and a
    loader for the certificate data (read only after integrity and signature hold)."""

    signature: ParsedSignature
    content_digest: bytes
    load_data: Callable[[], CertificateData]


def verify_file(
    content: bytes,
    file_format: str,
    key_for_region: KeyLookup,
    key_for_application: ApplicationKeyLookup | None = None,
) -> VerificationResult:
    """Verify a signed certificate file (PDF or OFD) as described in the module docstring.

    `key_for_region(region_code)` returns the region's registered SM2 public key, or None when the
    region has none; `key_for_application(app_id)` the same for an application system that
    countersigned (without it a countersigned file fails). Exceptions they raise propagate (a
    registry outage is not a bad file).
    """
    try:
        located = _verify_signatures(content, file_format)
    except _Fail as failure:
        return VerificationResult.failure(failure.code, failure.detail)
    except Exception as exc:  # last resort: hostile input must not escape as an exception
        logger.exception("certificate file verification failed unexpectedly")
        return VerificationResult.failure(VerificationCode.INTERNAL, f"{type(exc).__name__}: {exc}")
    signature, data = located.region, located.data

    registered = key_for_region(data.region_code)
    if registered is None:
        return VerificationResult.failure(VerificationCode.REGION_KEY_UNKNOWN, data.region_code)
    signer_key = signature.public_key
    if registered.to_bytes() != signer_key.to_bytes():
        return VerificationResult.failure(
            VerificationCode.KEY_MISMATCH, f"region {data.region_code}, signer {signer_key.fingerprint()}"
        )
    application = None
    if located.application is not None:
        countersignature = located.application
        app_id = countersignature.subject_common_name
        app_key = key_for_application(app_id) if key_for_application is not None else None
        if app_key is None:
            return VerificationResult.failure(VerificationCode.APPLICATION_KEY_UNKNOWN, app_id)
        if app_key.to_bytes() != countersignature.public_key.to_bytes():
            return VerificationResult.failure(
                VerificationCode.APPLICATION_KEY_MISMATCH,
                f"application {app_id}, signer {countersignature.public_key.fingerprint()}",
            )
        application = ApplicationSignature(
            app_id=app_id,
            signed_at=countersignature.signing_time,
            signer_fingerprint=countersignature.public_key.fingerprint(),
        )
    return VerificationResult(
        ok=True,
        reason=REASONS[VerificationCode.OK],
        code=VerificationCode.OK,
        region_code=data.region_code,
        certificate_number=data.certificate_number,
        internal_id=data.internal_id,
        signed_at=signature.signing_time,
        signer_fingerprint=signer_key.fingerprint(),
        application=application,
    )


def verify_application_signature(
    content: bytes, file_format: str, public_key: sm2.PublicKey
) -> ApplicationSignature | VerificationResult:
    """Only the application's countersignature, under `public_key` (the application's own check
    of what it stored). Returns the signature, or a failed `VerificationResult` saying why."""
    try:
        located = _verify_signatures(content, file_format)
    except _Fail as failure:
        return VerificationResult.failure(failure.code, failure.detail)
    except Exception as exc:
        logger.exception("countersignature verification failed unexpectedly")
        return VerificationResult.failure(VerificationCode.INTERNAL, f"{type(exc).__name__}: {exc}")
    countersignature = located.application
    if countersignature is None:
        return VerificationResult.failure(VerificationCode.NO_SIGNATURE, "no application signature")
    if countersignature.public_key.to_bytes() != public_key.to_bytes():
        return VerificationResult.failure(
            VerificationCode.APPLICATION_KEY_MISMATCH, countersignature.public_key.fingerprint()
        )
    return ApplicationSignature(
        app_id=countersignature.subject_common_name,
        signed_at=countersignature.signing_time,
        signer_fingerprint=countersignature.public_key.fingerprint(),
    )


@dataclass(frozen=True)
class _Located:
    """Signatures whose integrity and SM2 signature hold, and the region-signed certificate data."""

    region: ParsedSignature
    data: CertificateData
    application: ParsedSignature | None


def _verify_signatures(content: bytes, file_format: str) -> _Located:
    """Everything up to the key checks: structure, signatures, integrity, SM2 signatures."""
    if not isinstance(content, bytes | bytearray | memoryview):
        raise _Fail(VerificationCode.MALFORMED, "content is not bytes")
    content = bytes(content)
    if not content:
        raise _Fail(VerificationCode.EMPTY)
    fmt = file_format.strip().upper() if isinstance(file_format, str) else ""
    if fmt not in SUPPORTED_FORMATS:
        raise _Fail(VerificationCode.UNSUPPORTED_FORMAT, f"fileFormat {file_format!r}")
    region, application = _inspect_pdf(content) if fmt == "PDF" else _inspect_ofd(content)
    _check(region)
    if application is not None:
        _check(application)
        if application.signature.subject_organization != APPLICATION_ORGANIZATION:
            raise _Fail(VerificationCode.NOT_APPLICATION_SIGNER, application.signature.subject_organization)
    try:
        data = region.load_data()
    except CertFileError as exc:
        raise _Fail(VerificationCode.NO_CERTIFICATE_DATA, str(exc)) from exc
    return _Located(region.signature, data, application.signature if application is not None else None)


def _check(signed: _Signed) -> None:
    if signed.content_digest != signed.signature.message_digest:
        raise _Fail(VerificationCode.INTEGRITY, "SM3 digest of the signed content differs from messageDigest")
    if not signed.signature.verify():
        raise _Fail(VerificationCode.SIGNATURE_INVALID)


def _parse_signature(der: bytes) -> ParsedSignature:
    try:
        return parse_signed_data(der)
    except SignatureFormatError as exc:
        raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, str(exc)) from exc


# ---------------------------------------------------------------- PDF


def _inspect_pdf(content: bytes) -> tuple[_Signed, _Signed | None]:
    """The region's signature and, in a countersigned file, the application's."""
    if b"%PDF-" not in content[:1024]:
        raise _Fail(VerificationCode.MALFORMED, "no PDF header")
    reader, sigs = _pdf_signatures(content)
    if len(sigs) > MAX_SIGNATURES:
        raise _Fail(VerificationCode.MULTIPLE_SIGNATURES)
    if len(sigs) == 1:
        return _pdf_signed(reader, content, sigs[0]), None
    # Countersigned: one signature covers the whole file, the region's a revision before it.
    last = [sig for sig in sigs if _byte_range_end(sig) == len(content)]
    earlier = [sig for sig in sigs if sig not in last]
    if len(last) != 1 or len(earlier) != 1:
        raise _Fail(VerificationCode.INTEGRITY, "no signature covers the whole file, or two do")
    revision_end = _byte_range_end(earlier[0])
    revision = content[:revision_end]
    if revision_end is None or not revision.rstrip(b"\r\n").endswith(b"%%EOF"):
        raise _Fail(VerificationCode.INTEGRITY, "the region's signature does not end at a revision")
    # The region's revision is read on its own, so nothing appended later can stand in for it.
    revision_reader, revision_sigs = _pdf_signatures(revision)
    if len(revision_sigs) != 1:
        raise _Fail(VerificationCode.INTEGRITY, "the region's revision does not hold exactly its signature")
    return _pdf_signed(revision_reader, revision, revision_sigs[0]), _pdf_signed(reader, content, last[0])


def _pdf_signatures(content: bytes) -> tuple[PdfReader, list[pdf_signature.RawSignature]]:
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        fields_found = pdf_signature.is_signed(reader)
    except Exception as exc:  # pypdf raises a wide range of types on broken files
        raise _Fail(VerificationCode.MALFORMED, f"{type(exc).__name__}: {exc}") from exc
    if not fields_found:
        raise _Fail(VerificationCode.NO_SIGNATURE)
    try:
        return reader, pdf_signature.find_signatures(reader, content)
    except CertFileError as exc:
        raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, str(exc)) from exc
    except Exception as exc:
        raise _Fail(VerificationCode.MALFORMED, f"{type(exc).__name__}: {exc}") from exc


def _byte_range_end(sig: pdf_signature.RawSignature) -> int | None:
    values = sig.entries.get("/ByteRange")
    if isinstance(values, list) and len(values) == 4 and all(type(v) is int for v in values):
        return values[2] + values[3]
    return None


def _pdf_signed(reader: PdfReader, content: bytes, sig: pdf_signature.RawSignature) -> _Signed:
    """One signature of `content`, whose ByteRange must cover all of `content` but its /Contents."""
    if sig.filter != "/Adobe.PPKLite" or sig.sub_filter != "/adbe.pkcs7.detached":
        raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, "not an adbe.pkcs7.detached signature")
    try:
        signed_range = pdf_signature.check_byte_range(sig, content)
    except CertFileError as exc:
        raise _Fail(VerificationCode.INTEGRITY, str(exc)) from exc
    try:
        der = signed_range.signature_der(content)
    except CertFileError as exc:
        raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, str(exc)) from exc
    signature = _parse_signature(der)

    def load_data() -> CertificateData:
        try:
            return pdf_format.read_embedded_data(reader)
        except CertFileError:
            raise
        except Exception as exc:
            raise CertFileError(f"{type(exc).__name__}: {exc}") from exc

    return _Signed(signature, pdf_signature.digest_signed_ranges(content, signed_range), load_data)


# ---------------------------------------------------------------- OFD


def _inspect_ofd(content: bytes) -> tuple[_Signed, _Signed | None]:
    if not content.startswith(b"PK"):
        raise _Fail(VerificationCode.MALFORMED, "not a zip package")
    try:
        package = ofd_format.Package(ofd_format.read_package(content))
    except CertFileError as exc:
        raise _Fail(VerificationCode.MALFORMED, str(exc)) from exc
    if package.signatures_loc is None:
        raise _Fail(VerificationCode.NO_SIGNATURE)
    entries = _ofd_signature_entries(package)
    try:
        located = [_ofd_signature_files(package, entry) for entry in entries]
    except CertFileError as exc:
        raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, str(exc)) from exc
    if len({signature_path for signature_path, _, _ in located}) != len(located):
        raise _Fail(VerificationCode.MULTIPLE_SIGNATURES, "one signature listed twice")
    signed = []
    for signature_path, value_path, _ in located:
        value = package.files[value_path]
        # SignedValue.dat is the DER and nothing else (a PDF's /Contents has padding, a file does not).
        try:
            exact = der_prefix_length(value) == len(value)
        except SignatureFormatError as exc:
            raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, str(exc)) from exc
        if not exact:
            raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, "bytes after the signature in SignedValue")
        signed.append((_parse_signature(value), signature_path, value_path))
    if len(located) == 1:
        signature_path, value_path, signature_xml = located[0]
        _check_ofd_references(
            package.files, signature_xml, {package.signatures_loc, signature_path, value_path}
        )
        return _Signed(
            signed[0][0], sm3.sm3_digest(package.files[signature_path]), package.certificate_data
        ), None

    # Countersigned: the application's References cover every file but its own signature files;
    # the region's are checked against the files as it signed them (Originals/ where changed since).
    (region_path, region_value, region_xml), (app_path, app_value, app_xml) = located
    _check_ofd_references(package.files, app_xml, {package.signatures_loc, app_path, app_value})
    original = {
        name: package.files.get(original_path(package.doc_dir, name), data)
        for name, data in package.files.items()
    }
    covered = _check_ofd_references(
        original, region_xml, {package.signatures_loc, region_path, region_value}, require_all=False
    )
    if "OFD.xml" not in covered:
        raise _Fail(VerificationCode.INTEGRITY, "the region's signature does not cover OFD.xml")
    try:
        original_package = ofd_format.Package(original)
    except CertFileError as exc:
        raise _Fail(VerificationCode.MALFORMED, str(exc)) from exc
    region = _Signed(
        signed[0][0], sm3.sm3_digest(package.files[region_path]), original_package.certificate_data
    )
    application = _Signed(signed[1][0], sm3.sm3_digest(package.files[app_path]), package.certificate_data)
    return region, application


def _ofd_signature_entries(package: ofd_format.Package) -> list[etree._Element]:
    q = ofd_format.q
    assert package.signatures_loc is not None
    if package.signatures_loc not in package.files:
        raise _Fail(VerificationCode.NO_SIGNATURE, "Signatures.xml missing")
    try:
        signatures = ofd_format.parse_xml(package.files[package.signatures_loc], "Signatures")
    except CertFileError as exc:
        raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, str(exc)) from exc
    entries = signatures.findall(q("Signature"))
    if not entries:
        raise _Fail(VerificationCode.NO_SIGNATURE)
    if len(entries) > MAX_SIGNATURES:
        raise _Fail(VerificationCode.MULTIPLE_SIGNATURES)
    return entries


def _ofd_signature_files(
    package: ofd_format.Package, entry: etree._Element
) -> tuple[str, str, etree._Element]:
    """One signature entry: its Signature.xml path, SignedValue path and parsed XML."""
    q = ofd_format.q
    assert package.signatures_loc is not None
    if entry.get("Type") != ofd_format.SIGNATURE_TYPE:
        raise CertFileError(f"signature type {entry.get('Type')!r} is not Sign")
    base_dir = posixpath.dirname(package.signatures_loc)
    signature_path = ofd_format.resolve(base_dir, entry.get("BaseLoc"))
    if signature_path not in package.files:
        raise _Fail(VerificationCode.NO_SIGNATURE, "Signature.xml missing")
    signature_xml = ofd_format.parse_xml(package.files[signature_path], "Signature")
    signed_info = signature_xml.find(q("SignedInfo"))
    if signed_info is None:
        raise CertFileError("SignedInfo missing")
    if (signed_info.findtext(q("SignatureMethod")) or "").strip() != SM2_SM3_OID:
        raise CertFileError("SignatureMethod is not SM2 with SM3")
    value_path = ofd_format.resolve(
        posixpath.dirname(signature_path), signature_xml.findtext(q("SignedValue"))
    )
    if value_path not in package.files:
        raise _Fail(VerificationCode.NO_SIGNATURE, "SignedValue missing")
    return signature_path, value_path, signature_xml


def _check_ofd_references(
    files: dict[str, bytes],
    signature_xml: etree._Element,
    excluded: set[str | None],
    *,
    require_all: bool = True,
) -> set[str]:
    """Every referenced file matches its SM3 check value and, if `require_all`, every other file
    is referenced. Returns the referenced paths."""
    q = ofd_format.q
    references = signature_xml.find(f"{q('SignedInfo')}/{q('References')}")
    if references is None:
        raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, "References missing")
    if references.get("CheckMethod", "").strip() != SM3_OID:
        raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, "CheckMethod is not SM3")
    seen: set[str] = set()
    for reference in references.findall(q("Reference")):
        try:
            path = ofd_format.resolve("", reference.get("FileRef"))
        except CertFileError as exc:
            raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, str(exc)) from exc
        if path in seen or path in excluded:
            raise _Fail(VerificationCode.BAD_SIGNATURE_FORMAT, f"bad reference to {path}")
        seen.add(path)
        if path not in files:
            raise _Fail(VerificationCode.INTEGRITY, f"referenced file {path} missing")
        expected = (reference.findtext(q("CheckValue")) or "").strip()
        if ofd_format.check_value(files[path]) != expected:
            raise _Fail(VerificationCode.INTEGRITY, f"{path} changed")
    unreferenced = set(files) - seen - excluded
    if require_all and unreferenced:
        raise _Fail(VerificationCode.INTEGRITY, f"files not covered by the signature: {sorted(unreferenced)}")
    return seen
