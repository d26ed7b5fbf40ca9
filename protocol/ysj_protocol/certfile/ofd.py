"""OFD certificate files (GB/T 33190): package layout, rendering and signing.

Package written by `render_ofd`::

    OFD.xml                              DocBody: DocInfo (+CustomDatas), DocRoot[, Signatures]
    Doc_0/Document.xml                   CommonData, Pages, Attachments
    Doc_0/PublicRes.xml                  the font
    Doc_0/DocumentRes.xml                the QR image (MultiMedia)
    Doc_0/Res/qrcode.png
    Doc_0/Pages/Page_0/Content.xml       TextObjects + ImageObject
    Doc_0/Attachs/Attachments.xml
    Doc_0/Attachs/certificate.json       the CertificateData (authoritative copy)

`sign_ofd` adds the signature (Type "Sign") under Doc_0/Signs/ and points OFD.xml at it. Its
SignedValue.dat is the same detached CMS SignedData as the PDF's /Contents, with messageDigest =
SM3 of Signature.xml exactly as stored.
"""

from __future__ import annotations

import base64
import io
import posixpath
import uuid
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime

from lxml import etree

from ysj_protocol.crypto import sm2, sm3

from .cms import SM2_SM3_OID, SM3_OID, build_signed_data
from .errors import CertFileError
from .layout import OFD_FONT_NAME, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, TextItem, layout
from .model import CertificateData
from .qr import qr_png, qr_reference
from .signer import SignerInfo

OFD_NS = "http://www.ofdspec.org/2016"
NSMAP = {"ofd": OFD_NS}
ATTACHMENT_NAME = "certificate.json"
MAX_ENTRIES = 1000
MAX_UNCOMPRESSED = 64 * 1024 * 1024
SIGNATURE_TYPE = "Sign"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False, huge_tree=False
)


def q(tag: str) -> str:
    """Qualified OFD tag name."""
    return f"{{{OFD_NS}}}{tag}"


def _num(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _xml(root: etree._Element) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(
        root, encoding="UTF-8", xml_declaration=False
    )


def parse_xml(data: bytes, expected_root: str) -> etree._Element:
    """Parse a package XML file without entity expansion or network access."""
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise CertFileError(f"malformed XML: {exc}") from exc
    if root.tag != q(expected_root):
        raise CertFileError(f"expected ofd:{expected_root}, found {root.tag}")
    return root


def resolve(base_dir: str, loc: str | None) -> str:
    """Resolve an ST_Loc (absolute from the package root, or relative to `base_dir`) to a zip name."""
    if not loc or not loc.strip():
        raise CertFileError("empty location")
    loc = loc.strip().replace("\\", "/")
    path = loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)
    path = posixpath.normpath(path)
    if path in (".", "") or path == ".." or path.startswith("../"):
        raise CertFileError(f"location {loc!r} leaves the package")
    return path


# ---------------------------------------------------------------- package I/O


def read_package(content: bytes) -> dict[str, bytes]:
    """All files of an OFD zip, in stored order; rejects duplicates, escapes and oversized content."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise CertFileError(f"not a zip package: {exc}") from exc
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_ENTRIES:
            raise CertFileError("too many entries in the package")
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
            raise CertFileError("package content too large")
        files: dict[str, bytes] = {}
        for info in infos:
            name = resolve("", "/" + info.filename)
            if name in files:
                raise CertFileError(f"duplicate entry {name!r}")
            try:
                files[name] = archive.read(info)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
                raise CertFileError(f"cannot read entry {name!r}: {exc}") from exc
            except NotImplementedError as exc:
                raise CertFileError(f"unsupported compression in {name!r}") from exc
    if "OFD.xml" not in files:
        raise CertFileError("OFD.xml missing")
    return files


def write_package(files: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    stamp = datetime.now(UTC).timetuple()[:6]
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


class Package:
    """An OFD package opened for reading: the files and the entry points named in OFD.xml."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.ofd = parse_xml(files["OFD.xml"], "OFD")
        body = self.ofd.find(q("DocBody"))
        if body is None:
            raise CertFileError("OFD.xml has no DocBody")
        self.body = body
        self.doc_root = resolve("", body.findtext(q("DocRoot")))
        if self.doc_root not in files:
            raise CertFileError("DocRoot file missing")
        self.doc_dir = posixpath.dirname(self.doc_root)
        signatures = body.findtext(q("Signatures"))
        self.signatures_loc = resolve("", signatures) if signatures is not None else None

    def read(self, path: str) -> bytes:
        try:
            return self.files[path]
        except KeyError:
            raise CertFileError(f"{path} missing from the package") from None

    def certificate_data(self) -> CertificateData:
        """Follow Document.xml -> Attachments.xml -> certificate.json."""
        document = parse_xml(self.read(self.doc_root), "Document")
        attachments_loc = document.findtext(q("Attachments"))
        if attachments_loc is None:
            raise CertFileError("no attachments in the document")
        attachments_path = resolve(self.doc_dir, attachments_loc)
        attachments = parse_xml(self.read(attachments_path), "Attachments")
        found = [a for a in attachments.findall(q("Attachment")) if a.get("Name") == ATTACHMENT_NAME]
        if len(found) != 1:
            raise CertFileError("expected exactly one certificate data attachment")
        path = resolve(posixpath.dirname(attachments_path), found[0].findtext(q("FileLoc")))
        return CertificateData.from_json(self.read(path))


# ---------------------------------------------------------------- rendering


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, q(tag), dict(attrs))
    if text is not None:
        element.text = text
    return element


def _text_object(layer: etree._Element, object_id: int, font_id: int, item: TextItem) -> None:
    size = item.size_mm
    # Boundary box: top at one em above the baseline, a little extra below for descenders.
    text_object = _sub(
        layer,
        "TextObject",
        ID=str(object_id),
        Boundary=" ".join(_num(v) for v in (item.x, item.y - size, max(item.width_mm, 0.1), size * 1.3)),
        Font=str(font_id),
        Size=_num(size),
    )
    _sub(text_object, "FillColor", Value="0 0 0")
    attrs = {"X": "0", "Y": _num(size)}
    advances = item.advances_mm()[:-1]
    if advances:
        attrs["DeltaX"] = " ".join(_num(a) for a in advances)
    _sub(text_object, "TextCode", item.text, **attrs)


def render_ofd(data: CertificateData) -> bytes:
    """A single-page OFD package with the same surface, QR code and embedded JSON as the PDF."""
    page = layout(data)
    now = datetime.now(UTC)
    font_id, image_id, page_id, layer_id, attachment_id = 1, 2, 3, 4, 5
    next_id = 6

    ofd = etree.Element(q("OFD"), nsmap=NSMAP, Version="1.0", DocType="OFD")
    body = _sub(ofd, "DocBody")
    info = _sub(body, "DocInfo")
    _sub(info, "DocID", uuid.uuid5(uuid.NAMESPACE_URL, f"ysj:{data.region_code}:{data.internal_id}").hex)
    _sub(info, "Title", f"{data.certificate_type}（{data.certificate_number}）")
    _sub(info, "Author", data.issue_dept)
    _sub(info, "Subject", "长三角电子证照文件")
    _sub(info, "CreationDate", now.date().isoformat())
    _sub(info, "Creator", "YSJ Portal")
    _sub(info, "CreatorVersion", "1.0")
    customs = _sub(info, "CustomDatas")
    _sub(customs, "CustomData", data.region_code, Name="YSJRegionCode")
    _sub(customs, "CustomData", data.certificate_number, Name="YSJCertificateNumber")
    _sub(customs, "CustomData", data.internal_id, Name="YSJCertificateId")
    _sub(body, "DocRoot", "Doc_0/Document.xml")

    public_res = etree.Element(q("Res"), nsmap=NSMAP, BaseLoc="Res")
    fonts = _sub(public_res, "Fonts")
    _sub(fonts, "Font", ID=str(font_id), FontName=OFD_FONT_NAME, FamilyName=OFD_FONT_NAME)

    document_res = etree.Element(q("Res"), nsmap=NSMAP, BaseLoc="Res")
    medias = _sub(document_res, "MultiMedias")
    media = _sub(medias, "MultiMedia", ID=str(image_id), Type="Image", Format="PNG")
    _sub(media, "MediaFile", "qrcode.png")

    content_page = etree.Element(q("Page"), nsmap=NSMAP)
    area = _sub(content_page, "Area")
    _sub(area, "PhysicalBox", f"0 0 {_num(PAGE_WIDTH_MM)} {_num(PAGE_HEIGHT_MM)}")
    content = _sub(content_page, "Content")
    layer = _sub(content, "Layer", ID=str(layer_id), Type="Body")
    for item in page.texts:
        _text_object(layer, next_id, font_id, item)
        next_id += 1
    box = page.qr_size
    _sub(
        layer,
        "ImageObject",
        ID=str(next_id),
        Boundary=" ".join(_num(v) for v in (page.qr_x, page.qr_y, box, box)),
        CTM=f"{_num(box)} 0 0 {_num(box)} 0 0",
        ResourceID=str(image_id),
    )

    payload = data.to_json()
    attachments = etree.Element(q("Attachments"), nsmap=NSMAP)
    attachment = _sub(
        attachments,
        "Attachment",
        ID=str(attachment_id),
        Name=ATTACHMENT_NAME,
        Format="json",
        CreationDate=now.strftime("%Y-%m-%dT%H:%M:%S"),
        Size=_num(len(payload) / 1024),
        Visible="false",
        Usage="none",
    )
    _sub(attachment, "FileLoc", ATTACHMENT_NAME)

    document = etree.Element(q("Document"), nsmap=NSMAP)
    common = _sub(document, "CommonData")
    _sub(common, "MaxUnitID", str(next_id))
    page_area = _sub(common, "PageArea")
    _sub(page_area, "PhysicalBox", f"0 0 {_num(PAGE_WIDTH_MM)} {_num(PAGE_HEIGHT_MM)}")
    _sub(common, "PublicRes", "PublicRes.xml")
    _sub(common, "DocumentRes", "DocumentRes.xml")
    pages = _sub(document, "Pages")
    _sub(pages, "Page", ID=str(page_id), BaseLoc="Pages/Page_0/Content.xml")
    _sub(document, "Attachments", "Attachs/Attachments.xml")

    return write_package(
        [
            ("OFD.xml", _xml(ofd)),
            ("Doc_0/Document.xml", _xml(document)),
            ("Doc_0/PublicRes.xml", _xml(public_res)),
            ("Doc_0/DocumentRes.xml", _xml(document_res)),
            ("Doc_0/Res/qrcode.png", qr_png(qr_reference(data))),
            ("Doc_0/Pages/Page_0/Content.xml", _xml(content_page)),
            ("Doc_0/Attachs/Attachments.xml", _xml(attachments)),
            (f"Doc_0/Attachs/{ATTACHMENT_NAME}", payload),
        ]
    )


# ---------------------------------------------------------------- signing


def check_value(data: bytes) -> str:
    """Base64 SM3 of a file, the CheckValue of a Reference."""
    return base64.b64encode(sm3.sm3_digest(data)).decode("ascii")


def _add_signatures_entry(package: Package, loc: str) -> bytes:
    # CT_DocBody order: DocInfo, DocRoot, Versions, Signatures.
    element = etree.Element(q("Signatures"))
    element.text = loc
    anchor = package.body.find(q("Versions"))
    if anchor is None:
        anchor = package.body.find(q("DocRoot"))
    anchor.addnext(element)
    return _xml(package.ofd)


def sign_ofd(ofd_bytes: bytes, private_key: sm2.PrivateKey, signer: SignerInfo) -> bytes:
    """Sign a rendered certificate OFD as the issuing region (one signature of Type "Sign").

    Every file of the package except the signature files is referenced with its SM3 check value.
    """
    package = Package(read_package(ofd_bytes))
    if package.signatures_loc is not None:
        raise CertFileError("the OFD is already signed")
    data = package.certificate_data()
    if data.region_code != signer.region_code:
        raise CertFileError(
            f"certificate issued by {data.region_code} cannot be signed as {signer.region_code}"
        )
    signs_dir = posixpath.join(package.doc_dir, "Signs")
    if any(name.startswith(signs_dir + "/") for name in package.files):
        raise CertFileError("the package already holds signature files")
    signatures_path = f"{signs_dir}/Signatures.xml"
    signature_path = f"{signs_dir}/Sign_0/Signature.xml"
    value_path = f"{signs_dir}/Sign_0/SignedValue.dat"

    files = dict(package.files)
    files["OFD.xml"] = _add_signatures_entry(package, signatures_path)

    signature = etree.Element(q("Signature"), nsmap=NSMAP)
    signed_info = _sub(signature, "SignedInfo")
    _sub(
        signed_info,
        "Provider",
        ProviderName=signer.provider,
        Version="1.0",
        Company=signer.organization,
    )
    _sub(signed_info, "SignatureMethod", SM2_SM3_OID)
    _sub(signed_info, "SignatureDateTime", signer.signing_time.astimezone(UTC).strftime("%Y%m%d%H%M%SZ"))
    references = _sub(signed_info, "References", CheckMethod=SM3_OID)
    for name, content in files.items():
        reference = _sub(references, "Reference", FileRef=f"/{name}")
        _sub(reference, "CheckValue", check_value(content))
    _sub(signature, "SignedValue", f"/{value_path}")
    signature_xml = _xml(signature)

    signatures = etree.Element(q("Signatures"), nsmap=NSMAP)
    _sub(signatures, "MaxSignId", "1")
    _sub(signatures, "Signature", ID="1", Type=SIGNATURE_TYPE, BaseLoc=f"/{signature_path}")

    signed_value = build_signed_data(sm3.sm3_digest(signature_xml), private_key, signer)
    files[signatures_path] = _xml(signatures)
    files[signature_path] = signature_xml
    files[value_path] = signed_value
    return write_package(files.items())
