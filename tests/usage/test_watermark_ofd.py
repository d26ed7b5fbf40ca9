"""11.4 watermark on OFD: a Watermark annotation on every page, valid per GB/T 33190, the font embedded.

No OFD renderer is available as a package here, so the page is checked as data: the schema, the
geometry of the text objects, and the embedded font's coverage of every character.
"""

import io
import math
import posixpath
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from ysj_protocol.certfile import ofd as ofd_format
from ysj_protocol.certfile.countersign import original_path
from ysj_protocol.usage import UsageError, watermark

from ..certfile.factories import make_zip, zip_files
from .factories import USE, genuine_ofd

NS = {"ofd": ofd_format.OFD_NS}


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(__file__).with_name("ofd_annotations.xsd"))))


def two_pages(content: bytes) -> bytes:
    """The certificate OFD with its page repeated as a second page (a second Page in Document.xml)."""
    files = zip_files(content)
    document = etree.fromstring(files["Doc_0/Document.xml"])
    pages = document.find("ofd:Pages", NS)
    etree.SubElement(pages, ofd_format.q("Page"), ID="900", BaseLoc="Pages/Page_1/Content.xml")
    document.find("ofd:CommonData/ofd:MaxUnitID", NS).text = "900"
    files["Doc_0/Document.xml"] = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    files["Doc_0/Pages/Page_1/Content.xml"] = files["Doc_0/Pages/Page_0/Content.xml"]
    return make_zip(files)


def annotations_of(files: dict[str, bytes]) -> dict[str, list[etree._Element]]:
    """PageID -> its annotations, following Document.xml -> Annotations.xml -> PageAnnot files."""
    document = etree.fromstring(files["Doc_0/Document.xml"])
    listing_path = posixpath.join("Doc_0", document.findtext("ofd:Annotations", namespaces=NS))
    listing = etree.fromstring(files[listing_path])
    out = {}
    for page in listing.findall("ofd:Page", NS):
        path = posixpath.join(posixpath.dirname(listing_path), page.findtext("ofd:FileLoc", namespaces=NS))
        out[page.get("PageID")] = etree.fromstring(files[path]).findall("ofd:Annot", NS)
    return out


def page_ids(files: dict[str, bytes]) -> list[str]:
    document = etree.fromstring(files["Doc_0/Document.xml"])
    return [page.get("ID") for page in document.findall("ofd:Pages/ofd:Page", NS)]


def test_every_page_carries_one_watermark_annotation():
    files = zip_files(watermark(two_pages(genuine_ofd()), file_format="ofd", use=USE))
    annotations = annotations_of(files)
    assert sorted(annotations) == sorted(page_ids(files)) and len(annotations) == 2
    for annots in annotations.values():
        [annot] = annots
        assert annot.get("Type") == "Watermark"
        assert annot.findtext("ofd:Remark", namespaces=NS) == USE.text
        lines = annot.findall("ofd:Appearance/ofd:TextObject", NS)
        assert len(lines) == 3
        assert {line.findtext("ofd:TextCode", namespaces=NS) for line in lines} == {USE.text}


def test_the_written_files_are_valid_per_the_standards_schema():
    content = watermark(two_pages(genuine_ofd()), file_format="ofd", use=USE)
    files = zip_files(content)
    checked = 0
    for name, data in files.items():
        if not name.endswith(".xml"):
            continue
        root = etree.fromstring(data)
        local = etree.QName(root).localname
        if local in ("PageAnnot", "Annotations") or name.endswith("WatermarkRes.xml"):
            assert schema().validate(root), (name, schema().error_log)
            checked += 1
    assert checked == 4  # the list, two pages' annotations, the font resource
    # CT_Document's sequence: Annotations after Pages and before Attachments; the new resource
    # among CommonData's resources, before anything that follows them.
    document = etree.fromstring(files["Doc_0/Document.xml"])
    order = [etree.QName(child).localname for child in document]
    assert order == ["CommonData", "Pages", "Annotations", "Attachments"]
    common = [etree.QName(child).localname for child in document.find("ofd:CommonData", NS)]
    assert common == ["MaxUnitID", "PageArea", "PublicRes", "DocumentRes", "DocumentRes"]


def test_ids_are_unique_and_below_max_unit_id():
    files = zip_files(watermark(genuine_ofd(), file_format="ofd", use=USE))
    ids = []
    for name, data in files.items():
        if (
            name.endswith(".xml")
            and name.startswith("Doc_0/")
            and "/Signs/" not in name
            and "Originals" not in name
        ):
            ids += [int(e.get("ID")) for e in etree.fromstring(data).iter() if e.get("ID", "").isdigit()]
    document = etree.fromstring(files["Doc_0/Document.xml"])
    assert len(ids) == len(set(ids))
    assert max(ids) <= int(document.findtext("ofd:CommonData/ofd:MaxUnitID", namespaces=NS))


def test_the_font_is_embedded_and_covers_every_character():
    files = zip_files(watermark(genuine_ofd(), file_format="ofd", use=USE))
    res = etree.fromstring(files["Doc_0/WatermarkRes.xml"])
    font = res.find("ofd:Fonts/ofd:Font", NS)
    font_path = posixpath.join("Doc_0", res.get("BaseLoc"), font.findtext("ofd:FontFile", namespaces=NS))
    program = files[font_path]
    assert len(program) < 100_000  # a subset, not the 5 MB collection
    cmap = TTFont(io.BytesIO(program)).getBestCmap()
    assert {ord(ch) for ch in USE.text if ch != " "} <= set(cmap)
    # The text objects name this font.
    [annot] = next(iter(annotations_of(files).values()))
    assert {obj.get("Font") for obj in annot.iter(ofd_format.q("TextObject"))} == {font.get("ID")}


def test_the_lines_run_diagonally_across_the_page():
    files = zip_files(watermark(genuine_ofd(), file_format="ofd", use=USE))
    [annot] = next(iter(annotations_of(files).values()))
    for obj in annot.iter(ofd_format.q("TextObject")):
        a, b, c, d, e, f = (float(v) for v in obj.get("CTM").split())
        assert math.isclose(a * a + b * b, 1, abs_tol=0.01) and math.isclose(a, d) and math.isclose(b, -c)
        # Rising to the right (OFD's y axis points down) at the A4 diagonal's angle.
        assert math.isclose(math.atan2(-b, a), math.atan2(297, 210), abs_tol=0.01)
        assert 0 < e < 210 and 0 < f < 297
        code = obj.find("ofd:TextCode", NS)
        advances = [float(v) for v in code.get("DeltaX").split()]
        assert len(advances) == len(USE.text) - 1 and all(v > 0 for v in advances)
        assert obj.find("ofd:FillColor", NS).get("Alpha") == obj.get("Alpha") == "76"


def sizes_and_widths(use) -> list[tuple[float, float]]:
    """(font size, line width) of each text object of the first page's watermark, in mm."""
    files = zip_files(watermark(genuine_ofd(), file_format="ofd", use=use))
    [annot] = next(iter(annotations_of(files).values()))
    out = []
    for obj in annot.iter(ofd_format.q("TextObject")):
        advances = [float(v) for v in obj.find("ofd:TextCode", NS).get("DeltaX").split()]
        out.append((float(obj.get("Size")), sum(advances)))
    return out


def test_a_long_text_is_set_smaller_to_fit_the_diagonal():
    long_use = replace(USE, item_org="长三角生态绿色一体化发展示范区执行委员会政务服务中心综合窗口办公室")
    diagonal = math.hypot(210, 297)
    [(usual, _), *_] = sizes_and_widths(USE)
    for size, width in sizes_and_widths(long_use):
        assert size < usual
        assert width <= 0.8 * diagonal


def test_the_package_still_reads_and_keeps_the_region_signed_document():
    original = genuine_ofd()
    marked = watermark(original, file_format="ofd", use=USE)
    before, after = zip_files(original), zip_files(marked)
    package = ofd_format.Package(ofd_format.read_package(marked))
    assert (
        package.certificate_data() == ofd_format.Package(ofd_format.read_package(original)).certificate_data()
    )
    assert after[original_path("Doc_0", "Doc_0/Document.xml")] == before["Doc_0/Document.xml"]
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"Doc_0/Document.xml"}


def test_watermarking_again_adds_to_the_pages_and_keeps_the_first_original():
    original = genuine_ofd()
    once = watermark(original, file_format="ofd", use=USE)
    twice = zip_files(watermark(once, file_format="ofd", use=USE))
    assert twice[original_path("Doc_0", "Doc_0/Document.xml")] == zip_files(original)["Doc_0/Document.xml"]
    assert [len(annots) for annots in annotations_of(twice).values()] == [2]


def test_a_package_that_is_not_ofd_is_a_clear_error():
    with pytest.raises(UsageError, match="无法为文件添加水印"):
        watermark(b"PK\x03\x04 not a zip", file_format="OFD", use=USE)
