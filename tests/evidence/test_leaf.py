"""The canonical leaf encoding: one byte string per entry, decoded strictly."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from evidence import leaf
from evidence.models import EntryKind

from .factories import call_leaf


def test_a_call_leaf_is_sorted_compact_utf8_json_with_a_version() -> None:
    at = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    data = call_leaf(7, at=at, entryId="ab" * 16)
    text = data.decode("utf-8")
    assert " " not in text.replace("李四", "") and "李四" in text  # no spaces, non-ASCII as itself
    value = json.loads(text)
    assert list(value) == sorted(value)
    assert value["v"] == 1 and value["kind"] == "served" and value["at"] == "2026-01-02T11:04:05.678901+08:00"
    assert leaf.decode(data) == value


def test_identical_calls_are_different_leaves() -> None:
    assert call_leaf(1) != call_leaf(1)


def test_columns_follow_the_leaf() -> None:
    columns = leaf.columns(leaf.decode(call_leaf(3, region="JS", relayingRegion="AH", holder="f" * 64)))
    assert columns["region"] == "JS" and columns["relaying_region"] == "AH" and columns["holder_digest"] == "f" * 64
    assert columns["request_digest"] == f"{3:064x}" and columns["biz_num"] == "BIZ-3"


def test_long_and_hostile_values_are_cut_to_their_columns() -> None:
    data = call_leaf(1, operator="张" * 100, bizNum="a\x00b", endpoint="/x\ud800")
    value = leaf.decode(data)
    assert value["operator"] == "张" * 64 and value["bizNum"] == "ab" and value["endpoint"] == "/x?"


def test_a_governance_leaf_digests_its_reason() -> None:
    data = leaf.encode(EntryKind.GOVERNANCE, {
        "action": "confirmed", "actor": "admin_sh", "actorRegion": "SH", "at": dt.datetime.now(dt.UTC),
        "objectCode": "SC-1", "objectKind": "scenario_list", "objectRevision": 2,
        "reasonDigest": leaf.reason_digest("同意"),
    })
    value = leaf.decode(data)
    assert len(value["reasonDigest"]) == 64 and "同意" not in data.decode()
    assert leaf.columns(value)["scenario_code"] == "SC-1"


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"v":2,"kind":"served"}',
        b'{"kind":"served","v":1}',
        call_leaf(1).replace(b'","', b'", "', 1),  # not compact
        b'{"kind":"nope","v":1}',
    ],
)
def test_anything_else_is_refused(data) -> None:
    with pytest.raises(leaf.LeafError):
        leaf.decode(data)


def test_wrong_field_sets_are_refused() -> None:
    with pytest.raises(leaf.LeafError, match="missing"):
        leaf.encode(EntryKind.SERVED, {"at": dt.datetime.now(dt.UTC)})
    with pytest.raises(leaf.LeafError, match="int"):
        call_leaf(1, httpStatus="200")
