"""Building the tree and generating proofs from stored hashes (RFC 9162 2.1.3.1 PATH, 2.1.4.1 SUBPROOF).

A log keeps the hash of every *complete* subtree once its last leaf is in: ``(level, index)``
names the subtree of ``2**level`` leaves starting at leaf ``index * 2**level``, and never changes
afterwards. Every range the RFC's recursions visit, complete or not, is the concatenation of a few
complete subtrees (``range_nodes``), so a root, an inclusion path or a consistency path needs
O(log n) stored hashes, fetched at once through a ``Fetch`` callable:

    nodes = inclusion_nodes(index, size)        # what to read
    hashes = fetch(nodes)                        # one query
    path = inclusion_path(index, size, hashes)   # what proofs.verify_inclusion checks

``extend`` says which new complete subtrees appear when leaves are appended, and their hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from .hashing import EMPTY_ROOT, node_hash

#: A complete subtree: (level, index), covering leaves [index << level, (index + 1) << level).
Node = tuple[int, int]
#: Reads the hashes of complete subtrees (level 0: the leaf hashes).
Fetch = Callable[[Sequence[Node]], Mapping[Node, bytes]]


class TreeError(ValueError):
    """Proof parameters outside the tree (an index or size that does not exist)."""


def _largest_power_below(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n >= 2), the RFC's k."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees making up leaves [start, end), left to right, largest first.

    For the ranges of RFC 9162 (``start`` aligned to a power of two at least ``end - start``) the
    right fold of their hashes is the range's Merkle tree hash.
    """
    nodes: list[Node] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of consecutive complete subtrees as ``range_nodes`` lists them."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _range_hash(start: int, end: int, hashes: Mapping[Node, bytes]) -> bytes:
    return fold([hashes[node] for node in range_nodes(start, end)])


# ---------------------------------------------------------------------------- root
def root_nodes(size: int) -> list[Node]:
    return range_nodes(0, size)


def root(size: int, hashes: Mapping[Node, bytes]) -> bytes:
    """The tree head of the first ``size`` leaves (the empty tree's is SM3 of nothing)."""
    return _range_hash(0, size, hashes)


# ---------------------------------------------------------------------------- inclusion
def _inclusion_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    """PATH(m, D[start:end]) as the ranges whose hashes it lists, leaf side first."""
    ranges: list[tuple[int, int]] = []
    while end - start > 1:
        k = _largest_power_below(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start = start + k
    ranges.reverse()
    return ranges


def _check_inclusion(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise TreeError(f"index {index} is not in a tree of size {size}")


def inclusion_nodes(index: int, size: int) -> list[Node]:
    _check_inclusion(index, size)
    return [node for start, end in _inclusion_ranges(index, 0, size) for node in range_nodes(start, end)]


def inclusion_path(index: int, size: int, hashes: Mapping[Node, bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 2.1.3.1)."""
    _check_inclusion(index, size)
    return [_range_hash(start, end, hashes) for start, end in _inclusion_ranges(index, 0, size)]


# ---------------------------------------------------------------------------- consistency
def _consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """SUBPROOF(m, D[0:n], true) as the ranges whose hashes it lists, in the RFC's order."""
    ranges: list[tuple[int, int]] = []
    start, end, complete = 0, new, True
    # The RFC recursion appends after each recursive call; walking down, collect and reverse.
    while True:
        n = end - start
        m = old - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = _largest_power_below(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, complete = start + k, False
    ranges.reverse()
    return ranges


def _check_consistency(old: int, new: int) -> None:
    if not 0 <= old <= new:
        raise TreeError(f"no consistency proof from size {old} to size {new}")


def consistency_nodes(old: int, new: int) -> list[Node]:
    _check_consistency(old, new)
    if old in (0, new):
        return []
    return [node for start, end in _consistency_ranges(old, new) for node in range_nodes(start, end)]


def consistency_path(old: int, new: int, hashes: Mapping[Node, bytes]) -> list[bytes]:
    """The consistency proof from the tree of ``old`` leaves to that of ``new`` (RFC 9162 2.1.4.1).

    Empty when ``old`` is 0 or equal to ``new``, as the RFC defines it.
    """
    _check_consistency(old, new)
    if old in (0, new):
        return []
    return [_range_hash(start, end, hashes) for start, end in _consistency_ranges(old, new)]


# ---------------------------------------------------------------------------- appending
def extend_nodes(old_size: int) -> list[Node]:
    """The stored subtrees ``extend`` needs from a tree of ``old_size`` leaves: its right edge."""
    return range_nodes(0, old_size)


def extend(old_size: int, leaf_hashes: Sequence[bytes], edge: Mapping[Node, bytes]) -> dict[Node, bytes]:
    """The complete subtrees of level >= 1 that appending ``leaf_hashes`` completes, with their hashes.

    ``edge`` holds the hashes of ``extend_nodes(old_size)``: every older subtree a new one can
    be made of is among them.
    """
    known: dict[Node, bytes] = dict(edge)
    for offset, leaf in enumerate(leaf_hashes):
        known[(0, old_size + offset)] = leaf
    new: dict[Node, bytes] = {}
    size = old_size
    for _ in leaf_hashes:
        index, level = size, 0
        size += 1
        # Each leaf completes the subtrees whose last leaf it is: climb while it is a right child.
        while index & 1:
            left, right = known[(level, index - 1)], known[(level, index)]
            level, index = level + 1, index >> 1
            known[(level, index)] = new[(level, index)] = node_hash(left, right)
    return new


class StreamingTree:
    """The tree of leaves added one by one, holding only its right edge (for verification)."""

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (level, hash) of the edge, largest first
        self.size = 0

    def append(self, leaf: bytes, on_node: Callable[[int, int, bytes], None] | None = None) -> None:
        """Add a leaf hash; ``on_node(level, index, hash)`` hears of every subtree it completes."""
        level, current = 0, leaf
        index = self.size
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            current = node_hash(left, current)
            level += 1
            index >>= 1
            if on_node is not None:
                on_node(level, index, current)
        self._stack.append((level, current))
        self.size += 1

    def root(self) -> bytes:
        return fold([h for _, h in self._stack])


def tree_root(leaf_hashes: Iterable[bytes]) -> bytes:
    """The tree head of ``leaf_hashes`` (a convenience over ``StreamingTree``)."""
    tree = StreamingTree()
    for leaf in leaf_hashes:
        tree.append(leaf)
    return tree.root()
