"""Collecting cosignatures from the four live regional nodes, each a tlog-witness of the log."""

from __future__ import annotations

import datetime as dt

import pytest

from evidence import services
from evidence.models import Checkpoint, Cosignature, EvidenceEntry, WitnessState
from evidence.witnesses import collect_cosignatures
from trust.models import Region
from ysj_protocol.crypto import sm2
from ysj_protocol.tlog import note

from .factories import log_of

pytestmark = pytest.mark.django_db


def _cosigners(size: int) -> set[str]:
    return set(Cosignature.objects.filter(checkpoint__size=size).values_list("region", flat=True))


def test_every_region_cosigns_and_the_cosignatures_verify(witnesses) -> None:
    log_of(5)
    outcomes = collect_cosignatures()
    assert {o.region for o in outcomes if o.cosigned} == {"SH", "JS", "ZJ", "AH"}, outcomes
    checkpoint = Checkpoint.objects.get(size=5)
    body, _ = note.open_note(checkpoint.note)
    for cosignature in checkpoint.cosignatures.all():
        region = Region.objects.get(code=cosignature.region)
        line = note.parse_signature_lines(cosignature.line)[0]
        assert note.verify_cosignature(body, line, name=note.witness_name(region.code),
                                       public_key=region.sm2_public_key) == cosignature.timestamp
    assert set(WitnessState.objects.values_list("size", flat=True)) == {5}
    # The log grows: each witness checks the consistency proof from 5 to 12.
    log_of(7)
    collect_cosignatures()
    assert _cosigners(12) == {"SH", "JS", "ZJ", "AH"}
    assert services.latest_cosigned_checkpoint().size == 12
    assert services.inclusion_checkpoint(EvidenceEntry.objects.get(index=11)).size == 12
    assert services.checkpoints_lacking_witness(older_than=dt.timedelta(0)) == []


def test_a_region_down_is_listed_as_lacking_and_catches_up_later(witnesses, regional_nodes) -> None:
    log_of(3)
    with regional_nodes.down("ZJ"):
        outcomes = {o.region: o for o in collect_cosignatures()}
    assert not outcomes["ZJ"].cosigned and outcomes["SH"].cosigned
    assert WitnessState.objects.get(region="ZJ").last_error
    lacking = services.checkpoints_lacking_witness(older_than=dt.timedelta(0))
    assert [(item.checkpoint.size, item.regions) for item in lacking] == [(3, ("ZJ",))]
    assert services.checkpoints_lacking_witness(older_than=dt.timedelta(hours=1)) == []  # not late yet
    log_of(2)
    collect_cosignatures()  # ZJ is back: from size 0 it cosigns 5, which covers 3 as well
    assert _cosigners(5) == {"SH", "JS", "ZJ", "AH"}
    assert services.checkpoints_lacking_witness(older_than=dt.timedelta(0)) == []


def test_a_witness_ahead_of_what_the_hub_remembers_answers_409_and_the_hub_retries(witnesses) -> None:
    log_of(4)
    collect_cosignatures()
    WitnessState.objects.all().delete()  # the hub forgot the sizes: it will send old size 0
    log_of(3)
    outcomes = collect_cosignatures()
    assert all(o.cosigned for o in outcomes), outcomes
    assert _cosigners(7) == {"SH", "JS", "ZJ", "AH"}


def test_a_cosignature_by_another_key_than_the_registered_one_is_not_stored(witnesses) -> None:
    Region.objects.filter(code="AH").update(public_key=sm2.PrivateKey.generate().public_key.hex())
    log_of(2)
    outcomes = {o.region: o for o in collect_cosignatures()}
    assert not outcomes["AH"].cosigned and "no cosignature" in outcomes["AH"].error
    assert _cosigners(2) == {"SH", "JS", "ZJ"}
