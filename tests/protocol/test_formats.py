"""One documented form for each value the hub answers: times, certificate dates, holder code types."""

from __future__ import annotations

import datetime as dt

import pytest

from ysj_protocol import profile
from ysj_protocol.identifiers import resident_id_check_char, uscc_check_char
from ysj_protocol.profile import (
    Garbage,
    format_time,
    holder_code_type,
    info_item,
    normalise_date,
    search_items,
)

ID_CARD = "11010119900307451" + resident_id_check_char("11010119900307451")
USCC = "91310000MA1FL0000" + uscc_check_char("91310000MA1FL0000")


# ------------------------------------------------------------------ times
def test_times_are_shanghai_wall_time_to_the_second_whatever_the_zone_given():
    utc = dt.datetime(2026, 1, 31, 16, 30, 5, 999_999, tzinfo=dt.UTC)
    assert format_time(utc) == "2026-02-01 00:30:05"
    new_york = utc.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert format_time(new_york) == "2026-02-01 00:30:05"
    assert format_time(dt.datetime(2026, 2, 1, 0, 30, 5)) == "2026-02-01 00:30:05"  # naive: already Shanghai
    assert format_time(None) == ""


def test_the_hubs_time_helpers_use_the_profiles_form(settings):
    from catalog.payloads import format_time as catalog_time
    from trust.services import format_time as trust_time

    settings.TIME_ZONE = "UTC"  # a server configured otherwise still answers Shanghai time
    moment = dt.datetime(2026, 6, 30, 20, 0, 0, tzinfo=dt.UTC)
    assert catalog_time(moment) == trust_time(moment) == "2026-07-01 04:00:00"


# ------------------------------------------------------------------ dates
@pytest.mark.parametrize(
    "sent",
    [
        "2020-01-02",
        "2020/01/02",
        "2020/1/2",
        "2020.01.02",
        "20200102",
        "2020年1月2日",
        "2020-01-02T00:00:00",
        "2020-01-02T00:00:00.000",
        "2020-01-02 00:00:00",
        "2020/01/02 09:15:00",
        "2020-01-02T00:00:00+08:00",
        "2020-01-01T16:00:00Z",  # midnight in Shanghai
        " 2020-01-02 ",
    ],
)
def test_a_regions_date_is_answered_as_yyyy_mm_dd(sent):
    assert normalise_date(sent) == "2020-01-02"


@pytest.mark.parametrize("sent", ["2020-13-01", "2020-02-30", "01/02/2020", "yesterday", "2020-01"])
def test_a_date_that_cannot_be_read_makes_the_answer_garbage(sent):
    with pytest.raises(Garbage, match="日期"):
        normalise_date(sent)


def _search_entry(**overrides: str) -> dict[str, str]:
    return {
        "certificateRef": "ref-1",
        "certificateType": "居民身份证",
        "certificateTypeCode": "111",
        "issueDept": "上海市公安局",
        "certificateNumber": "N-1",
        "issueDate": "2020-01-02",
        **overrides,
    }


def test_search_entries_carry_normalised_issue_dates():
    items = search_items({"dataList": [_search_entry(issueDate="20200102"), _search_entry(issueDate="2021/3/4")]})
    assert [item["issueDate"] for item in items] == ["2020-01-02", "2021-03-04"]
    with pytest.raises(Garbage):
        search_items({"dataList": [_search_entry(), _search_entry(issueDate="not a date")]})


def _info(**overrides: str) -> dict[str, object]:
    return {
        "certificateType": "居民身份证",
        "certificateTypeCode": "111",
        "certificateHolder": "张伟",
        "certificateHolderCode": ID_CARD,
        "certificateHolderType": "身份证",
        "issueDept": "上海市公安局",
        "certificateNumber": "N-1",
        "issueDate": "2020-01-02",
        "certificateValidateStart": "2020-01-02",
        "certificateValidateEnd": "2040-01-02",
        "surface": {},
        **overrides,
    }


def test_info_dates_are_normalised_and_an_open_end_is_empty():
    item = info_item(
        _info(
            issueDate="2020/01/02",
            certificateValidateStart="20200102",
            certificateValidateEnd="2040-01-02T00:00:00",
        )
    )
    assert (item["issueDate"], item["certificateValidateStart"], item["certificateValidateEnd"]) == (
        "2020-01-02",
        "2020-01-02",
        "2040-01-02",
    )
    for open_end in ("长期", "长期有效", "", "9999-12-31"):
        assert info_item(_info(certificateValidateEnd=open_end))["certificateValidateEnd"] == ""
    with pytest.raises(Garbage):
        info_item(_info(certificateValidateStart="02.01.2020"))


# ------------------------------------------------------------------ holder code types
@pytest.mark.parametrize("sent", ["身份证", "居民身份证", "公民身份号码", "身份证号码", "111", "1", "ID_CARD", " idcard "])
def test_region_variants_of_the_identity_card_are_one_value(sent):
    assert holder_code_type(sent, ID_CARD) == profile.HolderCodeType.ID_CARD == "身份证"
    assert info_item(_info(certificateHolderType=sent))["certificateHolderType"] == "身份证"


@pytest.mark.parametrize("sent", ["统一社会信用代码", "社会信用代码", "统一代码", "001", "USCC"])
def test_region_variants_of_the_credit_code_are_one_value(sent):
    assert holder_code_type(sent, USCC) == "统一社会信用代码"


def test_an_unknown_holder_code_type_is_decided_by_the_code_or_refused():
    assert holder_code_type("证件号", ID_CARD) == "身份证"
    assert holder_code_type("", USCC) == "统一社会信用代码"
    with pytest.raises(Garbage, match="certificateHolderType"):
        holder_code_type("护照", "E12345678")
    with pytest.raises(Garbage):
        info_item(_info(certificateHolderType="护照", certificateHolderCode="E12345678"))
