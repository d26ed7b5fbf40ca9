"""The words of a notice: short enough for an SMS, masked numbers, the parts the holder needs."""

import datetime as dt

from notices.models import NoticeKind
from notices.text import MAX_LENGTH, Listed, compose
from sharing.holders import mask_face_number

from ..trust.holders import resident_id

ID = resident_id()
AT = dt.datetime(2026, 11, 30, 6, 3, 59, tzinfo=dt.UTC)  # 14:03 in Shanghai


def _compose(**overrides):
    values = {
        "kind": NoticeKind.INFO_BY_ID,
        "listed": [Listed("居民身份证", mask_face_number(ID))],
        "at": AT,
        "application_name": "上海市徐汇区政务服务中心综合窗口",
        "operator": "张三",
        "scenario_name": "户籍迁移用证清单",
        "biz_num": "BIZ-2026-0001",
        "contact": "12345政务服务便民热线",
        **overrides,
    }
    return compose(**values)


def test_the_notice_reads_as_one_sentence_in_shanghai_time():
    assert _compose() == (
        f"【长三角电子证照】您的居民身份证（证号{mask_face_number(ID)}）于2026-11-30 14:03被"
        "上海市徐汇区政务服务中心综合窗口（经办人张三）在“户籍迁移用证清单”中调取证照信息，"
        "业务编号BIZ-2026-0001。如非本人授权，请联系12345政务服务便民热线。"
    )
    assert ID not in _compose()


def test_many_certificates_are_counted_not_listed():
    listed = [Listed(f"证照{i}", f"NO{i}******{i}") for i in range(7)]
    text = _compose(listed=listed)
    assert "证照0" in text and "证照1" in text and "证照2" not in text
    assert "等7份证照" in text


def test_the_longest_parts_stay_within_an_sms_bound():
    text = _compose(
        kind=NoticeKind.SERVICE_CODE,
        listed=[Listed("很长的证照类型名称" * 5, "X" * 60) for _ in range(30)],
        application_name="应用" * 100,
        operator="经办" * 40,
        scenario_name="清单" * 100,
        biz_num="B" * 64,
        contact="联系" * 50,
    )
    assert len(text) <= MAX_LENGTH
    assert text.endswith("。") and "如非本人授权" in text and "等30份证照" in text


def test_missing_parts_leave_no_empty_brackets():
    text = _compose(operator="", scenario_name="", biz_num="")
    assert "经办人" not in text and "“”" not in text and "业务编号" not in text
    assert "被上海市徐汇区政务服务中心综合窗口调取证照信息。" in text
