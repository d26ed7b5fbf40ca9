"""The region administrators' pages in headless Chromium (Debian's chromium): diffs, notices, layout, links.

Screenshots of the pages walked are kept under ``var/test-artifacts/browser/`` (not committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.models import PublicationDelivery
from notifications.models import Notification
from scenarios import services

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..scenarios.factories import PASSWORD, confirm, four_admins, propose
from .test_four_region_confirmation import browser  # noqa: F401 - the Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "browser"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def logged_in(browser, base_url: str, username: str, *, width: int = 1280, height: int = 900):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    return context, page


def in_view(page, selector: str, width: int) -> bool:
    """The first element of ``selector`` lies inside the viewport's width and is not covered by another."""
    # Scrolled to vertically only: a column pushed off to the right must not be scrolled back.
    page.eval_on_selector(selector, "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 100)")
    box = page.locator(selector).first.bounding_box()
    if box is None or box["x"] < 0 or box["x"] + box["width"] > width:
        return False
    return page.eval_on_selector(selector, """e => {
        const r = e.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit !== null && e.contains(hit);
    }""")


def overlaps(a: dict, b: dict) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_the_diff_after_an_edit_in_the_browser(browser, live_server):  # noqa: F811
    admins = four_admins()
    identity = PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(901))
    licence = PublishedEntryFactory(type_name="营业执照", type_code=gb_type_code(902))
    scenario = propose("WEB-DIFF", [identity], by="SH", name="跨省开办")
    confirm(scenario, "JS")
    scenario.refresh_from_db()
    services.edit_list(scenario, actor=admins["ZJ"], name="跨省开办（含营业执照）", entries=[identity, licence],
                       valid_start=scenario.valid_start, valid_end=None, reason="补充营业执照")
    context, page = logged_in(browser, live_server.url, "admin_js")
    try:
        page.goto(f"{live_server.url}/admin/scenarios/scenariolist/?awaiting=mine")
        page.click("text=WEB-DIFF")
        page.click("#decide-link")
        diff = page.locator("#revision-diff")
        assert "第 2 版相对江苏省上次确认的第 1 版的变化" in diff.inner_text()
        assert page.locator("#revision-diff del").first.inner_text() == "跨省开办"
        assert page.locator("#revision-diff ins").first.inner_text() == "跨省开办（含营业执照）"
        assert "营业执照" in page.locator("#revision-diff li.added").inner_text()
        # Highlighted: the added entry has its own background colour.
        colour = page.eval_on_selector("#revision-diff li.added", "e => getComputedStyle(e).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        assert "补充营业执照" in page.locator("#revision-edits").inner_text()
        shot(page, "decide-diff")
        page.check("input[name=decision][value=confirmed]")
        page.click("#submit-decision")
        page.wait_for_selector("#region-states")
        page.click("#decision-link")
        assert "江苏省已对第 2 版作出决定：确认" in page.locator("#my-decision").inner_text()
        assert page.locator("#decision-form").count() == 0
    finally:
        context.close()


def test_a_notification_received_and_read(browser, live_server):  # noqa: F811
    four_admins()
    propose("WEB-NOTE", [PublishedEntryFactory(type_name="结婚证", type_code=gb_type_code(903))], by="SH")
    assert Notification.objects.filter(recipient__username="admin_ah", read_at__isnull=True).count() == 1
    context, page = logged_in(browser, live_server.url, "admin_ah")
    try:
        page.goto(f"{live_server.url}/admin/notifications/notification/")
        assert "我的通知（1 条未读）" in page.inner_text("#content")
        shot(page, "inbox-unread")
        page.click("text=第 1 版待本地区确认")
        page.wait_for_selector("#region-states")  # the list the notice is about
        assert "/admin/scenarios/scenariolist/" in page.url
        page.goto(f"{live_server.url}/admin/notifications/notification/")
        assert "我的通知（无未读）" in page.inner_text("#content")
        shot(page, "inbox-read")
    finally:
        context.close()
    assert Notification.objects.get(recipient__username="admin_ah").read_at is not None


def test_at_1024_px_the_status_columns_stay_in_view(browser, live_server):  # noqa: F811
    four_admins()
    entry = PublishedEntryFactory(type_name="不动产权证书（长名称用于检验换行）", type_code=gb_type_code(904))
    for n in range(3):
        propose(f"WEB-W{n}", [entry], by="SH", name=f"一个相当长的用证清单名称，用于检验窄屏下的布局 {n}")
    assert PublicationDelivery.objects.exists()  # the catalog entry's deliveries
    context, page = logged_in(browser, live_server.url, "admin_sh", width=1024, height=768)
    try:
        page.goto(f"{live_server.url}/admin/scenarios/scenariolist/")
        shot(page, "scenario-list-1024")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024  # no sideways scrolling of the page
        assert in_view(page, "td.field-regions_at_a_glance", 1024)
        assert in_view(page, "td.field-status_badge", 1024)
        lead = page.locator("p.ysj-lead").bounding_box()
        for tool in page.locator(".object-tools a").all():
            assert not overlaps(lead, tool.bounding_box())
        page.goto(f"{live_server.url}/admin/catalog/publicationdelivery/")
        shot(page, "deliveries-1024")
        assert in_view(page, "td.field-state_badge", 1024)
    finally:
        context.close()


def test_no_link_on_the_pages_walked_answers_403_or_404(browser, live_server):  # noqa: F811
    admins = four_admins()
    entry = PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(905))
    scenario = propose("WEB-LINK", [entry], by="JS")
    confirm(scenario, "SH")
    live = propose("WEB-LIVE", [entry], by="SH")
    confirm(live, "SH", "JS", "ZJ", "AH")
    services.withdraw_list(live, actor=admins["ZJ"], reason="事项调整")
    context, page = logged_in(browser, live_server.url, "admin_sh")
    walked = [
        "/admin/",
        "/admin/scenarios/scenariolist/",
        f"/admin/scenarios/scenariolist/{scenario.pk}/change/",
        f"/admin/scenarios/scenariolist/{scenario.pk}/history/",
        f"/admin/scenarios/scenariolist/{live.pk}/change/",
        f"/admin/scenarios/scenariolist/{live.pk}/decide/",
        "/admin/scenarios/regionadministrator/",
        "/admin/catalog/catalogentry/",
        "/admin/catalog/publication/",
        "/admin/catalog/publicationdelivery/",
        "/admin/notifications/notification/",
    ]
    bad = []
    try:
        for path in walked:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            shot(page, "walk-" + path.strip("/").replace("/", "-"))
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            for href in sorted(set(hrefs)):
                if not href.startswith(f"{live_server.url}/admin/") or "logout" in href:
                    continue
                answer = page.request.get(href, max_redirects=0)
                if answer.status in (403, 404):
                    bad.append((path, href, answer.status))
    finally:
        context.close()
    assert bad == []
