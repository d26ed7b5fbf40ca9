"""The public checkpoint and proof endpoints, and the regions' entry endpoint over real envelopes."""

from __future__ import annotations

import base64

import pytest

from evidence.checkpoints import origin
from evidence.models import Checkpoint, Cosignature, EvidenceEntry
from trust.keys import hub_public_key
from ysj_protocol.tlog import note, proofs
from ysj_protocol.tlog.hashing import leaf_hash

from ..factories import ApplicationFactory, RegionFactory
from ..keys import key_for
from ..trust.factories import access_token, call
from .factories import call_leaf, log_of

ENTRIES = "/api/v1/evidence/entries"


@pytest.mark.django_db
def test_the_checkpoint_is_a_signed_note_with_its_cosignatures(client) -> None:
    assert client.get("/evidence/checkpoint").status_code == 404  # no checkpoint yet: said in Chinese
    log_of(6)
    checkpoint = Checkpoint.objects.get()
    body = note.open_note(checkpoint.note)[0]
    line = note.cosignature_line(note.Checkpoint.parse(body), name=note.witness_name("SH"),
                                 private_key=key_for("region-SH"), timestamp=1)
    Cosignature(checkpoint=checkpoint, region="SH", line=line, timestamp=1).save()
    response = client.get("/evidence/checkpoint")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    body, signatures = note.open_note(text)
    assert note.Checkpoint.parse(body).size == 6
    assert note.verify_signature(body, signatures[0], name=origin(), public_key=hub_public_key())
    assert text.endswith(line) and len(signatures) == 2


@pytest.mark.django_db
def test_proofs_verify_against_the_checkpoints(client) -> None:
    log_of(11, batches=2)  # checkpoints at 6 and 11
    small, large = Checkpoint.objects.order_by("size")
    answer = client.get("/evidence/proof/inclusion", {"index": 4, "size": 11}).json()
    assert (answer["index"], answer["size"]) == (4, 11)
    entry = EvidenceEntry.objects.get(index=4)
    proofs.verify_inclusion(index=4, size=11, leaf_hash=leaf_hash(bytes(entry.leaf)),
                            path=[base64.b64decode(h) for h in answer["path"]], root=bytes(large.root))
    answer = client.get("/evidence/proof/consistency", {"from": 6, "to": 11}).json()
    assert (answer["from"], answer["to"]) == (6, 11)
    proofs.verify_consistency(size1=6, size2=11, root1=bytes(small.root), root2=bytes(large.root),
                              path=[base64.b64decode(h) for h in answer["path"]])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "params", "says"),
    [
        ("/evidence/proof/inclusion", {"index": 1}, "缺少参数 size"),
        ("/evidence/proof/inclusion", {"index": "x", "size": 3}, "非负整数"),
        ("/evidence/proof/inclusion", {"index": "-1", "size": 3}, "非负整数"),
        ("/evidence/proof/inclusion", {"index": 3, "size": 3}, "index 应小于 size"),
        ("/evidence/proof/inclusion", {"index": 0, "size": 4}, "最新检查点"),
        ("/evidence/proof/inclusion", {"index": 0, "size": "9" * 30}, "非负整数"),
        ("/evidence/proof/consistency", {"from": 2, "to": 4}, "最新检查点"),
        ("/evidence/proof/consistency", {"from": 3, "to": 2}, "from 不能大于 to"),
        ("/evidence/proof/consistency", {"to": 2}, "缺少参数 from"),
    ],
)
def test_bad_proof_parameters_are_400_in_chinese(client, path, params, says) -> None:
    log_of(3)
    response = client.get(path, params)
    assert response.status_code == 400 and says in response.json()["message"]


@pytest.mark.django_db(transaction=True)
def test_a_region_reads_an_entry_by_index_or_by_its_call_digest(http) -> None:
    RegionFactory(code="AH")
    log_of(3)
    with_digest = call_leaf(99, region="AH", requestDigest="ab" * 32)
    from django.db import transaction

    from evidence.append import append
    from evidence.integrate import integrate

    with transaction.atomic():
        append([with_digest])
    integrate()
    answer = call(http, ENTRIES, {"index": 1}, account="region-ah", key_name="region-AH")
    assert answer.status == "0" and answer.data["index"] == 1
    assert base64.b64decode(answer.data["data"]) == bytes(EvidenceEntry.objects.get(index=1).leaf)
    answer = call(http, ENTRIES, {"requestDigest": "AB" * 32}, account="region-ah", key_name="region-AH")
    assert answer.status == "0" and (answer.data["index"], base64.b64decode(answer.data["data"])) == (3, with_digest)
    # Another region's call is not found by its digest; an index beyond the log is 4041 as well.
    RegionFactory(code="JS")
    assert call(http, ENTRIES, {"requestDigest": "ab" * 32}, account="region-js", key_name="region-JS").status == "4041"
    assert call(http, ENTRIES, {"index": 4}, account="region-ah", key_name="region-AH").status == "4041"
    assert call(http, ENTRIES, {}, account="region-ah", key_name="region-AH").status == "1007"
    assert call(http, ENTRIES, {"index": 0, "requestDigest": "ab" * 32}, account="region-ah",
                key_name="region-AH").status == "1007"
    application = ApplicationFactory(app_id="app-evidence-entries")
    refused = call(http, ENTRIES, {"index": 0}, account=application.app_id, token=access_token(application))
    assert refused.status == "9001"  # not open to application systems
