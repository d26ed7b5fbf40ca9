"""The governance home page in headless Chromium (Debian's chromium package) at 1024 px.

Screenshots of each administrator's home page and of the charts are kept under
``var/screenshots/`` (git-ignored) as artifacts of the run.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import DeliveryState
from scenarios.models import Decision
from scenarios.services import decide
from trust.models import Region

from ..catalog.factories import PublishedEntryFactory
from ..dashboard.factories import call, delivery, superuser
from ..scenarios.factories import PASSWORD, four_admins, propose
from .test_four_region_confirmation import browser  # noqa: F401 - the Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
VIEWPORT = {"width": 1024, "height": 768}


def open_home(chromium, base_url: str, username: str):
    context = chromium.new_context(locale="zh-CN", viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#dashboard-home")
    return context, page


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_fits(page) -> None:
    """No horizontal scrolling, and every status column and light is inside the 1024 px viewport."""
    scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll[0] <= scroll[1], f"the page scrolls horizontally: {scroll}"
    boxes = page.locator(".dashboard-table th.col-status, .dashboard-table .light, .dashboard-number")
    assert boxes.count() > 0
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"], (i, box)


def assert_links_open(page, base_url: str) -> int:
    """Follow every link of the page with the logged-in session: none answers 403, 404 or 500."""
    hrefs = set(page.eval_on_selector_all("a[href^='/']", "links => links.map(a => a.getAttribute('href'))"))
    hrefs.discard("/admin/logout/")
    for href in sorted(hrefs):
        response = page.request.get(f"{base_url}{href}")
        assert response.status not in (403, 404, 500), (href, response.status)
    return len(hrefs)


@pytest.fixture
def registered():
    """SH registers a list; ZJ rejected one SH registered earlier; a delivery waits; calls were made."""
    admins = four_admins()
    regions = {r.code: r for r in Region.objects.all()}
    earlier = propose("WEB-H0", [PublishedEntryFactory(type_name="营业执照")], by="SH", name="早先的清单")
    decide(
        earlier,
        actor=admins["ZJ"],
        region=regions["ZJ"],
        revision=1,
        decision=Decision.REJECTED,
        reason="本地区暂无此办事场景",
    )
    propose("WEB-H1", [PublishedEntryFactory(type_name="食品经营许可证")], by="SH", name="餐饮店开办")
    delivery(
        regions["JS"],
        state=DeliveryState.FAILED,
        age=timedelta(hours=2),
        error="连接被拒绝：长时间的错误说明" * 4,
    )
    now = timezone.now()
    for i in range(20):
        call(to="SH", latency_ms=15.0 + i, at=now - timedelta(minutes=i))
        call(
            to="region-js", error="timeout" if i % 2 else "", latency_ms=3000.0, at=now - timedelta(minutes=i)
        )
    return admins


def test_each_administrators_home_page_after_a_registration(browser, live_server, registered):  # noqa: F811
    for code in ("SH", "JS", "ZJ", "AH"):
        context, page = open_home(browser, live_server.url, f"admin_{code.lower()}")
        try:
            region = Region.objects.get(code=code)
            assert region.name in page.inner_text("#dashboard-scope")
            row = page.locator("#waiting tr[data-code='WEB-H1']")
            assert row.count() == 1, code
            text = row.inner_text()
            assert "上海市" in text  # the registering region
            # The registering region decides too (9 a); its own registration is marked as such.
            assert ("本地区登记" in text) == (code == "SH"), code
            rejected = page.locator("#rejected tr[data-code='WEB-H0']")
            assert rejected.count() == (1 if code == "SH" else 0), code
            if code == "SH":
                assert "浙江省" in rejected.inner_text() and "本地区暂无此办事场景" in rejected.inner_text()
            assert page.locator("#deliveries tr[data-region]").count() == 1
            assert page.locator(f"#health tr[data-region='{code}']").count() == 1
            assert page.locator("#all-functions").is_visible()  # the app list stays reachable
            assert_fits(page)
            assert assert_links_open(page, live_server.url) >= 5
            shot(page, f"home_{code.lower()}")
        finally:
            context.close()


def test_a_superuser_sees_every_region_and_the_charts(browser, live_server, registered):  # noqa: F811
    superuser("root_web")
    context, page = open_home(browser, live_server.url, "root_web")
    try:
        assert page.locator("#deliveries tr[data-region]").count() == 4
        js = page.locator("#health tr[data-region='JS']").inner_text()
        assert "异常" in js and "50.0%" in js
        assert "需处理" in page.locator("#deliveries tr[data-region='JS']").inner_text()
        assert_fits(page)
        assert_links_open(page, live_server.url)
        shot(page, "home_superuser")
        page.click("#charts-link")
        page.wait_for_selector("#chart-refusals")
        assert page.locator("svg.dashboard-chart").count() == 3
        scroll = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll[0] <= scroll[1]
        assert_links_open(page, live_server.url)
        shot(page, "charts_superuser")
    finally:
        context.close()
