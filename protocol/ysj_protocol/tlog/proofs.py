"""Verification of inclusion and consistency proofs, RFC 9162 sections 2.1.3.2 and 2.1.4.2.

Only verification lives here (the log that builds proofs is the hub's); a region or a witness
needs nothing else. The algorithms are the RFC's, step for step, over ``hashing.node_hash``
(SM3). ``node_hash`` is a parameter so that the same code is checked against the published
SHA-256 vectors of RFC 6962 / 9162 implementations.

Every failure is a :class:`ProofError`: a wrong size, a hash of the wrong length, a path too
long or too short, a root that does not match. Nothing here trusts its input's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import hashing

NodeHash = Callable[[bytes, bytes], bytes]

#: A tree of at most 2**64 leaves has proofs of at most 64 hashes (the witness protocol caps
#: consistency proofs at 63 lines); anything longer is refused before any hashing.
MAX_PATH_LENGTH = 64


class ProofError(ValueError):
    """A proof that does not verify, or input that cannot be a proof."""


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}")
    value = bytes(value)
    if len(value) != hashing.HASH_SIZE:
        raise ProofError(f"{what} must be {hashing.HASH_SIZE} bytes, got {len(value)}")
    return value


def _check_size(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**64:
        raise ProofError(f"{what} must be an integer in [0, 2**64)")
    return value


def _check_path(path: object) -> list[bytes]:
    if isinstance(path, bytes | str) or not isinstance(path, Sequence):
        raise ProofError("the proof must be a sequence of hashes")
    if len(path) > MAX_PATH_LENGTH:
        raise ProofError(f"the proof has {len(path)} hashes, more than {MAX_PATH_LENGTH}")
    return [_check_hash(item, f"proof hash {i}") for i, item in enumerate(path)]


def root_from_inclusion(
    *,
    index: int,
    size: int,
    leaf_hash: bytes,
    path: Sequence[bytes],
    node_hash: NodeHash = hashing.node_hash,
) -> bytes:
    """The root a valid inclusion proof of ``leaf_hash`` at ``index`` leads to (RFC 9162 2.1.3.2)."""
    index = _check_size(index, "index")
    size = _check_size(size, "size")
    leaf_hash = _check_hash(leaf_hash, "leaf hash")
    path = _check_path(path)
    if index >= size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf_hash
    for p in path:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    *,
    index: int,
    size: int,
    leaf_hash: bytes,
    path: Sequence[bytes],
    root: bytes,
    node_hash: NodeHash = hashing.node_hash,
) -> None:
    """Raise :class:`ProofError` unless ``path`` proves ``leaf_hash`` at ``index`` under ``root``."""
    root = _check_hash(root, "root")
    computed = root_from_inclusion(
        index=index, size=size, leaf_hash=leaf_hash, path=path, node_hash=node_hash
    )
    if computed != root:
        raise ProofError("the inclusion proof leads to another root")


def verify_consistency(
    *,
    size1: int,
    size2: int,
    root1: bytes,
    root2: bytes,
    path: Sequence[bytes],
    node_hash: NodeHash = hashing.node_hash,
) -> None:
    """Raise :class:`ProofError` unless ``path`` proves the tree ``size1``/``root1`` a prefix of
    ``size2``/``root2`` (RFC 9162 2.1.4.2).

    The RFC defines proofs for 0 < size1 < size2 only; the two trivial cases follow its text: any
    tree extends the empty one (the proof must be empty), and a tree is consistent with itself
    exactly when the roots are equal (the proof must be empty too).
    """
    size1 = _check_size(size1, "size1")
    size2 = _check_size(size2, "size2")
    root1 = _check_hash(root1, "root1")
    root2 = _check_hash(root2, "root2")
    path = _check_path(path)
    if size1 > size2:
        raise ProofError(f"size1 {size1} is larger than size2 {size2}")
    if size1 == size2:
        if path:
            raise ProofError("a proof between equal sizes must be empty")
        if root1 != root2:
            raise ProofError("two different roots for the same size")
        return
    if size1 == 0:
        if path:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not path:
        raise ProofError("the consistency proof is empty")
    if size1 & (size1 - 1) == 0:  # an exact power of two: the old root is the first node
        path = [root1, *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    if fr != root1:
        raise ProofError("the consistency proof does not lead to the old root")
    if sr != root2:
        raise ProofError("the consistency proof does not lead to the new root")
