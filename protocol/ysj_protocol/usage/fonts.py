"""The watermark's CJK font: WenQuanYi Micro Hei (文泉驿微米黑), shipped by a pinned wheel.

The font is embedded, subset to the watermark's characters, in every file it marks, so any viewer
renders the text; nothing is downloaded at run time. Licence: Apache-2.0 or GPL-3+ with the font
exception (embedding in documents does not make them subject to the GPL). The wheel's TTC is
byte-identical to Debian's fonts-wqy-microhei 0.2.0-beta-3.1; its SHA-256 is checked before use so
a changed font file is noticed rather than embedded. It has TrueType outlines, which reportlab
embeds (it cannot embed CFF-based fonts such as Noto Sans CJK).
"""

from __future__ import annotations

import hashlib
import io
from functools import cache, lru_cache
from importlib import resources

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import UsageError

FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_RESOURCE = "fonts/wqy-microhei.ttc"
FONT_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
#: The reportlab name the font is registered under.
PDF_FONT_NAME = "YSJWatermark-WQYMicroHei"
#: The family name an OFD resource gives it (the file itself is embedded).
FAMILY_NAME = "WenQuanYi Micro Hei"
#: Stands in for a character the font lacks (a rare character in an organisation's name).
REPLACEMENT = "□"


@cache
def font_bytes() -> bytes:
    """The TTC file, checked against its pinned digest."""
    try:
        data = resources.files(FONT_PACKAGE).joinpath(FONT_RESOURCE).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise UsageError(f"水印字体不可用（需安装 {FONT_PACKAGE.replace('_', '-')}）：{exc}") from exc
    if hashlib.sha256(data).hexdigest() != FONT_SHA256:
        raise UsageError("水印字体文件与登记的摘要不一致")
    return data


@cache
def pdf_font() -> str:
    """Register the font with reportlab once; reportlab embeds a subset in each PDF it writes."""
    pdfmetrics.registerFont(TTFont(PDF_FONT_NAME, io.BytesIO(font_bytes()), subfontIndex=0))
    return PDF_FONT_NAME


@cache
def _cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont as ToolsFont

    font = ToolsFont(io.BytesIO(font_bytes()), fontNumber=0, lazy=True)
    return frozenset(font.getBestCmap())


def printable(text: str) -> str:
    """`text` with every character the font lacks replaced, so no glyph is drawn as a blank box."""
    cmap = _cmap()
    return "".join(ch if ord(ch) in cmap or ch == " " else REPLACEMENT for ch in text)


def text_width_pt(text: str, size_pt: float) -> float:
    return pdfmetrics.stringWidth(text, pdf_font(), size_pt)


#: Always in an OFD subset, so that texts differing only in numbers and Latin letters (the bizNum,
#: the time) share one cached subset.
ASCII_PRINTABLE = frozenset(chr(code) for code in range(0x20, 0x7F))


def subset_ttf(text: str) -> bytes:
    """A TrueType font holding the glyphs of `text` and of printable ASCII, for an OFD package.

    Subsetting takes about a second; an application marks many files with the same scenario and
    organisation, so subsets are cached by their non-ASCII characters.
    """
    return _subset(frozenset(text) - ASCII_PRINTABLE)


@lru_cache(maxsize=32)
def _subset(characters: frozenset[str]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont as ToolsFont

    font = ToolsFont(io.BytesIO(font_bytes()), fontNumber=0)
    # Dropped unread: a watermark needs no shaping, and decompiling them is most of the time.
    for tag in ("GSUB", "GPOS", "GDEF", "FFTM"):
        if tag in font:
            del font[tag]
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    options.layout_features = []
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text="".join(sorted(characters | ASCII_PRINTABLE)))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
