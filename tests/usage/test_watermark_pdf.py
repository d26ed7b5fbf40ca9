"""11.4 watermark on PDF: rendered pixels, the embedded CJK font, every page, the region's revision intact."""

import io
from dataclasses import replace
from datetime import datetime

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.pdfgen import canvas

from ysj_protocol.certfile import VerificationCode, verify_file
from ysj_protocol.usage import UsageError, UseContext, watermark
from ysj_protocol.usage.fonts import printable

from .factories import USE, genuine_pdf, is_watermark_colour, registry, render_pages


def reddish(image) -> set[tuple[int, int]]:
    width, height = image.size
    pixels = image.load()
    return {(x, y) for y in range(height) for x in range(width) if is_watermark_colour(pixels[x, y])}


def near(points: set[tuple[int, int]], x: float, y: float, radius: int = 14) -> bool:
    return any(
        (round(x) + dx, round(y) + dy) in points
        for dx in range(-radius, radius + 1)
        for dy in range(-radius, radius + 1)
    )


def test_the_watermark_runs_diagonally_over_what_was_white():
    original = genuine_pdf()
    [before] = render_pages(original)
    [after] = render_pages(watermark(original, file_format="pdf", use=USE))
    assert not reddish(before)
    marked = reddish(after)
    white_before = before.load()
    turned = [p for p in marked if white_before[p] == (255, 255, 255)]
    assert len(turned) > 3000
    width, height = after.size
    # Along the diagonal from the bottom-left corner to the top-right one...
    for t in (0.15, 0.3, 0.5, 0.7, 0.85):
        assert near(marked, t * width, (1 - t) * height), t
    # ...and nowhere near the two other corners.
    box_w, box_h = int(width * 0.08), int(height * 0.08)
    corners = [(0, 0), (width - box_w, height - box_h)]
    for left, top in corners:
        assert not [p for p in marked if left <= p[0] < left + box_w and top <= p[1] < top + box_h]


def test_cjk_glyphs_are_drawn_not_boxes():
    """Two texts differing in one Chinese character render differently; a missing glyph (tofu)
    would draw the same box for both. The same text renders the same, so the difference is real."""
    original = genuine_pdf()
    first = render_pages(watermark(original, file_format="pdf", use=USE))[0]
    again = render_pages(watermark(original, file_format="pdf", use=USE))[0]
    other = render_pages(
        watermark(original, file_format="pdf", use=replace(USE, scenario_name="不动产查询"))
    )[0]
    assert reddish(first) == reddish(again)
    changed = reddish(first) ^ reddish(other)
    assert len(changed) > 200


def test_the_font_is_embedded_as_a_subset():
    marked = watermark(genuine_pdf(), file_format="pdf", use=USE)
    fonts = PdfReader(io.BytesIO(marked)).pages[0]["/Resources"]["/Font"]
    found = []
    for ref in fonts.values():
        font = ref.get_object()
        if "WenQuanYi" in str(font.get("/BaseFont", "")):
            descriptor = font["/FontDescriptor"].get_object()
            found.append((str(font["/BaseFont"]), descriptor["/FontFile2"].get_object().get_data()))
    assert found, "the watermark font is not among the page's fonts"
    for base_font, program in found:
        assert base_font[7] == "+"  # "/" and the six-letter tag of a subset (ISO 32000-1, 9.6.4)
        assert 0 < len(program) < 200_000  # a subset, not the 5 MB collection


def test_the_text_is_extractable_as_unicode():
    import pypdfium2

    marked = watermark(genuine_pdf(), file_format="pdf", use=USE)
    document = pypdfium2.PdfDocument(marked)
    text = document[0].get_textpage().get_text_range()
    document.close()
    assert USE.text in text.replace("\r", "").replace("\n", "")


def test_the_region_signature_still_covers_its_revision():
    original = genuine_pdf()
    marked = watermark(original, file_format="pdf", use=USE)
    assert marked.startswith(original)
    assert verify_file(marked[: len(original)], "PDF", registry()).ok
    # The watermark alone is an unsigned change after the region's signature: not accepted as is.
    assert verify_file(marked, "PDF", registry()).code is VerificationCode.INTEGRITY


def _pages(sizes) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for size in sizes:
        pdf.setPageSize(size)
        pdf.drawString(40, 40, "page")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_every_page_is_marked_whatever_its_size():
    sizes = [A4, landscape(A4), A5]
    pages = render_pages(watermark(_pages(sizes), file_format="PDF", use=USE))
    assert len(pages) == 3
    for image in pages:
        marked = reddish(image)
        width, height = image.size
        assert near(marked, width / 2, height / 2, radius=20)
        assert near(marked, 0.3 * width, 0.7 * height, radius=20)


def test_a_page_whose_box_does_not_start_at_the_origin_is_marked_across_its_visible_area():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pages([A4]))))
    writer.pages[0].mediabox = RectangleObject([100, 150, 100 + 420, 150 + 595])
    writer.pages[0].cropbox = RectangleObject([100, 150, 100 + 420, 150 + 595])
    out = io.BytesIO()
    writer.write(out)
    [image] = render_pages(watermark(out.getvalue(), file_format="pdf", use=USE))
    marked = reddish(image)
    width, height = image.size
    assert (width, height) == (420, 595)
    for t in (0.2, 0.5, 0.8):
        assert near(marked, t * width, (1 - t) * height), t


@pytest.mark.parametrize(
    "content, fmt, message",
    [
        (b"not a pdf", "pdf", "PDF 文件无法解析"),
        (b"%PDF-1.7", "doc", "不支持的文件格式"),
    ],
)
def test_bad_input_is_a_clear_error(content, fmt, message):
    with pytest.raises(UsageError, match=message):
        watermark(content, file_format=fmt, use=USE)


def test_an_encrypted_pdf_is_refused():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pages([A4]))))
    writer.encrypt("owner-only", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UsageError, match="加密的 PDF"):
        watermark(out.getvalue(), file_format="pdf", use=USE)


def test_a_use_without_a_timezone_or_a_name_is_refused():
    with pytest.raises(UsageError, match="时区"):
        UseContext(scenario_name="不动产登记", biz_num="B", item_org="O", time=datetime(2026, 1, 1))
    with pytest.raises(UsageError, match="scenario_name"):
        replace(USE, scenario_name=" ")


def test_a_character_the_font_lacks_is_replaced_not_left_blank():
    rare = replace(USE, item_org="\U0002a6a5单位")  # a CJK Extension B character the font lacks
    assert "□单位" in printable(rare.text)
    assert "\U0002a6a5" not in printable(rare.text)
    assert printable(USE.text) == USE.text
