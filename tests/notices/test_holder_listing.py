"""POST /api/v1/holders/notices: a holder's notices through an application, newest first, paged."""

import pytest

from notices.models import HolderNotice
from regional_node.demo import DEMO_PERSON

from .factories import STRANGER_ID, holder_token, notices_call

pytestmark = pytest.mark.django_db(transaction=True)

INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
FILE_BY_HOLDER = "/api/v1/certificates/file/by-holder"


def _two_hand_outs(app):
    assert app.by_holder(INFO_BY_HOLDER, bizNum="BIZ-1").ok
    assert app.by_holder(FILE_BY_HOLDER, bizNum="BIZ-2", fileFormat="PDF").ok


def test_the_holder_sees_their_notices_newest_first(app):
    _two_hand_outs(app)
    response = notices_call(app, app.session.trusted_token)
    assert response.ok, response.message
    assert response.data["total"] == 2
    assert [n["bizNum"] for n in response.data["dataList"]] == ["BIZ-2", "BIZ-1"]
    newest = response.data["dataList"][0]
    stored = HolderNotice.objects.order_by("-id").first()
    assert newest["noticeText"] == stored.text
    assert newest["appId"] == "app-sharing" and newest["operator"] == "王五" and newest["itemCode"] == "SC-ALL"
    assert newest["relayingRegion"] == ""
    assert {c["regionCode"] for c in newest["certificates"]} == {"SH", "JS", "ZJ", "AH"}
    assert all(DEMO_PERSON.code not in c["certificateNumber"] for c in newest["certificates"])


def test_another_application_lists_the_same_holders_notices(app, other_app):
    _two_hand_outs(app)
    response = notices_call(other_app, other_app.session.trusted_token)
    assert response.ok, response.message
    assert response.data["total"] == 2
    assert {n["appId"] for n in response.data["dataList"]} == {"app-sharing"}


def test_another_holders_token_sees_none(app):
    _two_hand_outs(app)
    stranger = holder_token(app, code=STRANGER_ID, name="李四")
    response = notices_call(app, stranger)
    assert response.ok, response.message
    assert response.data == {"total": 0, "pageNum": 1, "pageSize": 10, "dataList": []}


def test_paging_is_bounded(app):
    _two_hand_outs(app)
    first = notices_call(app, app.session.trusted_token, pageSize=1)
    second = notices_call(app, app.session.trusted_token, pageSize=1, pageNum=2)
    beyond = notices_call(app, app.session.trusted_token, pageSize=1, pageNum=3)
    assert [r.data["total"] for r in (first, second, beyond)] == [2, 2, 2]
    assert [n["bizNum"] for r in (first, second, beyond) for n in r.data["dataList"]] == ["BIZ-2", "BIZ-1"]
    for bad in ({"pageSize": 51}, {"pageSize": 0}, {"pageNum": 0}, {"pageSize": "many"}):
        refused = notices_call(app, app.session.trusted_token, **bad)
        assert refused.status == "1007", (bad, refused.message)
        assert next(iter(bad)) in refused.message


def test_refusals(app, other_app):
    assert notices_call(app, None).status == "2011"
    assert notices_call(app, "yht_not-a-token").status == "2012"
    # A holder token is bound to the application it was issued to.
    assert notices_call(other_app, app.session.trusted_token).status == "2015"
    # A list the application is not associated with.
    assert notices_call(app, app.session.trusted_token, item_code="SC-NONE").status.startswith("3")


def test_the_holders_permission_decides(app):
    _two_hand_outs(app)
    # A token allowing search (what a listing tells: which certificates exist, where they were used).
    assert notices_call(app, holder_token(app, permission="search")).data["total"] == 2
    # A token narrowed to obtaining files or information does not open the holder's history.
    for permission in ("file", "info", "file,info"):
        refused = notices_call(app, holder_token(app, permission=permission))
        assert refused.status == "2016", (permission, refused.message)
    # Lists named in the permission hold for the listing's own itemCode too.
    assert notices_call(app, holder_token(app, permission="SC-ID")).status == "2016"
    assert notices_call(app, holder_token(app, permission="SC-ID"), item_code="SC-ID").ok
