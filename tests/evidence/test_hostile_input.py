"""Hostile input at the evidence log's surfaces, as an outsider sends it.

The public checkpoint and proofs (``/evidence/...``): every bad parameter is a 400 with a Chinese
message, never a 500. The regions' entry call (``/api/v1/evidence/entries``): every bad
parameter is a documented ``head.status`` (``ENDPOINT_STATUSES``) with its Chinese message, never
9999. A refused request writes nothing but the call's own record.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from evidence.models import Checkpoint, EvidenceEntry, PendingEntry
from trust.envelope.schema import endpoint_statuses
from trust.models import EnvelopeCall
from ysj_protocol import envelope
from ysj_protocol import status as st

from ..factories import RegionFactory
from ..keys import hub_key, key_for
from .factories import log_of

INCLUSION = "/evidence/proof/inclusion"
CONSISTENCY = "/evidence/proof/consistency"
CHECKPOINT = "/evidence/checkpoint"
ENTRIES = "/api/v1/evidence/entries"
JSON_TYPE = "application/json; charset=utf-8"

#: Numbers as people and programs other than ours write them: none is a non-negative decimal.
NOT_DECIMALS = [
    "１２",
    "1e3",
    "9" * 400,
    "-1",
    "0x10",
    "1.5",
    "1.0",
    " 1",
    "1 ",
    "+1",
    "1_0",
    "٣",
    "²",
    "",
    "NaN",
    "\x00",
    "1\x00",
    "１",
    "0b1",
    "true",
]


def is_chinese(message: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in message)


def row_counts() -> dict[str, int]:
    """Rows in every table the hub owns: a refused request changes none (but the call's record)."""
    tables = set(connection.introspection.table_names())
    return {
        m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.db_table in tables
    }


def refused_400(response) -> str:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    message = json.loads(response.content)["message"]
    assert is_chinese(message), message
    return message


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def log(db) -> None:
    log_of(5)  # one checkpoint at 5


# ---------------------------------------------------------------- the public GET endpoints
@pytest.mark.parametrize("value", NOT_DECIMALS)
@pytest.mark.parametrize(
    ("path", "name", "other"),
    [
        (INCLUSION, "index", ("size", "5")),
        (INCLUSION, "size", ("index", "0")),
        (CONSISTENCY, "from", ("to", "5")),
        (CONSISTENCY, "to", ("from", "1")),
    ],
)
def test_numbers_in_other_forms_are_400_in_chinese(client, log, path, name, other, value) -> None:
    before = row_counts()
    refused_400(client.get(path, {name: value, other[0]: other[1]}))
    assert row_counts() == before


@pytest.mark.parametrize(
    ("path", "params", "says"),
    [
        (INCLUSION, {}, "缺少参数 index"),
        (INCLUSION, {"index": "0"}, "缺少参数 size"),
        (INCLUSION, {"index": "0", "size": "6"}, "最新检查点"),  # beyond the tree
        (INCLUSION, {"index": "0", "size": "0"}, "最新检查点"),
        (INCLUSION, {"index": "0", "size": str(2**63)}, "最新检查点"),
        (INCLUSION, {"index": "9" * 19, "size": "5"}, "index 应小于 size"),
        (CONSISTENCY, {"from": "5", "to": "6"}, "最新检查点"),
        (CONSISTENCY, {"from": "4", "to": "3"}, "from 不能大于 to"),  # from > to
        (CONSISTENCY, {"from": "9" * 19, "to": "9" * 19}, "最新检查点"),
    ],
)
def test_sizes_no_checkpoint_covers_are_400(client, log, path, params, says) -> None:
    assert says in refused_400(client.get(path, params))


@pytest.mark.parametrize("path", [INCLUSION, CONSISTENCY])
def test_proofs_before_any_checkpoint_are_400(client, db, path) -> None:
    params = {"index": "0", "size": "0"} if path == INCLUSION else {"from": "0", "to": "1"}
    assert "最新检查点的条目数 0" in refused_400(client.get(path, params))
    refused_400(client.get(path, {"index": "0", "size": "1", "from": "0", "to": "1"}))


def test_proofs_from_the_empty_tree_or_to_itself_are_answered(client, log) -> None:
    """Not refusals: the empty proofs RFC 9162 defines (checked so the cases above are not too strict)."""
    assert client.get(CONSISTENCY, {"from": "0", "to": "5"}).json()["path"] == []
    assert client.get(CONSISTENCY, {"from": "5", "to": "5"}).json()["path"] == []


def test_a_repeated_parameter_is_refused_not_guessed(client, log) -> None:
    """``?index=0&index=9``: which one was meant is unknown, so neither is taken."""
    assert "只能出现一次" in refused_400(client.get(INCLUSION + "?index=0&index=4&size=5"))
    assert "只能出现一次" in refused_400(client.get(CONSISTENCY + "?from=1&to=5&to=4"))


def test_invalid_utf8_in_the_query_is_400(client, log) -> None:
    refused_400(client.get(INCLUSION + "?index=%ff%fe&size=5"))
    refused_400(client.get(INCLUSION + "?index=0&size=%c3%28"))


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", [CHECKPOINT, INCLUSION, CONSISTENCY])
def test_other_methods_are_405_in_chinese(client, log, path, method) -> None:
    before = row_counts()
    response = getattr(client, method)(path, data=b"x" * 10_000, content_type="text/plain")
    assert response.status_code == 405
    # The checkpoint answers text (a signed note), the proofs JSON: each says it in its own form.
    detail = response.json()["detail"] if path != CHECKPOINT else response.content.decode()
    assert is_chinese(detail), detail
    assert "ErrorDetail" not in detail and "{" not in detail
    assert row_counts() == before


def test_the_checkpoint_ignores_any_query(client, log) -> None:
    response = client.get(CHECKPOINT, {"size": "9" * 400, "x": "\u0000"})
    assert response.status_code == 200 and response.content.decode().count("\n\n") == 1


# ---------------------------------------------------------------- the regions' entry call (an envelope)
@pytest.fixture
def region(db):
    return RegionFactory(code="AH")


def entry_call(client: Client, params: object) -> envelope.OpenedResponse:
    """``params`` sealed for the hub by the region AH, as JSON of any shape (it need not be an object)."""
    plaintext = json.dumps(params).encode()
    body = {
        "head": {"accountId": "region-ah"},
        "encryptData": envelope.encrypt_text(hub_key().public_key, plaintext),
    }
    response = client.post(ENTRIES, data=json.dumps(body), content_type=JSON_TYPE)
    assert response.status_code == 200, response.content[:300]
    return envelope.open_response(response.json(), key_for("region-AH"))


HOSTILE_PARAMS = {
    "index-as-text": {"index": "1"},
    "index-as-unicode-digits": {"index": "１"},
    "index-true": {"index": True},
    "index-float": {"index": 1.5},
    "index-float-whole": {"index": 1.0},
    "index-negative": {"index": -1},
    "index-10**30": {"index": 10**30},
    "index-2**63": {"index": 2**63},
    "index-null": {"index": None},
    "index-array": {"index": [1]},
    "index-nested-arrays": {"index": [[[[1]]]]},
    "index-object": {"index": {"value": 1}},
    "both": {"index": 1, "requestDigest": "ab" * 32},
    "neither": {},
    "digest-short": {"requestDigest": "ab" * 31},
    "digest-unicode": {"requestDigest": "ａ" * 64},
    "digest-number": {"requestDigest": 10**63},
    "digest-newline": {"requestDigest": "ab" * 32 + "\n"},
    "params-array": [{"index": 1}],
    "params-text": "index=1",
}


@pytest.mark.parametrize("name", HOSTILE_PARAMS)
def test_hostile_entry_parameters_are_1007(client, region, log, name) -> None:
    entries, pending, checkpoints = (
        EvidenceEntry.objects.count(),
        PendingEntry.objects.count(),
        Checkpoint.objects.count(),
    )
    calls = EnvelopeCall.objects.count()
    answer = entry_call(client, HOSTILE_PARAMS[name])
    documented = {s.code for s in endpoint_statuses(ENTRIES)}
    assert answer.status in documented and answer.status != st.INTERNAL_ERROR.code, (
        answer.status,
        answer.message,
    )
    assert answer.status in (st.INVALID_PARAMETERS.code, st.BAD_PLAINTEXT.code), (
        answer.status,
        answer.message,
    )
    assert is_chinese(answer.message)
    # The refusal is recorded (8.5) and nothing else: no entry read out, no log written.
    assert EnvelopeCall.objects.count() == calls + 1
    assert EnvelopeCall.objects.latest("id").status_code == answer.status
    assert (EvidenceEntry.objects.count(), Checkpoint.objects.count()) == (entries, checkpoints)
    assert PendingEntry.objects.count() == pending + 1  # the call's own record, to be integrated


def test_an_index_within_range_still_reads_the_entry(client, region, log) -> None:
    """The positive case beside the refusals above: an integer index is answered."""
    answer = entry_call(client, {"index": 4})
    assert answer.status == "0" and answer.data["index"] == 4
    # A key the table does not define is ignored (as by every endpoint): it changes nothing.
    assert entry_call(client, {"index": 4, "admin": True, "index2": [[1]]}).data == answer.data
    assert entry_call(client, {"index": 5}).status == st.EVIDENCE_ENTRY_NOT_FOUND.code


# ---------------------------------------------------------------- the entry call's outer layer
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"", JSON_TYPE, st.MALFORMED_ENVELOPE),
        (b"\xff\xfe{}", JSON_TYPE, st.MALFORMED_ENVELOPE),
        (
            b'{"head": {"accountId": "region-ah"}, "encryptData": "\xc3\x28"}',
            JSON_TYPE,
            st.MALFORMED_ENVELOPE,
        ),
        (b'{"head": {"accountId": "region-ah"}, "encryptData": "zz"}', JSON_TYPE, st.BAD_HEX),
        (b'[{"head": {}}]', JSON_TYPE, st.MALFORMED_ENVELOPE),
        (b'{"head": {"accountId": "region-ah"}}', "text/plain", st.UNSUPPORTED_MEDIA_TYPE),
    ],
)
def test_the_entry_calls_outer_layer_is_answered_in_an_envelope(
    client, region, body, content_type, status
) -> None:
    # CONTENT_TYPE given twice: Django's test client leaves it out of an empty body's request.
    response = client.post(ENTRIES, data=body, content_type=content_type, CONTENT_TYPE=content_type)
    head = response.json()["head"]
    assert head["status"] == status.code and is_chinese(head["message"]), head
    assert head["status"] in {s.code for s in endpoint_statuses(ENTRIES)}


def test_an_entry_call_beyond_the_size_limit_or_by_get_is_refused(client, region, settings) -> None:
    calls = EnvelopeCall.objects.count()
    enormous = (
        b'{"head": {"accountId": "region-ah"}, "encryptData": "'
        + b"0" * settings.YSJ_ENVELOPE_MAX_BYTES
        + b'"}'
    )
    head = client.post(ENTRIES, data=enormous, content_type=JSON_TYPE).json()["head"]
    assert head["status"] == st.PAYLOAD_TOO_LARGE.code and is_chinese(head["message"])
    head = client.get(ENTRIES, {"index": "1"}).json()["head"]
    assert head["status"] == st.METHOD_NOT_ALLOWED.code and is_chinese(head["message"])
    assert EnvelopeCall.objects.count() <= calls + 2  # at most the refusals' own records
    assert EvidenceEntry.objects.count() == 0
