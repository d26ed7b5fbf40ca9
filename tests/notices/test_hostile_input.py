"""Hostile input at the holder's notices: the envelope call (``/api/v1/holders/notices``) and the page.

The call: every bad parameter is a documented ``head.status`` (``ENDPOINT_STATUSES``) with its
Chinese message, never 9999, and nothing is written but the call's own record. The page: every
bad request is a 4xx in Chinese, never a 500, and nothing of the holder is written.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from notices.models import HolderNotice, PresentedServiceCode
from trust.envelope.schema import endpoint_statuses
from trust.models import EnvelopeCall
from ysj_protocol import envelope
from ysj_protocol import status as st
from ysj_protocol.service_code import MAX_LENGTH

from ..keys import hub_key, key_for
from ..trust.factories import access_token, holder_token, registered_app

NOTICES = "/api/v1/holders/notices"
PAGE = "/holder/notices/"
JSON_TYPE = "application/json; charset=utf-8"
AUDIT = {
    "useFor": "办理业务",
    "itemName": "测试事项",
    "itemCode": "SC-1",
    "itemOrg": "测试单位",
    "operator": "李四",
    "bizNum": "BIZ-1",
}


def is_chinese(message: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in message)


@pytest.fixture
def caller(db):
    application, _ = registered_app("app-notices-hostile")
    return application, access_token(application), holder_token(application)


def notices_call(caller, params: object) -> envelope.OpenedResponse:
    application, token, _ = caller
    body = {
        "head": {"accountId": application.app_id, "accessToken": token},
        "encryptData": envelope.encrypt_text(hub_key().public_key, json.dumps(params).encode()),
    }
    response = Client(raise_request_exception=False).post(
        NOTICES, data=json.dumps(body), content_type=JSON_TYPE
    )
    assert response.status_code == 200, response.content[:300]
    return envelope.open_response(response.json(), key_for(application.app_id))


#: Changes to an otherwise well-formed listing request, each one a parameter no table allows.
HOSTILE = {
    "pageNum-text": {"pageNum": "1"},
    "pageNum-unicode-digits": {"pageNum": "１２"},
    "pageNum-true": {"pageNum": True},
    "pageNum-float": {"pageNum": 1.5},
    "pageNum-float-whole": {"pageNum": 2.0},
    "pageNum-negative": {"pageNum": -1},
    "pageNum-10**30": {"pageNum": 10**30},
    "pageNum-null": {"pageNum": None},
    "pageSize-1e3": {"pageSize": "1e3"},
    "pageSize-hex": {"pageSize": "0x10"},
    "pageSize-400-nines": {"pageSize": int("9" * 400)},
    "pageSize-array": {"pageSize": [10]},
    "pageSize-nested-arrays": {"pageSize": [[[[10]]]]},
    "trustedToken-array": {"trustedToken": ["yht_x"]},
    "trustedToken-object": {"trustedToken": {"token": "yht_x"}},
    "operator-nested-arrays": {"operator": [[["李四"]]]},
    "bizNum-too-long": {"bizNum": "9" * 400},
    "useFor-missing": {"useFor": None},
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_listing_parameters_are_1007(caller, name) -> None:
    params = {**AUDIT, "trustedToken": caller[2], **HOSTILE[name]}
    calls, notices = EnvelopeCall.objects.count(), HolderNotice.objects.count()
    answer = notices_call(caller, params)
    assert answer.status in {s.code for s in endpoint_statuses(NOTICES)}, (answer.status, answer.message)
    if name == "pageSize-400-nines":  # refused by the JSON reader, before any field: 1006
        assert answer.status == st.BAD_PLAINTEXT.code and "64 位" in answer.message, answer.message
    else:
        assert answer.status == st.INVALID_PARAMETERS.code, (answer.status, answer.message)
        assert answer.message.startswith(st.INVALID_PARAMETERS.message)
        assert next(iter(HOSTILE[name])) in answer.message, answer.message
    assert is_chinese(answer.message)
    assert EnvelopeCall.objects.count() == calls + 1  # the refusal's own record (8.5), nothing else
    assert HolderNotice.objects.count() == notices


@pytest.mark.parametrize("params", [[AUDIT], "pageNum=1", 12, None])
def test_parameters_that_are_no_object_are_refused(caller, params) -> None:
    answer = notices_call(caller, params)
    assert answer.status in (st.BAD_PLAINTEXT.code, st.INVALID_PARAMETERS.code), (
        answer.status,
        answer.message,
    )
    assert is_chinese(answer.message)


def test_a_token_sent_as_a_number_is_an_invalid_token(caller) -> None:
    """JSON text is what a token is: a number is read as its digits and found to be no token (2012)."""
    answer = notices_call(caller, {**AUDIT, "trustedToken": 123456})
    assert answer.status in (st.HOLDER_TOKEN_INVALID.code, st.INVALID_PARAMETERS.code), answer.message
    assert answer.status in {s.code for s in endpoint_statuses(NOTICES)}


# ---------------------------------------------------------------- the holder page
def _csrf(browser: Client) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(PAGE).content.decode()).group(
        1
    )


@pytest.fixture
def browser(db) -> Client:
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


def _refused(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    text = response.content.decode()
    assert is_chinese(text), text[:300]
    return text


@pytest.mark.parametrize(
    "code",
    ["", " ", "\x00", "1\x00", "x" * (MAX_LENGTH + 1), "１２", "9" * 400, "-1", "0x10", "\r\n", "ysj:" * 5],
)
def test_the_page_refuses_codes_that_are_none_in_chinese(browser, code) -> None:
    token = _csrf(browser)
    response = browser.post(PAGE, {"code": code, "csrfmiddlewaretoken": token})
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert is_chinese(response.content.decode())
    assert PresentedServiceCode.objects.count() == 0


def test_the_page_refuses_invalid_utf8_and_an_enormous_body(browser, settings) -> None:
    token = _csrf(browser)
    body = b"csrfmiddlewaretoken=" + token.encode() + b"&code=%ff%fe%c3%28"
    response = browser.post(PAGE, data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert is_chinese(response.content.decode())
    body = (
        b"csrfmiddlewaretoken="
        + token.encode()
        + b"&code="
        + b"A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    )
    response = browser.post(PAGE, data=body, content_type="application/x-www-form-urlencoded")
    _refused(response, 400)
    assert PresentedServiceCode.objects.count() == 0


def test_the_page_without_its_form_token_is_403_in_chinese(browser) -> None:
    _refused(browser.post(PAGE, {"code": "x"}), 403)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_on_the_page_are_refused_in_chinese(browser, method) -> None:
    send = getattr(browser, method)
    # An outsider without the form's token is stopped by it (403); with it, by the method (405).
    _refused(send(PAGE, data="code=x", content_type="application/x-www-form-urlencoded"), 403)
    token = _csrf(browser)
    response = send(
        PAGE, data="code=x", content_type="application/x-www-form-urlencoded", HTTP_X_CSRFTOKEN=token
    )
    _refused(response, 405)
    assert response["Allow"] == "GET, POST"


def test_repeated_codes_take_none_of_them(browser) -> None:
    token = _csrf(browser)
    response = browser.post(
        PAGE,
        data=f"csrfmiddlewaretoken={token}&code=a&code=b",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400 and is_chinese(response.content.decode())
    assert PresentedServiceCode.objects.count() == 0


def test_query_parameters_on_the_form_change_nothing(browser) -> None:
    response = browser.get(PAGE, {"code": "9" * 400, "page": "-1"})
    assert response.status_code == 200 and "9" * 400 not in response.content.decode()
