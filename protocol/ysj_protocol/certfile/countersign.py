"""An application system's countersignature over a certificate file it obtained (11.4).

The issuing region's signature must stay verifiable after the application has watermarked and
signed the file, so nothing the region signed is rewritten:

* PDF: every change is an incremental update (ISO 32000-1, 7.5.6) appended after the region's
  revision. The countersignature is a second signature field whose /ByteRange covers the whole
  file, the region's revision and every update after it included.
* OFD: the countersignature is a second `Signature` in `Signatures.xml` whose References cover
  every file of the package but the three signature files of its own, the region's signature
  files included. A file the watermark had to change (`Document.xml`) keeps its bytes as the
  region signed them under `<doc>/Originals/<path>` (`ORIGINALS_DIR`), which the verifier uses
  to check the region's References against the original revision; so does `Signatures.xml`.

`original_revision` takes the file the region issued back out of a countersigned one, for any
verifier that knows only one signature per file.

The signer certificate's subject is O = "电子证照应用系统", CN = appId: the verifier reads the appId
from it and compares the key with that application's registered key.
"""

from __future__ import annotations

import io
import posixpath
from datetime import UTC

from lxml import etree
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

from ysj_protocol.crypto import sm2, sm3

from . import ofd as ofd_format
from .cms import SM2_SM3_OID, SM3_OID, build_signed_data
from .errors import CertFileError
from .pdf import _BYTE_RANGE_PLACEHOLDER, CONTENTS_RESERVED, _fill_signature, _pdf_date
from .pdf_signature import _signature_fields
from .signer import ApplicationSignerInfo

#: Folder (under the document's folder) keeping the region-signed bytes of files changed since.
ORIGINALS_DIR = "Originals"
#: At most this many signatures in one file: the region's and one application's.
MAX_SIGNATURES = 2


def application_field_name(app_id: str) -> str:
    return f"ApplicationSignature_{app_id}"


# ---------------------------------------------------------------- PDF


def countersign_pdf(pdf_bytes: bytes, private_key: sm2.PrivateKey, signer: ApplicationSignerInfo) -> bytes:
    """Append an incremental update holding the application's signature over the whole file."""
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
    except Exception as exc:  # pypdf raises many types for broken input
        raise CertFileError(f"not a readable PDF: {exc}") from exc
    if reader.is_encrypted:
        raise CertFileError("encrypted PDFs cannot be signed")
    if len(_signature_fields(reader)) >= MAX_SIGNATURES:
        raise CertFileError("the PDF already carries an application signature")

    writer = PdfWriter(io.BytesIO(pdf_bytes), incremental=True)
    sig_ref = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Sig"),
                NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
                NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
                NameObject("/ByteRange"): ArrayObject(
                    [NumberObject(0)] + [NumberObject(_BYTE_RANGE_PLACEHOLDER)] * 3
                ),
                NameObject("/Contents"): ByteStringObject(b"\x00" * CONTENTS_RESERVED),
                NameObject("/M"): TextStringObject(_pdf_date(signer)),
                NameObject("/Name"): TextStringObject(signer.app_id),
                NameObject("/Reason"): TextStringObject(signer.reason),
                NameObject("/Prop_Build"): DictionaryObject(
                    {NameObject("/App"): DictionaryObject({NameObject("/Name"): NameObject("/YSJ_Usage")})}
                ),
            }
        )
    )
    page = writer.pages[0]
    widget_ref = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/FT"): NameObject("/Sig"),
                NameObject("/T"): TextStringObject(application_field_name(signer.app_id)),
                NameObject("/V"): sig_ref,
                NameObject("/F"): NumberObject(132),  # print + locked
                NameObject("/Rect"): ArrayObject([FloatObject(0)] * 4),
                NameObject("/P"): page.indirect_reference,
            }
        )
    )
    annots = page.get("/Annots")
    if annots is None:
        page[NameObject("/Annots")] = ArrayObject([widget_ref])
    else:
        annots.get_object().append(widget_ref)
    acroform = writer.root_object.get("/AcroForm")
    if acroform is None:
        writer.root_object[NameObject("/AcroForm")] = writer._add_object(
            DictionaryObject(
                {NameObject("/Fields"): ArrayObject([widget_ref]), NameObject("/SigFlags"): NumberObject(3)}
            )
        )
    else:
        form = acroform.get_object()
        fields = form.get("/Fields")
        if fields is None:
            form[NameObject("/Fields")] = ArrayObject([widget_ref])
        else:
            fields.get_object().append(widget_ref)
        form[NameObject("/SigFlags")] = NumberObject(3)
    out = io.BytesIO()
    writer.write(out)
    buf = bytearray(out.getvalue())
    if not buf.startswith(pdf_bytes):
        raise CertFileError("the update would rewrite the signed revision")
    return _fill_signature(buf, private_key, signer, search_from=len(pdf_bytes))


# ---------------------------------------------------------------- OFD


def original_path(doc_dir: str, path: str) -> str:
    """Where the region-signed bytes of `path` are kept once an update has changed it."""
    return posixpath.join(doc_dir, ORIGINALS_DIR, path)


def keep_original(files: dict[str, bytes], doc_dir: str, path: str) -> None:
    """Before `path` is changed, keep its current bytes as the original (the earliest kept wins)."""
    kept = original_path(doc_dir, path)
    if kept not in files and path in files:
        files[kept] = files[path]


def countersign_ofd(ofd_bytes: bytes, private_key: sm2.PrivateKey, signer: ApplicationSignerInfo) -> bytes:
    """Add the application's `Signature` (Type "Sign") beside the region's in Signatures.xml."""
    q = ofd_format.q
    package = ofd_format.Package(ofd_format.read_package(ofd_bytes))
    files = dict(package.files)
    signs_dir = posixpath.join(package.doc_dir, "Signs")
    if package.signatures_loc is None:
        signatures_path = f"{signs_dir}/Signatures.xml"
        files["OFD.xml"] = ofd_format._add_signatures_entry(package, signatures_path)
        signatures = etree.Element(q("Signatures"), nsmap=ofd_format.NSMAP)
        etree.SubElement(signatures, q("MaxSignId")).text = "0"
    else:
        signatures_path = package.signatures_loc
        signatures = ofd_format.parse_xml(package.read(signatures_path), "Signatures")
        # The list as the region left it, so that its file can be taken out whole (`original_revision`).
        keep_original(files, package.doc_dir, signatures_path)
    entries = signatures.findall(q("Signature"))
    if len(entries) >= MAX_SIGNATURES:
        raise CertFileError("the OFD already carries an application signature")
    ids = [int(e.get("ID", "0")) for e in entries if (e.get("ID") or "").isdigit()]
    sign_id = max([*ids, int(signatures.findtext(q("MaxSignId")) or 0)]) + 1
    index = 0
    while any(name.startswith(f"{signs_dir}/Sign_{index}/") for name in files):
        index += 1
    signature_path = f"{signs_dir}/Sign_{index}/Signature.xml"
    value_path = f"{signs_dir}/Sign_{index}/SignedValue.dat"

    signature = etree.Element(q("Signature"), nsmap=ofd_format.NSMAP)
    signed_info = etree.SubElement(signature, q("SignedInfo"))
    etree.SubElement(
        signed_info, q("Provider"), ProviderName=signer.provider, Version="1.0", Company=signer.organization
    )
    etree.SubElement(signed_info, q("SignatureMethod")).text = SM2_SM3_OID
    etree.SubElement(signed_info, q("SignatureDateTime")).text = signer.signing_time.astimezone(UTC).strftime(
        "%Y%m%d%H%M%SZ"
    )
    references = etree.SubElement(signed_info, q("References"), CheckMethod=SM3_OID)
    for name, content in files.items():
        if name == signatures_path:
            continue
        reference = etree.SubElement(references, q("Reference"), FileRef=f"/{name}")
        etree.SubElement(reference, q("CheckValue")).text = ofd_format.check_value(content)
    etree.SubElement(signature, q("SignedValue")).text = f"/{value_path}"
    signature_xml = ofd_format._xml(signature)

    max_id = signatures.find(q("MaxSignId"))
    if max_id is None:
        max_id = etree.Element(q("MaxSignId"))
        signatures.insert(0, max_id)
    max_id.text = str(sign_id)
    etree.SubElement(
        signatures,
        q("Signature"),
        ID=str(sign_id),
        Type=ofd_format.SIGNATURE_TYPE,
        BaseLoc=f"/{signature_path}",
    )

    files[signatures_path] = ofd_format._xml(signatures)
    files[signature_path] = signature_xml
    files[value_path] = build_signed_data(sm3.sm3_digest(signature_xml), private_key, signer)
    return ofd_format.write_package(files.items())


# ---------------------------------------------------------------- the region's file, taken back out


def original_revision(content: bytes, file_format: str) -> bytes:
    """The file as the issuing region signed it, from a watermarked and countersigned one.

    PDF: the prefix ending where the region's signature ends. OFD: the files its References name,
    with their region-signed bytes from `Originals/`, its own signature files and the signature
    list as it left it. The result is not verified here: verify it like any issued file.
    CertFileError if the file holds no such revision.
    """
    fmt = file_format.strip().upper() if isinstance(file_format, str) else ""
    if fmt == "PDF":
        return _original_pdf(content)
    if fmt == "OFD":
        return _original_ofd(content)
    raise CertFileError(f"unsupported file format {file_format!r}")


def _original_pdf(content: bytes) -> bytes:
    from .pdf_signature import find_signatures

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        signatures = find_signatures(reader, content)
    except CertFileError:
        raise
    except Exception as exc:  # pypdf raises many types for broken input
        raise CertFileError(f"not a readable PDF: {exc}") from exc
    ends = []
    for signature in signatures:
        values = signature.entries.get("/ByteRange")
        if isinstance(values, list) and len(values) == 4 and all(type(v) is int for v in values):
            ends.append(values[2] + values[3])
    if not ends or min(ends) > len(content):
        raise CertFileError("no signed revision in the PDF")
    return content[: min(ends)]


def _original_ofd(content: bytes) -> bytes:
    q = ofd_format.q
    package = ofd_format.Package(ofd_format.read_package(content))
    if package.signatures_loc is None or package.signatures_loc not in package.files:
        raise CertFileError("the OFD is not signed")
    files = package.files
    doc_dir = package.doc_dir

    def as_signed(path: str) -> bytes:
        return files.get(original_path(doc_dir, path), files.get(path, b""))

    signatures = ofd_format.parse_xml(as_signed(package.signatures_loc), "Signatures")
    entries = signatures.findall(q("Signature"))
    if not entries:
        raise CertFileError("the OFD is not signed")
    signature_path = ofd_format.resolve(posixpath.dirname(package.signatures_loc), entries[0].get("BaseLoc"))
    signature_xml = ofd_format.parse_xml(package.read(signature_path), "Signature")
    value_path = ofd_format.resolve(
        posixpath.dirname(signature_path), signature_xml.findtext(q("SignedValue"))
    )
    if len(entries) > 1:  # a list written before the original was kept: keep the region's entry only
        for extra in entries[1:]:
            signatures.remove(extra)
        signatures_bytes = ofd_format._xml(signatures)
    else:
        signatures_bytes = as_signed(package.signatures_loc)
    out: dict[str, bytes] = {}
    for reference in signature_xml.iterfind(f"{q('SignedInfo')}/{q('References')}/{q('Reference')}"):
        path = ofd_format.resolve("", reference.get("FileRef"))
        out[path] = (
            package.read(original_path(doc_dir, path))
            if original_path(doc_dir, path) in files
            else package.read(path)
        )
    out[package.signatures_loc] = signatures_bytes
    out[signature_path] = package.read(signature_path)
    out[value_path] = package.read(value_path)
    ordered = {"OFD.xml": out.pop("OFD.xml")} if "OFD.xml" in out else {}
    ordered.update(out)
    return ofd_format.write_package(ordered.items())
