"""The stored tree: reading subtree hashes, roots and proofs (``ysj_protocol.tlog.merkle``).

Hash storage is one row per complete subtree (``TreeNode``), leaves excluded (their hashes are in
``EvidenceEntry``). Complete subtrees never change, so every row is written once and fits the
append-only rule; a proof needs O(log n) rows, read in at most two indexed queries. (tlog-tiles
would rewrite partial tiles as the tree grows, which an append-only table cannot do without one
row per partial width.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ysj_protocol.tlog import merkle

from .models import EvidenceEntry, TreeNode


def fetch(nodes: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
    """The stored hashes of ``nodes``; a missing one raises ``LookupError`` (a damaged log)."""
    leaves = sorted({index for level, index in nodes if level == 0})
    keys = sorted({TreeNode.key_of(level, index) for level, index in nodes if level > 0})
    found: dict[merkle.Node, bytes] = {}
    if leaves:
        for index, value in EvidenceEntry.objects.filter(index__in=leaves).values_list("index", "leaf_hash"):
            found[(0, index)] = bytes(value)
    if keys:
        for key, value in TreeNode.objects.filter(key__in=keys).values_list("key", "hash"):
            found[(key >> 56, key & ((1 << 56) - 1))] = bytes(value)
    missing = [node for node in nodes if node not in found]
    if missing:
        raise LookupError(f"the log lacks the subtrees {missing[:5]}")
    return found


def log_size() -> int:
    """The number of entries in the log."""
    last = EvidenceEntry.objects.order_by("-index").values_list("index", flat=True).first()
    return 0 if last is None else last + 1


def root(size: int) -> bytes:
    return merkle.root(size, fetch(merkle.root_nodes(size)))


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return merkle.inclusion_path(index, size, fetch(merkle.inclusion_nodes(index, size)))


def consistency_proof(old: int, new: int) -> list[bytes]:
    return merkle.consistency_path(old, new, fetch(merkle.consistency_nodes(old, new)))


def store_nodes(nodes: Mapping[merkle.Node, bytes]) -> None:
    TreeNode.objects.bulk_create(
        [TreeNode(key=TreeNode.key_of(level, index), hash=value) for (level, index), value in nodes.items()],
        batch_size=5000,
    )
