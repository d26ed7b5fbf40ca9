"""render_ofd: the GB/T 33190 package structure and its content."""

import io
import posixpath

from lxml import etree
from PIL import Image

from ysj_protocol.certfile import CertificateData, qr_reference, render_ofd
from ysj_protocol.certfile.qr import qr_matrix

from .factories import make_certificate, make_id_card, zip_files

NS = {"ofd": "http://www.ofdspec.org/2016"}
EXPECTED_FILES = {
    "OFD.xml",
    "Doc_0/Document.xml",
    "Doc_0/PublicRes.xml",
    "Doc_0/DocumentRes.xml",
    "Doc_0/Res/qrcode.png",
    "Doc_0/Pages/Page_0/Content.xml",
    "Doc_0/Attachs/Attachments.xml",
    "Doc_0/Attachs/certificate.json",
}


def _xml(files: dict[str, bytes], name: str) -> etree._Element:
    return etree.fromstring(files[name])


def _join(base: str, loc: str) -> str:
    return loc.lstrip("/") if loc.startswith("/") else posixpath.normpath(posixpath.join(base, loc))


def test_package_holds_the_expected_files() -> None:
    files = zip_files(render_ofd(make_certificate()))
    assert set(files) == EXPECTED_FILES
    assert next(iter(files)) == "OFD.xml"


def test_every_xml_file_is_in_the_ofd_namespace_with_the_right_root() -> None:
    files = zip_files(render_ofd(make_certificate()))
    roots = {
        "OFD.xml": "OFD",
        "Doc_0/Document.xml": "Document",
        "Doc_0/PublicRes.xml": "Res",
        "Doc_0/DocumentRes.xml": "Res",
        "Doc_0/Pages/Page_0/Content.xml": "Page",
        "Doc_0/Attachs/Attachments.xml": "Attachments",
    }
    for name, root in roots.items():
        assert files[name].startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        assert _xml(files, name).tag == f"{{{NS['ofd']}}}{root}", name


def test_entry_points_resolve_to_files_of_the_package() -> None:
    files = zip_files(render_ofd(make_certificate()))
    ofd = _xml(files, "OFD.xml")
    assert ofd.get("DocType") == "OFD" and ofd.get("Version") == "1.0"
    doc_root = ofd.findtext("ofd:DocBody/ofd:DocRoot", namespaces=NS)
    assert doc_root == "Doc_0/Document.xml"
    document = _xml(files, doc_root)
    base = "Doc_0"
    for path in ("ofd:CommonData/ofd:PublicRes", "ofd:CommonData/ofd:DocumentRes", "ofd:Attachments"):
        assert _join(base, document.findtext(path, namespaces=NS)) in files, path
    (page,) = document.findall("ofd:Pages/ofd:Page", namespaces=NS)
    assert _join(base, page.get("BaseLoc")) == "Doc_0/Pages/Page_0/Content.xml"


def test_page_text_objects_show_the_surface_with_a_declared_font() -> None:
    data = make_id_card()
    files = zip_files(render_ofd(data))
    font_ids = {
        f.get("ID") for f in _xml(files, "Doc_0/PublicRes.xml").findall("ofd:Fonts/ofd:Font", namespaces=NS)
    }
    page = _xml(files, "Doc_0/Pages/Page_0/Content.xml")
    texts = page.findall(".//ofd:TextObject", namespaces=NS)
    assert texts
    assert {t.get("Font") for t in texts} <= font_ids
    shown = "".join(t.findtext("ofd:TextCode", namespaces=NS) for t in texts)
    for expected in (data.holder_name, data.certificate_number, "居民身份证", data.holder_code, "家庭户"):
        assert expected in shown
    for t in texts:
        code = t.find("ofd:TextCode", namespaces=NS)
        deltas = (code.get("DeltaX") or "").split()
        assert len(deltas) == len(code.text) - 1
        x, y, w, h = (float(v) for v in t.get("Boundary").split())
        assert x >= 0 and x + w <= 210 and y >= 0 and y + h <= 297


def test_image_object_points_at_the_qr_png() -> None:
    data = make_certificate()
    files = zip_files(render_ofd(data))
    res = _xml(files, "Doc_0/DocumentRes.xml")
    media = res.find("ofd:MultiMedias/ofd:MultiMedia", namespaces=NS)
    assert media.get("Type") == "Image"
    path = _join(_join("Doc_0", res.get("BaseLoc")), media.findtext("ofd:MediaFile", namespaces=NS))
    assert path == "Doc_0/Res/qrcode.png"
    (image_object,) = _xml(files, "Doc_0/Pages/Page_0/Content.xml").findall(
        ".//ofd:ImageObject", namespaces=NS
    )
    assert image_object.get("ResourceID") == media.get("ID")
    width, height = image_object.get("Boundary").split()[2:]
    assert image_object.get("CTM") == f"{width} 0 0 {height} 0 0"


def test_qr_png_encodes_the_reference() -> None:
    data = make_certificate()
    image = Image.open(io.BytesIO(zip_files(render_ofd(data))["Doc_0/Res/qrcode.png"])).convert("L")
    matrix = qr_matrix(qr_reference(data))
    module = image.width // len(matrix)
    assert image.width == image.height == module * len(matrix)
    sampled = [
        [
            image.getpixel((c * module + module // 2, r * module + module // 2)) < 128
            for c in range(len(matrix))
        ]
        for r in range(len(matrix))
    ]
    assert sampled == matrix


def test_unit_ids_are_unique_and_below_max_unit_id() -> None:
    files = zip_files(render_ofd(make_certificate()))
    ids = []
    for name, content in files.items():
        if name.endswith(".xml"):
            ids += [int(e.get("ID")) for e in etree.fromstring(content).iter() if e.get("ID")]
    assert len(ids) == len(set(ids))
    max_id = int(_xml(files, "Doc_0/Document.xml").findtext("ofd:CommonData/ofd:MaxUnitID", namespaces=NS))
    assert max(ids) <= max_id


def test_certificate_data_travels_as_attachment_and_custom_data() -> None:
    data = make_certificate()
    files = zip_files(render_ofd(data))
    attachment = _xml(files, "Doc_0/Attachs/Attachments.xml").find("ofd:Attachment", namespaces=NS)
    assert attachment.get("Name") == "certificate.json"
    path = _join("Doc_0/Attachs", attachment.findtext("ofd:FileLoc", namespaces=NS))
    assert CertificateData.from_json(files[path]) == data
    customs = {
        c.get("Name"): c.text
        for c in _xml(files, "OFD.xml").findall(".//ofd:CustomDatas/ofd:CustomData", namespaces=NS)
    }
    assert customs == {
        "YSJRegionCode": "SH",
        "YSJCertificateNumber": data.certificate_number,
        "YSJCertificateId": data.internal_id,
    }


def test_unsigned_package_references_no_signatures() -> None:
    files = zip_files(render_ofd(make_certificate()))
    assert _xml(files, "OFD.xml").find(".//ofd:Signatures", namespaces=NS) is None
    assert not [name for name in files if "/Signs/" in name]
