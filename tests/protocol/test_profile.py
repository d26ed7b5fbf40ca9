"""The hub-region profile (docs/region-protocol.md) as ysj_protocol.profile writes it, pinned.

The signing bytes are checked against a byte string written out by hand from the documented rule
("UTF-8 JSON of the other fields with sorted keys and no white space"), never against a second
call of the function; the hub's signer and the node's verifier are both held to those bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from ysj_protocol import profile
from ysj_protocol import status as st
from ysj_protocol.client import StatusError
from ysj_protocol.crypto import sm2

from ..keys import hub_key, key_for

REPO = Path(__file__).resolve().parents[2]
PUBLICATION_ID = "5f0c2a4e-8d1b-4c7a-9e3f-1a2b3c4d5e6f"
PAYLOAD = {
    "certificateTypeCode": "P-PROFILE-1",
    "certificateType": "居民身份证",
    "shareStart": "2024-01-01 00:00:00",
    "shareEnd": "",
}
MESSAGE: dict[str, Any] = {
    "publicationId": PUBLICATION_ID,
    "sequence": 7,
    "kind": "catalog",
    "action": "update",
    "code": "P-PROFILE-1",
    "publishedAt": "2025-03-01 09:30:00",
    "payload": PAYLOAD,
}
#: By hand: keys sorted at every level ("publicationId" < "publishedAt", "certificateType" <
#: "certificateTypeCode"), no white space between tokens, non-ASCII characters as UTF-8.
EXPECTED = (
    '{"action":"update","code":"P-PROFILE-1","kind":"catalog",'
    '"payload":{"certificateType":"居民身份证","certificateTypeCode":"P-PROFILE-1","shareEnd":"",'
    '"shareStart":"2024-01-01 00:00:00"},'
    '"publicationId":"5f0c2a4e-8d1b-4c7a-9e3f-1a2b3c4d5e6f","publishedAt":"2025-03-01 09:30:00","sequence":7}'
).encode()


# --------------------------------------------------------------------------- signing bytes
def test_signing_bytes_are_the_documented_canonical_json():
    assert profile.signing_bytes(MESSAGE) == EXPECTED


def test_signing_bytes_ignore_the_signature_and_the_order_fields_come_in():
    shuffled = {"signature": "AB" * 64, **dict(reversed(list(MESSAGE.items())))}
    assert profile.signing_bytes(shuffled) == EXPECTED


def test_the_escaped_spelling_differs_only_in_the_non_ascii_characters():
    escaped = EXPECTED.replace("居民身份证".encode(), rb"\u5c45\u6c11\u8eab\u4efd\u8bc1")
    assert profile.signing_bytes(MESSAGE, ensure_ascii=True) == escaped


def test_a_signature_is_upper_case_hex_over_the_expected_bytes():
    signature = profile.sign_publication(MESSAGE, hub_key())
    assert signature == signature.upper()
    assert sm2.verify(hub_key().public_key, EXPECTED, bytes.fromhex(signature))


def test_the_verifier_accepts_both_spellings_and_refuses_anything_else():
    public = hub_key().public_key
    literal = sm2.sign(hub_key(), EXPECTED).hex()
    escaped = sm2.sign(hub_key(), profile.signing_bytes(MESSAGE, ensure_ascii=True)).hex()
    assert profile.verify_publication(MESSAGE, literal, public)
    assert profile.verify_publication(MESSAGE, escaped, public)
    spaced = json.dumps(MESSAGE, sort_keys=True, ensure_ascii=False).encode("utf-8")
    assert not profile.verify_publication(MESSAGE, sm2.sign(hub_key(), spaced).hex(), public)
    assert not profile.verify_publication({**MESSAGE, "sequence": 8}, literal, public)
    assert not profile.verify_publication(MESSAGE, literal, key_for("not-the-hub").public_key)
    assert not profile.verify_publication(MESSAGE, "not hex", public)
    assert not profile.verify_publication(MESSAGE, "00" * 64, public)


def test_publication_message_lists_the_fields_of_the_profile():
    built = profile.publication_message(
        publication_id=PUBLICATION_ID,
        sequence=7,
        kind="catalog",
        action="update",
        code="P-PROFILE-1",
        published_at="2025-03-01 09:30:00",
        payload=PAYLOAD,
    )
    assert built == MESSAGE
    assert tuple(built) == profile.PUBLICATION_FIELDS


@pytest.mark.django_db
def test_the_hub_signs_the_profile_bytes(monkeypatch):
    from catalog.delivery import build_message
    from catalog.models import Publication, PublicationDelivery

    from ..factories import RegionFactory

    signed: list[bytes] = []
    original = profile.signing_bytes

    def spy(message: Any, **kwargs: Any) -> bytes:
        signed.append(original(message, **kwargs))
        return signed[-1]

    monkeypatch.setattr(profile, "signing_bytes", spy)
    publication = Publication.objects.create(
        id=uuid.UUID(PUBLICATION_ID),
        kind="catalog",
        action="update",
        code="P-PROFILE-1",
        object_id=1,
        payload=PAYLOAD,
        published_at=dt.datetime(2025, 3, 1, 1, 30, tzinfo=dt.UTC),  # 09:30 in Asia/Shanghai
    )
    delivery = PublicationDelivery.objects.create(publication=publication, region=RegionFactory(code="SH"), sequence=7)
    message = build_message(PublicationDelivery.objects.select_related("publication").get(pk=delivery.pk))
    assert signed == [EXPECTED]
    assert {key: value for key, value in message.items() if key != "signature"} == MESSAGE
    assert sm2.verify(hub_key().public_key, EXPECTED, bytes.fromhex(message["signature"]))


def test_the_node_verifies_the_profile_bytes(regional_nodes):
    from ..regional_node.helpers import next_sequence

    node = regional_nodes["SH"]
    sequence, publication_id = next_sequence(node), str(uuid.uuid4())
    message = {**MESSAGE, "sequence": sequence, "publicationId": publication_id}
    expected = EXPECTED.replace(b'"sequence":7}', b'"sequence":%d}' % sequence).replace(
        PUBLICATION_ID.encode(), publication_id.encode()
    )
    spaced = json.dumps(message, sort_keys=True, ensure_ascii=False).encode("utf-8")
    with node.hub_client() as client:
        with pytest.raises(StatusError) as refused:
            client.call(profile.PUBLICATIONS_PATH, {**message, "signature": sm2.sign(hub_key(), spaced).hex()})
        answer = client.call(profile.PUBLICATIONS_PATH, {**message, "signature": sm2.sign(hub_key(), expected).hex()})
    assert refused.value.status == st.INVALID_PARAMETERS.code
    assert answer.data == {"accepted": True, "duplicate": False, "applied": True}


def test_the_node_has_no_canonical_json_of_its_own():
    """Hub and node reach the signing bytes only through the profile: no second canonical form."""
    receiving = (REPO / "regional_node/exchange/services.py").read_text(encoding="utf-8")
    assert "profile.verify_publication(" in receiving
    for folder in ("regional_node/exchange", "catalog"):
        for path in (REPO / folder).rglob("*.py"):
            assert "sort_keys" not in path.read_text(encoding="utf-8"), path


# --------------------------------------------------------------------------- kinds, paths
def test_kinds_and_actions_are_the_wire_values():
    assert [k.value for k in profile.PublicationKind] == ["catalog", "scenario"]
    assert [a.value for a in profile.PublicationAction] == ["publish", "update", "withdraw"]
    assert profile.text_choices(profile.PublicationKind) == [
        ("CATALOG", ("catalog", "证照目录")),
        ("SCENARIO", ("scenario", "用证清单")),
    ]


def test_the_hub_models_store_the_wire_values():
    from catalog.models import PublicationAction, PublicationKind

    assert PublicationKind.choices == [("catalog", "证照目录"), ("scenario", "用证清单")]
    assert PublicationAction.choices == [("publish", "发布"), ("update", "更新"), ("withdraw", "撤回")]
    assert PublicationAction.WITHDRAW == "withdraw"


def test_provider_paths_and_their_routes():
    assert profile.PUBLICATIONS_PATH == "/api/v1/publications"
    assert [profile.route(p) for p in (profile.SEARCH_PATH, profile.INFO_PATH, profile.FILE_PATH, profile.STATUS_PATH)] == [
        "certificates/search",
        "certificates/info",
        "certificates/file",
        "certificates/status",
    ]
    with pytest.raises(ValueError):
        profile.route("/elsewhere/search")


def test_the_type_name_of_the_lower_code_wins():
    assert profile.shared_type_aliases({"B2": "居民身份证", "A1": "居民身份证", "C3": "结婚证"}) == {
        "居民身份证": "A1",
        "结婚证": "C3",
    }


# --------------------------------------------------------------------------- answers
def _entry(**changes: Any) -> dict[str, Any]:
    entry = profile.search_entry(
        ref="R-1",
        type_name="居民身份证",
        type_code="111",
        issue_dept="上海市公安局",
        number="310101199001011234",
        issue_date="2020-01-01",
        status="valid",
    )
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not ...}


def _info(**changes: Any) -> dict[str, Any]:
    info = profile.info_answer(
        ref="R-1",
        type_name="居民身份证",
        type_code="111",
        holder_name="张三",
        holder_code="310101199001011234",
        holder_code_type="身份证",
        issue_dept="上海市公安局",
        number="310101199001011234",
        issue_date="2020-01-01",
        valid_start="2020-01-01",
        valid_end="",
        surface={"address": "上海市"},
        status="valid",
    )
    info.update(changes)
    return {key: value for key, value in info.items() if value is not ...}


def test_what_a_node_writes_the_hub_reads():
    (item,) = profile.search_items(profile.search_answer([_entry()]))
    assert item == _entry()
    assert tuple(item) == (*profile.SEARCH_FIELDS, "status")
    info = profile.info_item(_info())
    assert info == {key: value for key, value in _info().items() if key != "certificateRef"}
    ticket = profile.file_ticket_answer(download_url="http://r/f/t", file_format="PDF", size=3, sm3="A" * 64, expires_in=60)
    assert profile.file_answer(ticket) == {"downloadUrl": "http://r/f/t", "size": 3, "sm3": "a" * 64}
    assert profile.status_of(profile.status_answer("revoked")) == "revoked"


def test_lenient_where_the_profile_is():
    (item,) = profile.search_items({"dataList": [_entry(status=..., certificateNumber=12345)]})
    assert item["status"] == "valid" and item["certificateNumber"] == "12345"
    info = profile.info_item(_info(certificateTypeCode=None, certificateValidateEnd=None, surface=None, status=...))
    assert (info["certificateTypeCode"], info["certificateValidateEnd"], info["surface"], info["status"]) == ("", "", {}, "valid")
    assert profile.file_answer({"downloadUrl": "http://r/f/t"}) == {"downloadUrl": "http://r/f/t", "size": None, "sm3": ""}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"dataList": "nothing"},
        {"dataList": [_entry()] * (profile.MAX_ITEMS + 1)},
        {"dataList": ["R-1"]},
        {"dataList": [_entry(certificateRef=...)]},
        {"dataList": [_entry(issueDept="  ")]},
        {"dataList": [_entry(certificateType=["居民身份证"])]},
        {"dataList": [_entry(certificateNumber=True)]},
        {"dataList": [_entry(issueDept="x" * (profile.MAX_TEXT + 1))]},
        {"dataList": [_entry(status="suspended")]},
        {"dataList": [_entry(), _entry(status="suspended")]},
    ],
)
def test_malformed_search_answers_are_garbage(data):
    with pytest.raises(profile.Garbage):
        profile.search_items(data)


@pytest.mark.parametrize(
    "data",
    [
        _info(certificateHolder=...),
        _info(issueDate=""),
        _info(certificateValidateStart=None),
        _info(surface="照面"),
        _info(surface=42),
        _info(status="gone"),
    ],
)
def test_malformed_info_answers_are_garbage(data):
    with pytest.raises(profile.Garbage):
        profile.info_item(data)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"downloadUrl": ""},
        {"downloadUrl": "http://r/f/t", "size": -1},
        {"downloadUrl": "http://r/f/t", "size": "3"},
        {"downloadUrl": "http://r/f/t", "size": True},
        {"downloadUrl": "http://r/f/t", "sm3": "ab"},
        {"downloadUrl": "http://r/f/t", "sm3": "g" * 64},
    ],
)
def test_malformed_file_answers_are_garbage(data):
    with pytest.raises(profile.Garbage):
        profile.file_answer(data)


@pytest.mark.parametrize("data", [{}, {"status": ""}, {"status": "VALID"}, {"status": "suspended"}, {"status": None}])
def test_malformed_status_answers_are_garbage(data):
    with pytest.raises(profile.Garbage):
        profile.status_of(data)


def test_the_hub_reads_answers_through_the_profile():
    from sharing import answers

    assert answers.search_items is profile.search_items
    assert answers.info_item is profile.info_item
    assert answers.file_answer is profile.file_answer
    assert answers.status_of is profile.status_of
    assert answers.Garbage is profile.Garbage
