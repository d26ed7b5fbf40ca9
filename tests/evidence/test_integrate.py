"""The integrator: pending entries take the next indexes in batches, with their subtrees and a signed checkpoint."""

from __future__ import annotations

import pytest
from django.db import transaction

from evidence import tree
from evidence.append import append
from evidence.checkpoints import origin
from evidence.integrate import integrate
from evidence.models import Checkpoint, EvidenceEntry, PendingEntry
from trust.keys import hub_public_key
from ysj_protocol.tlog import merkle, note, proofs
from ysj_protocol.tlog.hashing import leaf_hash

from .factories import call_leaf

pytestmark = pytest.mark.django_db


def _append(count: int, start: int = 0) -> list[bytes]:
    leaves = [call_leaf(start + i) for i in range(count)]
    with transaction.atomic():
        append(leaves)
    return leaves


def test_pending_entries_are_integrated_in_order_in_batches() -> None:
    leaves = _append(23)
    result = integrate(batch_size=5)
    assert result.integrated == 23 and result.size == 23 and result.checkpoint_size == 23
    assert not PendingEntry.objects.exists()
    rows = list(EvidenceEntry.objects.order_by("index"))
    assert [row.index for row in rows] == list(range(23))
    assert [bytes(row.leaf) for row in rows] == leaves
    assert all(bytes(row.leaf_hash) == leaf_hash(bytes(row.leaf)) for row in rows)
    assert rows[4].biz_num == "BIZ-4" and rows[4].kind == "served" and rows[4].region == "SH"
    assert tree.root(23) == merkle.tree_root(leaf_hash(data) for data in leaves)


def test_a_signed_checkpoint_follows_growth_only() -> None:
    leaves = _append(3)
    integrate()
    assert integrate().checkpoint_size is None  # nothing new: no new checkpoint
    checkpoint = Checkpoint.objects.get()
    body, signatures = note.open_note(checkpoint.note)
    parsed = note.Checkpoint.parse(body)
    assert (parsed.origin, parsed.size, parsed.root) == (origin(), 3, bytes(checkpoint.root))
    assert note.verify_signature(body, signatures[0], name=origin(), public_key=hub_public_key())
    assert bytes(checkpoint.root) == merkle.tree_root(leaf_hash(data) for data in leaves)
    _append(2, start=3)
    integrate()
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [3, 5]


def test_proofs_from_the_stored_tree_verify_against_checkpoints() -> None:
    leaves = []
    for batch in (1, 6, 2, 9):
        leaves += _append(batch, start=len(leaves))
        integrate()
    checkpoints = list(Checkpoint.objects.order_by("size"))
    for old in checkpoints:
        for new in checkpoints:
            if old.size <= new.size:
                proofs.verify_consistency(size1=old.size, size2=new.size, root1=bytes(old.root),
                                          root2=bytes(new.root), path=tree.consistency_proof(old.size, new.size))
        for index in range(old.size):
            proofs.verify_inclusion(index=index, size=old.size, leaf_hash=leaf_hash(leaves[index]),
                                    path=tree.inclusion_proof(index, old.size), root=bytes(old.root))


def test_an_entry_written_in_a_rolled_back_transaction_never_enters() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        append([call_leaf(1)])
        raise RuntimeError("the change fails")
    assert integrate().integrated == 0 and not EvidenceEntry.objects.exists()


def test_the_runner_and_the_beat_task_integrate_and_sign() -> None:
    from evidence.runner import run_once
    from evidence.tasks import integrate_log

    _append(2)
    run_once()  # no region registered: nothing to collect
    assert Checkpoint.objects.get().size == 2
    _append(1, start=2)
    integrate_log.delay()  # inline without a broker, as in the tests
    assert Checkpoint.objects.order_by("-size").first().size == 3
