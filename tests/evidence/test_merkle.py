"""Tree building and proof generation from stored subtrees, against the verifier and the RFC's recursion."""

from __future__ import annotations

import pytest

from ysj_protocol.tlog import merkle, proofs
from ysj_protocol.tlog.hashing import EMPTY_ROOT, leaf_hash, node_hash

LIMIT = 64


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1 MTH, straight from its recursive definition."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """RFC 9162 2.1.4.1 SUBPROOF."""
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


@pytest.fixture(scope="module")
def log() -> tuple[list[bytes], dict[merkle.Node, bytes]]:
    """LIMIT leaves appended in uneven batches through ``extend``, as the integrator does."""
    leaves = [f"leaf {i}".encode() for i in range(LIMIT)]
    stored: dict[merkle.Node, bytes] = {}
    size = 0
    for batch in (1, 2, 3, 5, 8, 13, 21, 11):
        hashes = [leaf_hash(leaf) for leaf in leaves[size : size + batch]]
        edge = {node: stored[node] for node in merkle.extend_nodes(size)}
        new = merkle.extend(size, hashes, edge)
        assert all(level >= 1 for level, _ in new)
        stored.update(new)
        for offset, value in enumerate(hashes):
            stored[(0, size + offset)] = value
        size += batch
    assert size == LIMIT
    return leaves, stored


def _fetch(stored, nodes):
    return {node: stored[node] for node in nodes}


def test_extend_stores_every_complete_subtree_once(log) -> None:
    leaves, stored = log
    for (level, index), value in stored.items():
        assert value == _mth(leaves[index << level : (index + 1) << level])
    assert sum(1 for level, _ in stored if level >= 1) == LIMIT - 1  # a full tree of 64 leaves


def test_roots_match_the_definition(log) -> None:
    leaves, stored = log
    for size in range(LIMIT + 1):
        assert merkle.root(size, _fetch(stored, merkle.root_nodes(size))) == _mth(leaves[:size])


def test_inclusion_paths_verify_and_match_the_rfc(log) -> None:
    leaves, stored = log
    for size in range(1, LIMIT + 1):
        root = _mth(leaves[:size])
        for index in range(size):
            path = merkle.inclusion_path(index, size, _fetch(stored, merkle.inclusion_nodes(index, size)))
            assert path == _path(index, leaves[:size])
            proofs.verify_inclusion(index=index, size=size, leaf_hash=leaf_hash(leaves[index]), path=path, root=root)


def test_consistency_paths_verify_and_match_the_rfc(log) -> None:
    leaves, stored = log
    for new in range(1, LIMIT + 1):
        root2 = _mth(leaves[:new])
        for old in range(1, new + 1):
            path = merkle.consistency_path(old, new, _fetch(stored, merkle.consistency_nodes(old, new)))
            assert path == (_subproof(old, leaves[:new], True) if old < new else [])
            proofs.verify_consistency(size1=old, size2=new, root1=_mth(leaves[:old]), root2=root2, path=path)


def test_a_wrong_path_does_not_verify(log) -> None:
    leaves, stored = log
    path = merkle.inclusion_path(5, 40, _fetch(stored, merkle.inclusion_nodes(5, 40)))
    path[1] = bytes(32)
    with pytest.raises(proofs.ProofError):
        proofs.verify_inclusion(index=5, size=40, leaf_hash=leaf_hash(leaves[5]), path=path, root=_mth(leaves[:40]))


@pytest.mark.parametrize(("index", "size"), [(0, 0), (5, 5), (-1, 3)])
def test_inclusion_outside_the_tree_is_refused(index, size) -> None:
    with pytest.raises(merkle.TreeError):
        merkle.inclusion_nodes(index, size)


def test_consistency_backwards_is_refused() -> None:
    with pytest.raises(merkle.TreeError):
        merkle.consistency_nodes(5, 4)


def test_streaming_tree_reports_the_stored_subtrees(log) -> None:
    leaves, stored = log
    tree = merkle.StreamingTree()
    seen: dict[merkle.Node, bytes] = {}
    for leaf in leaves:
        tree.append(leaf_hash(leaf), lambda level, index, value: seen.__setitem__((level, index), value))
    assert seen == {node: value for node, value in stored.items() if node[0] >= 1}
    assert tree.root() == _mth(leaves)
