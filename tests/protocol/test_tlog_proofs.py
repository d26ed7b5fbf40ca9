"""Inclusion and consistency proof verification (RFC 9162 2.1.3.2, 2.1.4.2).

Two independent checks: the published SHA-256 proofs of the Certificate Transparency reference
tests (8-leaf tree, injected SHA-256 node hash), and every (index, size) and (size1, size2) up to
40 leaves over SM3 against the reference tree of ``test_tlog_reference``. Then the refusals:
each tampering of a valid proof must fail.
"""

from __future__ import annotations

import pytest

from ysj_protocol.tlog import hashing
from ysj_protocol.tlog.proofs import (
    MAX_PATH_LENGTH,
    ProofError,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)

from .test_tlog_reference import CT_LEAVES, CT_ROOTS, SHA256, SHA256_EMPTY_ROOT, ReferenceTree


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# Published inclusion proofs of the reference tests: (index, size, path).
CT_INCLUSION = [
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (0, 1, []),
]

# Published consistency proofs: (size1, size2, path).
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def flipped(path: list[bytes], i: int, bit: int = 3) -> list[bytes]:
    path = list(path)
    path[i] = bytes([path[i][0] ^ (1 << bit)]) + path[i][1:]
    return path


def inclusion_tamperings(index, size, path, root, leaf):
    """Each a (description, kwargs) that must not verify."""
    base = {"index": index, "size": size, "leaf_hash": leaf, "path": path, "root": root}
    cases = [
        ("index - 1", dict(base, index=index - 1)),
        ("index + 1", dict(base, index=index + 1)),
        ("index ^ 2", dict(base, index=index ^ 2)),
        ("size * 2", dict(base, size=size * 2)),
        ("size // 2", dict(base, size=size // 2)),
        ("wrong leaf", dict(base, leaf_hash=SOME_HASH)),
        ("empty root", dict(base, root=SHA256_EMPTY_ROOT)),
        ("random root", dict(base, root=SOME_HASH)),
        ("short leaf", dict(base, leaf_hash=b"WrongLeaf")),
        ("trailing root", dict(base, path=[*path, root])),
        ("preceding root", dict(base, path=[root, *path])),
        ("trailing garbage", dict(base, path=[*path, b""])),
    ]
    cases += [(f"flipped bit in path[{i}]", dict(base, path=flipped(path, i))) for i in range(len(path))]
    if path:
        cases.append(("removed component", dict(base, path=path[:-1])))
    if len(path) > 1:
        cases.append(("inserted component", dict(base, path=[path[0], SOME_HASH, *path[1:]])))
    return [(d, kw) for d, kw in cases if kw["index"] >= 0]


def consistency_tamperings(size1, size2, path, root1, root2):
    base = {"size1": size1, "size2": size2, "root1": root1, "root2": root2, "path": path}
    cases = [
        ("size1 - 1", dict(base, size1=size1 - 1)),
        ("size1 + 1", dict(base, size1=size1 + 1)),
        ("size1 ^ 2", dict(base, size1=size1 ^ 2)),
        ("size2 * 2", dict(base, size2=size2 * 2)),
        ("size2 // 2", dict(base, size2=size2 // 2)),
        ("wrong root1", dict(base, root1=SOME_HASH)),
        ("wrong root2", dict(base, root2=SOME_HASH)),
        ("swapped roots", dict(base, root1=root2, root2=root1)),
        ("empty proof", dict(base, path=[])),
        ("trailing root1", dict(base, path=[*path, root1])),
        ("trailing root2", dict(base, path=[*path, root2])),
        ("preceding root1", dict(base, path=[root1, *path])),
        ("preceding root2", dict(base, path=[root2, *path])),
        ("preceding path[0]", dict(base, path=[path[0], *path])),
        ("truncated proof", dict(base, path=path[:-1])),
        ("size1 > size2", dict(base, size1=size2 + 1)),
    ]
    cases += [(f"flipped bit in path[{i}]", dict(base, path=flipped(path, i, 4))) for i in range(len(path))]
    return [(d, kw) for d, kw in cases if kw["size1"] >= 0]


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_published_inclusion_proofs_verify_with_sha256(index, size, path):
    leaf = SHA256.leaf(CT_LEAVES[index])
    root = CT_ROOTS[size - 1]
    assert (
        root_from_inclusion(index=index, size=size, leaf_hash=leaf, path=path, node_hash=SHA256.node) == root
    )
    verify_inclusion(index=index, size=size, leaf_hash=leaf, path=path, root=root, node_hash=SHA256.node)
    for description, kwargs in inclusion_tamperings(index, size, path, root, leaf):
        with pytest.raises(ProofError):
            verify_inclusion(node_hash=SHA256.node, **kwargs)
            pytest.fail(f"verified with {description}")


@pytest.mark.parametrize(("size1", "size2", "path"), CT_CONSISTENCY)
def test_published_consistency_proofs_verify_with_sha256(size1, size2, path):
    root1, root2 = CT_ROOTS[size1 - 1], CT_ROOTS[size2 - 1]
    verify_consistency(size1=size1, size2=size2, root1=root1, root2=root2, path=path, node_hash=SHA256.node)
    if not path:
        return
    for description, kwargs in consistency_tamperings(size1, size2, path, root1, root2):
        with pytest.raises(ProofError):
            verify_consistency(node_hash=SHA256.node, **kwargs)
            pytest.fail(f"verified with {description}")


def test_reference_tree_builds_the_published_proofs():
    """The reference builder agrees with the published paths, so it may stand in for them below."""
    tree = ReferenceTree(CT_LEAVES, SHA256)
    for index, size, path in CT_INCLUSION:
        assert tree.inclusion_path(index, size) == path
    for size1, size2, path in CT_CONSISTENCY:
        assert tree.consistency_path(size1, size2) == path


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "path", "valid"),
    [
        (0, 0, SOME_HASH, SOME_HASH, [], True),
        (0, 1, SOME_HASH, CT_ROOTS[0], [], True),
        (1, 1, CT_ROOTS[0], CT_ROOTS[0], [], True),
        (0, 0, SHA256_EMPTY_ROOT, SOME_HASH, [], False),
        (1, 1, CT_ROOTS[0], SOME_HASH, [], False),
        (1, 0, CT_ROOTS[0], SOME_HASH, [], False),
        (2, 1, CT_ROOTS[1], CT_ROOTS[0], [], False),
        (1, 2, CT_ROOTS[0], CT_ROOTS[1], [], False),
        (0, 0, SHA256_EMPTY_ROOT, SHA256_EMPTY_ROOT, [SHA256_EMPTY_ROOT], False),
        (0, 1, SHA256_EMPTY_ROOT, CT_ROOTS[0], [SHA256_EMPTY_ROOT], False),
        (1, 1, CT_ROOTS[0], CT_ROOTS[0], [SHA256_EMPTY_ROOT], False),
    ],
)
def test_trivial_consistency_cases(size1, size2, root1, root2, path, valid):
    kwargs = {
        "size1": size1,
        "size2": size2,
        "root1": root1,
        "root2": root2,
        "path": path,
        "node_hash": SHA256.node,
    }
    if valid:
        verify_consistency(**kwargs)
    else:
        with pytest.raises(ProofError):
            verify_consistency(**kwargs)


def test_every_proof_up_to_40_leaves_over_sm3_matches_the_reference_tree():
    tree = ReferenceTree([b"entry %d" % i for i in range(40)])
    checked = 0
    for size in range(1, 41):
        root = tree.root(size)
        for index in range(size):
            path = tree.inclusion_path(index, size)
            assert (
                root_from_inclusion(index=index, size=size, leaf_hash=tree.leaf_hash(index), path=path)
                == root
            )
            if path:
                with pytest.raises(ProofError):
                    verify_inclusion(
                        index=index,
                        size=size,
                        leaf_hash=tree.leaf_hash(index),
                        path=flipped(path, len(path) - 1),
                        root=root,
                    )
            if index + 1 < size:
                with pytest.raises(ProofError):
                    verify_inclusion(
                        index=index + 1, size=size, leaf_hash=tree.leaf_hash(index), path=path, root=root
                    )
            checked += 1
        for size1 in range(0, size + 1):
            path = tree.consistency_path(size1, size)
            verify_consistency(size1=size1, size2=size, root1=tree.root(size1), root2=root, path=path)
            if path:
                with pytest.raises(ProofError):
                    verify_consistency(
                        size1=size1, size2=size, root1=tree.root(size1), root2=root, path=flipped(path, 0)
                    )
                with pytest.raises(ProofError):
                    verify_consistency(
                        size1=size1, size2=size, root1=tree.root(size1), root2=root, path=path[:-1]
                    )
            checked += 1
    assert checked == 820 + 860


def test_consistency_fails_between_different_histories():
    """A fork: the same size1 leaves but one changed; no proof of the honest tree carries over."""
    honest = ReferenceTree([b"a", b"b", b"c", b"d", b"e"])
    forked = ReferenceTree([b"a", b"B", b"c", b"d", b"e", b"f"])
    path = forked.consistency_path(5, 6)
    with pytest.raises(ProofError):
        verify_consistency(size1=5, size2=6, root1=honest.root(5), root2=forked.root(6), path=path)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"index": -1, "size": 1},
        {"index": 0, "size": 0},
        {"index": True, "size": 2},
        {"index": 0, "size": 2**64},
        {"index": 0, "size": "2"},
    ],
)
def test_bad_sizes_are_proof_errors(kwargs):
    with pytest.raises(ProofError):
        root_from_inclusion(leaf_hash=hashing.EMPTY_ROOT, path=[], **kwargs)


def test_a_path_longer_than_any_tree_is_refused_before_hashing():
    calls = []

    def counting(left, right):
        calls.append(1)
        return hashing.node_hash(left, right)

    with pytest.raises(ProofError):
        root_from_inclusion(
            index=0,
            size=2**63,
            leaf_hash=hashing.EMPTY_ROOT,
            path=[hashing.EMPTY_ROOT] * (MAX_PATH_LENGTH + 1),
            node_hash=counting,
        )
    assert calls == []
    with pytest.raises(ProofError):
        verify_inclusion(
            index=0, size=2, leaf_hash=hashing.EMPTY_ROOT, path=b"x" * 32, root=hashing.EMPTY_ROOT
        )
    with pytest.raises(ProofError):
        verify_inclusion(index=0, size=2, leaf_hash=hashing.EMPTY_ROOT, path=[None], root=hashing.EMPTY_ROOT)
