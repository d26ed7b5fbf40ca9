"""/holder/notices/: a holder presents a service code and reads their notices, on a phone, in Chinese."""

import logging
import re

import pytest
from django.test import Client

from notices.models import HolderNotice, PresentedServiceCode
from regional_node.demo import DEMO_PERSON, certificates_of
from sharing.holders import mask_face_number

from ..sharing.conftest import audit
from .factories import expired_service_code, forged, node_service_code

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/holder/notices/"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"


def _browser() -> Client:
    return Client(enforce_csrf_checks=True)


def _present(browser: Client, code: str):
    form = browser.get(PAGE)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode()).group(1)
    return browser.post(PAGE, {"code": code, "csrfmiddlewaretoken": token})


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def _no_holder_data(text: str, *codes: str) -> None:
    assert DEMO_PERSON.code not in text
    for code in codes:
        assert code not in text


def test_the_form_is_a_small_chinese_page_without_scripts_or_outside_assets(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    assert "请粘贴政务服务码" in html and "csrfmiddlewaretoken" in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"


def test_a_genuine_code_lists_the_holders_notices_masked_newest_first(app, regional_nodes, logs):
    assert app.by_holder(INFO_BY_HOLDER, bizNum="BIZ-OLD").ok
    assert app.by_holder(INFO_BY_HOLDER, bizNum="BIZ-NEW").ok
    code = node_service_code(regional_nodes["SH"], with_certificates=False)
    response = _present(_browser(), code)
    assert response.status_code == 200
    html = response.content.decode()
    assert "我的电子证照使用记录" in html and "张*" in html
    assert html.index("BIZ-NEW") < html.index("BIZ-OLD")
    licence = next(c for c in certificates_of(DEMO_PERSON, "JS") if c.type_code == "112")
    assert f"机动车驾驶证（证号 {mask_face_number(licence.number)}）" in html
    assert licence.number not in html
    assert app.session.application.name in html and "王五" in html and "江苏" in html
    _no_holder_data(html, code)
    _no_holder_data(logs.text, code)
    assert PresentedServiceCode.objects.count() == 1


def test_a_holder_without_notices_is_told_so(live_regions, regional_nodes):
    response = _present(_browser(), node_service_code(regional_nodes["SH"], with_certificates=False))
    assert response.status_code == 200
    assert "暂无您的电子证照被调取的记录" in response.content.decode()


@pytest.mark.parametrize(
    ("make", "status", "message"),
    [
        (lambda nodes: forged(node_service_code(nodes["SH"])), 400, "未能通过签名验证"),
        (lambda nodes: expired_service_code("SH"), 400, "已过期"),
        (lambda nodes: "https://example.com/not-a-code", 400, "无法识别该政务服务码"),
    ],
    ids=["forged", "expired", "not-a-code"],
)
def test_a_bad_code_is_refused_in_chinese(app, regional_nodes, logs, make, status, message):
    assert app.by_holder(INFO_BY_HOLDER).ok
    code = make(regional_nodes)
    response = _present(_browser(), code)
    assert response.status_code == status
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert "BIZ-2024-0001" not in html and "机动车驾驶证" not in html
    _no_holder_data(html, code)
    # The refusal is logged by its reason only: the log is there, and holds nothing of the holder.
    assert any(record.getMessage().startswith("holder page refused") for record in logs.records)
    _no_holder_data(logs.text, code)
    assert not PresentedServiceCode.objects.exists()


def test_a_code_shows_the_notices_once(live_regions, regional_nodes):
    code = node_service_code(regional_nodes["SH"], with_certificates=False)
    assert _present(_browser(), code).status_code == 200
    again = _present(_browser(), code)
    assert again.status_code == 409
    assert "已使用过" in again.content.decode()


def test_a_code_used_at_a_counter_does_not_open_the_page(app, regional_nodes):
    code = node_service_code(regional_nodes["JS"])
    assert app.call("/api/v1/trust/service-codes/verify", audit(qrCode=code)).ok
    response = _present(_browser(), code)
    assert response.status_code == 409
    assert HolderNotice.objects.count() == 1
    assert "机动车驾驶证" not in response.content.decode()


def test_the_form_needs_its_csrf_token(live_regions, regional_nodes):
    response = _browser().post(PAGE, {"code": node_service_code(regional_nodes["SH"])})
    assert response.status_code == 403
    assert not PresentedServiceCode.objects.exists()


def test_attempts_are_limited_per_address(live_regions, settings):
    settings.YSJ_NOTICE_PAGE_ATTEMPTS = 2
    browser = _browser()
    assert [_present(browser, "not-a-code").status_code for _ in range(2)] == [400, 400]
    refused = _present(browser, "not-a-code")
    assert refused.status_code == 429
    assert "尝试次数过多" in refused.content.decode()
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post(PAGE, {"code": "not-a-code"}).status_code == 400


def test_an_empty_form_is_told_what_is_missing(client):
    response = client.post(PAGE, {"code": ""})
    assert response.status_code == 400
    assert "请粘贴政务服务码" in response.content.decode()
