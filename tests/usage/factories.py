"""Builders for the 11.4 tests: region-signed files, an application key, a use, rendered pages."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from PIL import Image

from ysj_protocol.crypto import sm2
from ysj_protocol.usage import UseContext

from ..certfile.factories import genuine_ofd, genuine_pdf, region_key, registry  # noqa: F401 - re-exported

APP_ID = "app-usage-test"
USE = UseContext(
    scenario_name="不动产登记",
    biz_num="BIZ-2026-0001",
    item_org="上海市浦东新区不动产登记中心",
    time=datetime(2026, 11, 30, 1, 30, tzinfo=UTC),
)


@cache
def app_key() -> sm2.PrivateKey:
    """The application system's key pair, stable within one run."""
    return sm2.PrivateKey.generate()


def app_keys(app_id: str) -> sm2.PublicKey | None:
    """`key_for_application` as the hub passes it: only APP_ID is registered."""
    return app_key().public_key if app_id == APP_ID else None


def render_pages(pdf: bytes, scale: float = 1.0) -> list[Image.Image]:
    """Every page rendered to RGB pixels by PDFium (pypdfium2): poppler's pdftoppm is not a
    dependency of the project, PDFium ships inside its wheel."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[i].render(scale=scale).to_pil().convert("RGB") for i in range(len(document))]
    finally:
        document.close()


def is_watermark_colour(pixel: tuple[int, int, int]) -> bool:
    """The watermark's semi-transparent red over white (or over black text: still redder)."""
    r, g, b = pixel
    return r > 150 and r - g > 25 and r - b > 25
