"""Page layout shared by the PDF and OFD renderers, so both formats show the same surface.

Coordinates are millimetres from the top-left corner of an A4 page (the OFD convention); the PDF
renderer flips them. Widths come from the STSong-Light metrics that both formats display with.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from .errors import CertFileError
from .model import CertificateData

PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
FONT_NAME = "STSong-Light"
#: Name the OFD font resource uses; OFD readers map it to their installed Song face.
OFD_FONT_NAME = "宋体"
PT_TO_MM = 25.4 / 72.0

LABEL_X = 25.0
LABEL_WIDTH = 42.0
VALUE_X = 70.0
VALUE_WIDTH = 115.0
FIELDS_TOP = 74.0
FIELDS_BOTTOM_LIMIT = 214.0
FIELD_PT = 12.0
LINE_GAP = 6.0
ROW_GAP = 3.0

QR_X = 150.0
QR_Y = 220.0
QR_SIZE = 36.0
QR_CAPTION = "扫码查验证照"


@dataclass(frozen=True)
class TextItem:
    """One line of text: left x and baseline y in mm, font size in points."""

    x: float
    y: float
    size_pt: float
    text: str

    @property
    def size_mm(self) -> float:
        return self.size_pt * PT_TO_MM

    def advances_mm(self) -> list[float]:
        """Advance width of every character, as OFD's DeltaX needs it."""
        return [text_width_mm(ch, self.size_pt) for ch in self.text]

    @property
    def width_mm(self) -> float:
        return text_width_mm(self.text, self.size_pt)


@dataclass(frozen=True)
class PageLayout:
    texts: list[TextItem]
    qr_x: float
    qr_y: float
    qr_size: float


_font_registered = False


def ensure_font() -> None:
    """Register the built-in CID font once (no font file needed)."""
    global _font_registered
    if not _font_registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT_NAME))
        _font_registered = True


def text_width_mm(text: str, size_pt: float) -> float:
    ensure_font()
    return pdfmetrics.stringWidth(text, FONT_NAME, size_pt) * PT_TO_MM


def wrap(text: str, width_mm: float, size_pt: float) -> list[str]:
    """Greedy character wrap; Chinese has no word spaces, so breaking anywhere is acceptable."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for ch in paragraph:
            if current and text_width_mm(current + ch, size_pt) > width_mm:
                lines.append(current)
                current = ch
            else:
                current += ch
        lines.append(current)
    return lines


def format_date(value: date) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


def validity_text(data: CertificateData) -> str:
    end = format_date(data.valid_until) if data.valid_until else "长期"
    return f"{format_date(data.valid_from)} 至 {end}"


def surface_rows(data: CertificateData) -> list[tuple[str, str]]:
    """Label/value rows in display order: identity first, type-specific surface, then issuance."""
    rows = [
        ("证照编号", data.certificate_number),
        ("持证主体", data.holder_name),
        (data.holder_code_type, data.holder_code),
    ]
    rows.extend(data.surface.items())
    rows.extend(
        [
            ("颁证机关", data.issue_dept),
            ("颁证日期", format_date(data.issue_date)),
            ("有效期限", validity_text(data)),
        ]
    )
    return rows


def _centered(y: float, size_pt: float, text: str) -> TextItem:
    return TextItem((PAGE_WIDTH_MM - text_width_mm(text, size_pt)) / 2, y, size_pt, text)


def _field_items(rows: list[tuple[str, str]]) -> Iterator[TextItem]:
    y = FIELDS_TOP
    for label, value in rows:
        labels = wrap(label, LABEL_WIDTH, FIELD_PT)
        values = wrap(value, VALUE_WIDTH, FIELD_PT)
        height = max(len(labels), len(values))
        if y + (height - 1) * LINE_GAP > FIELDS_BOTTOM_LIMIT:
            raise CertFileError("surface data does not fit on one page")
        for i, line in enumerate(labels):
            yield TextItem(LABEL_X, y + i * LINE_GAP, FIELD_PT, line)
        for i, line in enumerate(values):
            if line:
                yield TextItem(VALUE_X, y + i * LINE_GAP, FIELD_PT, line)
        y += height * LINE_GAP + ROW_GAP


def layout(data: CertificateData) -> PageLayout:
    """Place every piece of surface text and the QR code on one A4 page."""
    region = data.region
    texts = [
        _centered(24.0, 12.0, "长三角电子证照"),
        _centered(46.0, 26.0, data.certificate_type),
        _centered(56.0, 10.0, f"证照类型代码：{data.certificate_type_code}"),
    ]
    texts.extend(_field_items(surface_rows(data)))
    texts.extend(
        [
            TextItem(LABEL_X, 236.0, 10.0, f"颁证地区：{region.name}（{region.division_code}）"),
            TextItem(LABEL_X, 243.0, 10.0, f"电子证照标识：{data.internal_id}"),
            TextItem(
                QR_X + (QR_SIZE - text_width_mm(QR_CAPTION, 9.0)) / 2, QR_Y + QR_SIZE + 3.0, 9.0, QR_CAPTION
            ),
        ]
    )
    footer = f"本电子证照文件由{region.name}电子证照管理系统签发，可通过长三角电子证照文件核验服务验证真伪。"
    for i, line in enumerate(wrap(footer, PAGE_WIDTH_MM - 2 * LABEL_X, 9.0)):
        texts.append(TextItem(LABEL_X, 276.0 + i * 5.0, 9.0, line))
    return PageLayout(texts=texts, qr_x=QR_X, qr_y=QR_Y, qr_size=QR_SIZE)
