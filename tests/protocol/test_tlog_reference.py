"""A reference Merkle tree, written from RFC 9162's recursive definitions (2.1.1, 2.1.3.1, 2.1.4.1).

Deliberately naive (lists and recursion, no incremental state) so that it is obviously the RFC's
text; the verifiers in ``ysj_protocol.tlog.proofs`` and the hub's and witness's tests are
checked against it. Its own correctness is pinned here by the RFC 6962 test tree published with
the Certificate Transparency reference implementation (eight leaves, SHA-256): every root below
is that project's published value, not one computed by this file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ysj_protocol.tlog import hashing


@dataclass(frozen=True)
class Hasher:
    leaf: Callable[[bytes], bytes]
    node: Callable[[bytes, bytes], bytes]
    empty: bytes


SM3 = Hasher(leaf=hashing.leaf_hash, node=hashing.node_hash, empty=hashing.EMPTY_ROOT)
SHA256 = Hasher(
    leaf=lambda data: hashlib.sha256(b"\x00" + data).digest(),
    node=lambda left, right: hashlib.sha256(b"\x01" + left + right).digest(),
    empty=hashlib.sha256(b"").digest(),
)


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class ReferenceTree:
    """MTH, PATH and PROOF over a list of leaf bytes, straight from the RFC's definitions."""

    def __init__(self, leaves: Sequence[bytes] = (), hasher: Hasher = SM3) -> None:
        self.hasher = hasher
        self.leaves: list[bytes] = list(leaves)
        self._cache: dict[tuple[int, int], bytes] = {}

    def append(self, data: bytes) -> None:
        self.leaves.append(data)

    def leaf_hash(self, index: int) -> bytes:
        return self.hasher.leaf(self.leaves[index])

    def mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end])."""
        key = (start, end)
        if key not in self._cache:
            n = end - start
            if n == 0:
                value = self.hasher.empty
            elif n == 1:
                value = self.hasher.leaf(self.leaves[start])
            else:
                k = _split(n)
                value = self.hasher.node(self.mth(start, start + k), self.mth(start + k, end))
            self._cache[key] = value
        return self._cache[key]

    def root(self, size: int | None = None) -> bytes:
        return self.mth(0, len(self.leaves) if size is None else size)

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        """PATH(m, D[n]) (2.1.3.1)."""

        def path(m: int, start: int, end: int) -> list[bytes]:
            n = end - start
            if n == 1:
                return []
            k = _split(n)
            if m < k:
                return path(m, start, start + k) + [self.mth(start + k, end)]
            return path(m - k, start + k, end) + [self.mth(start, start + k)]

        return path(index, 0, size)

    def consistency_path(self, size1: int, size2: int) -> list[bytes]:
        """PROOF(m, D[n]) (2.1.4.1); empty for m == 0 or m == n."""
        if size1 == 0 or size1 == size2:
            return []

        def subproof(m: int, start: int, end: int, complete: bool) -> list[bytes]:
            n = end - start
            if m == n:
                return [] if complete else [self.mth(start, end)]
            k = _split(n)
            if m <= k:
                return subproof(m, start, start + k, complete) + [self.mth(start + k, end)]
            return subproof(m - k, start + k, end, False) + [self.mth(start, start + k)]

        return subproof(size1, 0, size2, True)


# The RFC 6962 test tree of the Certificate Transparency reference tests: its leaves and the
# published SHA-256 roots of each prefix (sizes 1 to 8).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
#: SHA-256 of the empty string, the empty tree's root under RFC 6962.
SHA256_EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def test_reference_tree_gives_the_published_roots():
    tree = ReferenceTree(CT_LEAVES, SHA256)
    assert tree.root(0) == SHA256_EMPTY_ROOT
    assert [tree.root(size) for size in range(1, 9)] == CT_ROOTS


def test_reference_tree_over_sm3_differs_from_sha256_and_uses_the_sm3_empty_root():
    tree = ReferenceTree(CT_LEAVES)
    assert tree.root(0) == hashing.EMPTY_ROOT
    assert tree.root(8) != CT_ROOTS[7]
    assert tree.root(1) == hashing.leaf_hash(b"")
