"""The stored tree: reading subtree hashes, roots and proofs (``ysj_protocol.tlog.merkle``).

Hash storage is one row per complete subtree (``TreeNode``), leaves excluded (their hashes are in
``EvidenceEntry``). Complete subtrees never change, so every row is written once and fits the
append-only rule; a proof needs O(log n) rows, read in at most two indexed queries. (tlog-tiles
would rewrite partial tiles as the tree grows, which an append-only table cannot do without one
row per partial width.)
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from ysj_protocol.tlog import merkle

from .models import NODE_LEVEL_SHIFT, EvidenceEntry, TreeNode

_INDEX_MASK = (1 << NODE_LEVEL_SHIFT) - 1


def fetch(nodes: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
    """The stored hashes of ``nodes``, in one query; a missing one raises ``LookupError`` (a damaged log)."""
    leaves = sorted({index for level, index in nodes if level == 0})
    keys = sorted({TreeNode.key_of(level, index) for level, index in nodes if level > 0})
    parts, params = [], []
    if leaves:
        parts.append(f'SELECT 0, "index", leaf_hash FROM {EvidenceEntry._meta.db_table} '  # noqa: S608
                     f'WHERE "index" IN ({", ".join(["%s"] * len(leaves))})')
        params += leaves
    if keys:
        parts.append(f"SELECT 1, key, hash FROM {TreeNode._meta.db_table} "  # noqa: S608
                     f"WHERE key IN ({', '.join(['%s'] * len(keys))})")
        params += keys
    found: dict[merkle.Node, bytes] = {}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for is_node, key, value in cursor.fetchall():
                node = (key >> NODE_LEVEL_SHIFT, key & _INDEX_MASK) if is_node else (0, key)
                found[node] = bytes(value)
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
