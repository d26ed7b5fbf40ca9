"""The four-region confirmation driven in headless Chromium (Debian's chromium package)."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connections

from catalog.models import PublicationDelivery
from scenarios.models import ScenarioList, ScenarioStatus

from ..catalog.factories import PublishedEntryFactory
from ..scenarios.factories import PASSWORD, four_admins, propose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("YSJ_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(monkeypatch):
    if not CHROMIUM:
        pytest.skip("未安装 Chromium（Debian: apt-get install chromium；CI 会安装）")
    playwright_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield instance
        finally:
            instance.close()
            # While Playwright's loop runs in this thread, asgiref keeps the test's database
            # connections apart from the thread's own: close them here, or PostgreSQL refuses to
            # drop the test database at the end of the run ("being accessed by other users").
            connections.close_all()


def act_for_region(browser, base_url: str, username: str, list_code: str, decision: str = "confirmed") -> str:
    """Log in as ``username``, find the list under "waiting for my region", decide; returns the page text."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{base_url}/admin/login/?next=/admin/scenarios/scenariolist/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.click("#awaiting-mine")
        page.click(f"text={list_code}")
        page.click("#decide-link")
        page.check(f"input[name=decision][value={decision}]")
        if decision == "rejected":
            page.fill("#id_reason", "本地区暂无此办事场景")
        page.click("#submit-decision")
        page.wait_for_selector("#region-states")
        return page.inner_text("body")
    finally:
        context.close()


def test_four_regions_confirm_in_the_browser(browser, live_server):
    four_admins()
    scenario = propose("WEB-001", [PublishedEntryFactory(type_name="营业执照")], name="企业开办")
    texts = [act_for_region(browser, live_server.url, f"admin_{code}", "WEB-001") for code in ("sh", "js", "zj")]
    assert "已代表上海市确认第 1 版" in texts[0]
    assert "已代表浙江省确认第 1 版" in texts[2]
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DRAFT  # three of four: not published
    last = act_for_region(browser, live_server.url, "admin_ah", "WEB-001")
    assert "四地均已确认，本清单已发布" in last
    scenario = ScenarioList.objects.get(code="WEB-001")
    assert scenario.status == ScenarioStatus.PUBLISHED
    assert PublicationDelivery.objects.filter(publication__code="WEB-001").count() == 4


def test_a_rejection_in_the_browser_blocks_publication(browser, live_server):
    four_admins()
    propose("WEB-002", [PublishedEntryFactory()], name="测试清单")
    text = act_for_region(browser, live_server.url, "admin_js", "WEB-002", decision="rejected")
    assert "已代表江苏省驳回第 1 版" in text
    assert ScenarioList.objects.get(code="WEB-002").round_state == "rejected"
