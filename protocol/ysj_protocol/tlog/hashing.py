"""The Merkle tree hash of RFC 9162 (2.1.1) with SM3 in place of SHA-256.

A leaf hashes as ``SM3(0x00 || leaf bytes)`` and an interior node as ``SM3(0x01 || left || right)``;
the domain-separation prefixes keep a leaf from ever passing for a node. The empty tree's root is
``SM3("")``. Hashes are 32 bytes, as SHA-256's are, so every size in the RFC and in C2SP's
formats carries over unchanged.
"""

from __future__ import annotations

from ..crypto.sm3 import sm3_digest

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = sm3_digest(b"")


def leaf_hash(data: bytes) -> bytes:
    """The hash of one entry's leaf bytes."""
    return sm3_digest(LEAF_PREFIX + data)


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node over its two children."""
    return sm3_digest(NODE_PREFIX + left + right)
