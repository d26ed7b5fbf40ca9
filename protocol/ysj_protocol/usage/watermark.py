"""11.4: every page of an obtained certificate file marked with the use it was obtained for.

The text (`UseContext.text`) runs diagonally across each page in three parallel lines, in a
semi-transparent red, set in the embedded WenQuanYi Micro Hei subset (`fonts`).

* PDF: one reportlab overlay page per page, merged over it in an incremental update appended
  after the file's last revision. The issuing region's signature still covers its own revision,
  byte for byte; the application's countersignature (`signing`) then covers the whole.
* OFD: a `Watermark` annotation (GB/T 33190, 15) on every page, whose appearance holds the text
  objects; the font is a new document resource with the subset TrueType file embedded. Only
  Document.xml changes among the files the region signed; its region-signed bytes are kept under
  `Originals/` (`ysj_protocol.certfile.countersign`), where the verifier finds them.
"""

from __future__ import annotations

import io
import logging
import math
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from ysj_protocol.certfile import ofd as ofd_format
from ysj_protocol.certfile.countersign import keep_original
from ysj_protocol.certfile.errors import CertFileError

from . import fonts
from .context import UseContext
from .errors import UsageError

#: Fill colour (RGB, 0-1) and opacity of the watermark text.
COLOUR = (0.80, 0.10, 0.10)
OPACITY = 0.30
#: Largest font size; a long text is set smaller so its line fits the page's diagonal.
MAX_SIZE_PT = 26.0
#: Share of the page diagonal the central line may take.
DIAGONAL_SHARE = 0.8
#: The parallel lines' offsets, in shares of the page's shorter side, across the diagonal.
LINE_OFFSETS = (-0.33, 0.0, 0.33)
PT_TO_MM = 25.4 / 72.0

FORMATS = ("pdf", "ofd")

logging.getLogger("fontTools").setLevel(logging.ERROR)


def normalise_format(file_format: str) -> str:
    fmt = file_format.strip().lower() if isinstance(file_format, str) else ""
    if fmt not in FORMATS:
        raise UsageError(f"不支持的文件格式：{file_format!r}（应为 PDF 或 OFD）")
    return fmt


def watermark(data: bytes, *, file_format: str, use: UseContext) -> bytes:
    """`data` with every page watermarked for `use`; the region's signature keeps verifying."""
    fmt = normalise_format(file_format)
    text = fonts.printable(use.text)
    try:
        return _watermark_pdf(data, text) if fmt == "pdf" else _watermark_ofd(data, text)
    except CertFileError as exc:
        raise UsageError(f"无法为文件添加水印：{exc}") from exc


@dataclass(frozen=True)
class Placement:
    """Where the text goes on a page of width x height (any unit): angle and size, same unit."""

    angle: float  # radians, anticlockwise from the page's horizontal
    size: float  # font size, in the page's unit
    offsets: tuple[float, ...]  # distance of each line from the centre, across the diagonal

    @classmethod
    def for_page(cls, width: float, height: float, text_width_at_1: float, unit_per_pt: float) -> Placement:
        """`text_width_at_1`: the text's width at font size 1, in the same unit (a pure ratio)."""
        diagonal = math.hypot(width, height)
        size = min(MAX_SIZE_PT * unit_per_pt, DIAGONAL_SHARE * diagonal / max(text_width_at_1, 1e-6))
        short = min(width, height)
        return cls(math.atan2(height, width), size, tuple(share * short for share in LINE_OFFSETS))


# ---------------------------------------------------------------- PDF


def _watermark_pdf(data: bytes, text: str) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UsageError("加密的 PDF 无法添加水印")
        pages = list(reader.pages)
    except UsageError:
        raise
    except Exception as exc:  # pypdf raises many types for broken input
        raise UsageError(f"PDF 文件无法解析：{exc}") from exc
    if not pages:
        raise UsageError("PDF 文件没有页面")
    boxes = [page.cropbox for page in pages]
    overlays = PdfReader(io.BytesIO(_overlay_pdf(text, [(float(b.width), float(b.height)) for b in boxes])))
    writer = PdfWriter(io.BytesIO(data), incremental=True)
    for page, overlay, box in zip(writer.pages, overlays.pages, boxes, strict=True):
        left, bottom = float(box.left), float(box.bottom)
        if left or bottom:
            page.merge_translated_page(overlay, left, bottom, over=True)
        else:
            page.merge_page(overlay, over=True)
    out = io.BytesIO()
    writer.write(out)
    result = out.getvalue()
    if not result.startswith(data):
        raise UsageError("水印更新改写了已签名的内容")
    return result


def _overlay_pdf(text: str, sizes: list[tuple[float, float]]) -> bytes:
    """One transparent page per page size with the diagonal text; the font subset embedded once."""
    font = fonts.pdf_font()
    width_at_1 = fonts.text_width_pt(text, 1.0)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pageCompression=1)
    for width, height in sizes:
        pdf.setPageSize((width, height))
        place = Placement.for_page(width, height, width_at_1, 1.0)
        pdf.saveState()
        pdf.setFillColorRGB(*COLOUR)
        pdf.setFillAlpha(OPACITY)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(math.degrees(place.angle))
        pdf.setFont(font, place.size)
        for offset in place.offsets:
            # A line's baseline sits `offset` across the diagonal; the text is centred along it.
            pdf.drawCentredString(0, offset - place.size * 0.35, text)
        pdf.restoreState()
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# ---------------------------------------------------------------- OFD

_CT_DOCUMENT_ORDER = (
    "CommonData", "Pages", "Outlines", "Permissions", "Actions", "VPreferences", "Bookmarks",
    "Annotations", "CustomTags", "Attachments", "Extensions",
)  # fmt: skip
_CT_COMMON_DATA_ORDER = ("MaxUnitID", "PageArea", "PublicRes", "DocumentRes", "TemplatePage", "DefaultCS")


def _insert_in_order(parent: etree._Element, element: etree._Element, order: tuple[str, ...]) -> None:
    """Insert after the last child that comes before `element` in the schema's sequence."""
    rank = order.index(etree.QName(element).localname)
    position = 0
    for index, child in enumerate(parent):
        name = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if name in order and order.index(name) <= rank:
            position = index + 1
    parent.insert(position, element)


def _unused(files: dict[str, bytes], path: str) -> str:
    stem, ext = posixpath.splitext(path)
    candidate, n = path, 1
    while candidate in files:
        candidate, n = f"{stem}_{n}{ext}", n + 1
    return candidate


def _page_box(page_xml: etree._Element | None, document: etree._Element) -> tuple[float, float]:
    q = ofd_format.q
    for source in (page_xml, document.find(q("CommonData"))):
        if source is None:
            continue
        box = source.findtext(f"{q('Area') if source is page_xml else q('PageArea')}/{q('PhysicalBox')}")
        if box:
            values = [float(v) for v in box.split()]
            if len(values) == 4 and values[2] > 0 and values[3] > 0:
                return values[2], values[3]
    return 210.0, 297.0


def _num(value: float) -> str:
    return ofd_format._num(value)


def _watermark_ofd(data: bytes, text: str) -> bytes:
    q = ofd_format.q
    package = ofd_format.Package(ofd_format.read_package(data))
    files = dict(package.files)
    doc_dir = package.doc_dir
    document = ofd_format.parse_xml(package.read(package.doc_root), "Document")
    common = document.find(q("CommonData"))
    pages = document.find(q("Pages"))
    if common is None or pages is None or not len(pages):
        raise UsageError("OFD 文档缺少 CommonData 或页面")
    max_unit = common.find(q("MaxUnitID"))
    next_id = int((max_unit.text or "0").strip()) + 1 if max_unit is not None else 1

    def new_id() -> str:
        nonlocal next_id
        next_id += 1
        return str(next_id - 1)

    # The font: a new document resource file with the subset embedded beside it.
    font_id = new_id()
    res_path = _unused(files, posixpath.join(doc_dir, "WatermarkRes.xml"))
    font_file = _unused(files, posixpath.join(doc_dir, "Res", "watermark-font.ttf"))
    res = etree.Element(q("Res"), nsmap=ofd_format.NSMAP, BaseLoc="Res")
    font = etree.SubElement(etree.SubElement(res, q("Fonts")), q("Font"), ID=font_id)
    font.set("FontName", fonts.FAMILY_NAME)
    font.set("FamilyName", fonts.FAMILY_NAME)
    etree.SubElement(font, q("FontFile")).text = posixpath.basename(font_file)
    files[res_path] = ofd_format._xml(res)
    files[font_file] = fonts.subset_ttf(text)
    resource = etree.Element(q("DocumentRes"))
    resource.text = posixpath.relpath(res_path, doc_dir)
    _insert_in_order(common, resource, _CT_COMMON_DATA_ORDER)

    # The annotations list: the document's own, or a new one.
    annotations_loc = document.findtext(q("Annotations"))
    if annotations_loc is not None:
        annotations_path = ofd_format.resolve(doc_dir, annotations_loc)
        keep_original(files, doc_dir, annotations_path)
        annotations = ofd_format.parse_xml(package.read(annotations_path), "Annotations")
    else:
        annotations_path = _unused(files, posixpath.join(doc_dir, "Annots", "Annotations.xml"))
        annotations = etree.Element(q("Annotations"), nsmap=ofd_format.NSMAP)
        element = etree.Element(q("Annotations"))
        element.text = posixpath.relpath(annotations_path, doc_dir)
        _insert_in_order(document, element, _CT_DOCUMENT_ORDER)
    annotations_dir = posixpath.dirname(annotations_path)

    width_at_1 = fonts.text_width_pt(text, 1.0)  # the text's width per unit of font size, any unit
    today = datetime.now(UTC).date().isoformat()
    for index, page in enumerate(pages.findall(q("Page"))):
        page_id = page.get("ID") or ""
        page_path = ofd_format.resolve(doc_dir, page.get("BaseLoc"))
        page_xml = ofd_format.parse_xml(package.read(page_path), "Page") if page_path in files else None
        width, height = _page_box(page_xml, document)
        annot = _annotation(text, width, height, width_at_1, font_id, new_id, today)
        listed = [p for p in annotations.findall(q("Page")) if p.get("PageID") == page_id]
        if listed:
            page_annot_path = ofd_format.resolve(annotations_dir, listed[0].findtext(q("FileLoc")))
            keep_original(files, doc_dir, page_annot_path)
            page_annot = ofd_format.parse_xml(package.read(page_annot_path), "PageAnnot")
        else:
            page_annot_path = _unused(
                files, posixpath.join(annotations_dir, f"Page_{index}", "Annotation.xml")
            )
            page_annot = etree.Element(q("PageAnnot"), nsmap=ofd_format.NSMAP)
            entry = etree.SubElement(annotations, q("Page"), PageID=page_id)
            etree.SubElement(entry, q("FileLoc")).text = posixpath.relpath(page_annot_path, annotations_dir)
        page_annot.append(annot)
        files[page_annot_path] = ofd_format._xml(page_annot)
    files[annotations_path] = ofd_format._xml(annotations)

    if max_unit is None:
        max_unit = etree.Element(q("MaxUnitID"))
        common.insert(0, max_unit)
    max_unit.text = str(next_id - 1)
    keep_original(files, doc_dir, package.doc_root)
    files[package.doc_root] = ofd_format._xml(document)
    return ofd_format.write_package(files.items())


def _annotation(
    text: str,
    width: float,
    height: float,
    width_at_1: float,
    font_id: str,
    new_id: Callable[[], str],
    today: str,
) -> etree._Element:
    """A Watermark annotation over the whole page: one rotated TextObject per line."""
    q = ofd_format.q
    place = Placement.for_page(width, height, width_at_1, PT_TO_MM)
    size_pt = place.size / PT_TO_MM
    advances = [fonts.text_width_pt(ch, size_pt) * PT_TO_MM for ch in text]
    line_width = sum(advances)
    annot = etree.Element(
        q("Annot"), ID=new_id(), Type="Watermark", Creator="YSJ Portal", LastModDate=today,
        Visible="true", Print="true", NoZoom="false", NoRotate="false", ReadOnly="true",
    )  # fmt: skip
    etree.SubElement(annot, q("Remark")).text = text
    appearance = etree.SubElement(annot, q("Appearance"), Boundary=f"0 0 {_num(width)} {_num(height)}")
    # OFD's y axis points down: a line rising to the right turns by -angle.
    cos, sin = math.cos(place.angle), math.sin(place.angle)
    alpha = str(round(OPACITY * 255))
    colour = " ".join(str(round(c * 255)) for c in COLOUR)
    for offset in place.offsets:
        # The line's centre, moved `offset` across the diagonal (towards the top-left for positive).
        cx = width / 2 - sin * offset
        cy = height / 2 - cos * offset
        obj = etree.SubElement(
            appearance, q("TextObject"), ID=new_id(), Boundary=f"0 0 {_num(width)} {_num(height)}",
            Font=font_id, Size=_num(place.size),
            CTM=" ".join(_num(v) for v in (cos, -sin, sin, cos, cx, cy)), Alpha=alpha,
        )  # fmt: skip
        etree.SubElement(obj, q("FillColor"), Value=colour, Alpha=alpha)
        code = etree.SubElement(
            obj, q("TextCode"), X=_num(-line_width / 2), Y=_num(place.size * 0.35),
            DeltaX=" ".join(_num(a) for a in advances[:-1]),
        )  # fmt: skip
        code.text = text
    return annot
