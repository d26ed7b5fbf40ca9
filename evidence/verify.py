"""Checking the whole log from its rows: what ``manage.py verify_evidence`` runs.

The entries are streamed in index order (a server-side cursor on PostgreSQL); each leaf is
decoded and re-hashed, its browsing columns compared with the leaf, the indexes checked to run
from 0 without a gap, and the tree recomputed as they come. Every stored checkpoint's root is
compared with the recomputed root at its size, its signed note with its columns and the hub's
key, every cosignature with its region's key; the stored subtrees are compared with the
recomputed ones. Problems are reported by the first entry they concern.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.db import connection

from trust.keys import hub_public_key
from trust.models import Region
from ysj_protocol.crypto import sm2
from ysj_protocol.tlog import merkle, note
from ysj_protocol.tlog.hashing import leaf_hash

from . import leaf as leaves
from .checkpoints import origin
from .models import NODE_LEVEL_SHIFT, Checkpoint, Cosignature, EvidenceEntry, TreeNode
from .services import quarantined_count

CHUNK_SIZE = 20000


@dataclasses.dataclass(order=True, frozen=True)
class Problem:
    """One finding about entries ``index`` to ``last``; an exact finding names one entry."""

    index: int
    last: int
    message: str

    @property
    def span(self) -> int:
        return self.last - self.index

    def contains(self, other: Problem) -> bool:
        return self.index <= other.index and other.last <= self.last


@dataclasses.dataclass
class Report:
    size: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    #: Pending entries set aside as unreadable, not requeued: outside the tree, reported beside it.
    quarantined: int = 0
    problems: list[Problem] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def first(self) -> Problem | None:
        """The earliest finding not merely explained by a narrower one inside it.

        A changed entry also changes every subtree and checkpoint root above it; those wider
        findings point at the same entry, which the narrowest finding names best.
        """
        kept: list[Problem] = []
        for problem in sorted(self.problems, key=lambda p: (p.span, p.index)):
            if not any(problem.contains(narrower) for narrower in kept):
                kept.append(problem)
        return min(kept) if kept else None


class _Levels:
    """The recomputed complete subtrees, level by level, as concatenated 32-byte hashes."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = []

    def add(self, level: int, index: int, value: bytes) -> None:
        while len(self.levels) < level:
            self.levels.append(bytearray())
        self.levels[level - 1] += value  # subtrees of one level complete in index order

    def get(self, level: int, index: int) -> bytes | None:
        if level > len(self.levels):
            return None
        data = self.levels[level - 1]
        start = index * 32
        return bytes(data[start : start + 32]) if start + 32 <= len(data) else None


def _time(text: str):
    """A leaf's time as a datetime (compared with the column), or None when it is not a time."""
    try:
        return dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _check_note(checkpoint: Checkpoint, report: Report, hub_key, name: str) -> bytes | None:
    try:
        body, signatures = note.open_note(checkpoint.note)
        parsed = note.Checkpoint.parse(body)
    except note.NoteError as exc:
        report.problems.append(Problem(checkpoint.size, checkpoint.size, f"检查点 {checkpoint.size} 的签名文本无法解析：{exc}"))
        return None
    if parsed.size != checkpoint.size or parsed.root != bytes(checkpoint.root):
        report.problems.append(Problem(
            min(parsed.size, checkpoint.size),
            max(parsed.size, checkpoint.size),
            f"检查点 {checkpoint.size} 的条目数或根哈希与其签名文本不符（签名文本：{parsed.size}）",
        ))
    if not any(note.verify_signature(body, sig, name=name, public_key=hub_key) for sig in signatures):
        report.problems.append(Problem(checkpoint.size, checkpoint.size, f"检查点 {checkpoint.size} 的本系统签名验证失败"))
    return body


def verify_log(*, chunk_size: int = CHUNK_SIZE, progress: Callable[[int], None] | None = None) -> Report:
    report = Report()
    checkpoints = list(Checkpoint.objects.order_by("size"))
    report.checkpoints = len(checkpoints)
    hub_key, name = hub_public_key(), origin()
    bodies: dict[int, bytes | None] = {c.pk: _check_note(c, report, hub_key, name) for c in checkpoints}
    pending = iter(checkpoints)
    next_checkpoint = next(pending, None)
    tree = merkle.StreamingTree()
    levels = _Levels()
    expected = 0
    fields = ("index", "leaf", "leaf_hash", *leaves.COLUMN_NAMES)
    at_position = leaves.COLUMN_NAMES.index("at")
    rows = EvidenceEntry.objects.order_by("index").values_list(*fields).iterator(chunk_size=chunk_size)
    gap_reported = False
    for values in rows:
        index = values[0]
        if index != expected and not gap_reported:
            what = "缺失（被删除）" if index > expected else "重复或顺序错乱"
            report.problems.append(Problem(expected, expected, f"条目 {expected} {what}：日志中下一行的序号为 {index}"))
            gap_reported = True
        data = bytes(values[1])
        computed = leaf_hash(data)
        if computed != bytes(values[2]):
            report.problems.append(Problem(index, index, f"条目 {index} 被篡改：叶子数据的哈希与入账时记录的不符"))
        try:
            wanted = leaves.columns(leaves.decode(data, strict=False), parse_at=False)
            actual = values[3:]
            changed = [
                column for position, column in enumerate(leaves.COLUMN_NAMES)
                if (position != at_position and wanted[column] != actual[position])
                or (position == at_position and _time(wanted[column]) != actual[position])
            ]
            if changed:
                report.problems.append(Problem(index, index, f"条目 {index} 的字段 {', '.join(changed)} 与叶子数据不符"))
        except leaves.LeafError as exc:
            report.problems.append(Problem(index, index, f"条目 {index} 的叶子数据不合规范编码：{exc}"))
        tree.append(computed, levels.add)
        expected += 1
        while next_checkpoint is not None and next_checkpoint.size == tree.size:
            if tree.root() != bytes(next_checkpoint.root):
                report.problems.append(Problem(
                    _previous_size(checkpoints, next_checkpoint),
                    next_checkpoint.size - 1,
                    f"前 {next_checkpoint.size} 个条目的根哈希与检查点不符：检查点 "
                    f"{_previous_size(checkpoints, next_checkpoint)} 之后、{next_checkpoint.size} 之前的条目被改动、删除或调换",
                ))
            next_checkpoint = next(pending, None)
        if progress is not None and expected % 100000 == 0:
            progress(expected)
    report.size = expected
    if next_checkpoint is not None:
        report.problems.append(Problem(
            expected,
            expected,
            f"日志只有 {expected} 个条目，而检查点已签发到 {checkpoints[-1].size}：条目 {expected} 起被删除",
        ))
    _check_nodes(levels, expected, report)
    _check_cosignatures(checkpoints, bodies, report)
    report.quarantined = quarantined_count()
    return report


def _previous_size(checkpoints: list[Checkpoint], checkpoint: Checkpoint) -> int:
    sizes = [c.size for c in checkpoints if c.size < checkpoint.size]
    return sizes[-1] if sizes else 0


def _check_nodes(levels: _Levels, size: int, report: Report) -> None:
    """Compare every stored subtree with the recomputed one; a mismatch names its first leaf."""
    seen = 0
    mask = (1 << NODE_LEVEL_SHIFT) - 1
    for key, value in TreeNode.objects.order_by("key").values_list("key", "hash").iterator(chunk_size=CHUNK_SIZE):
        level, index = key >> NODE_LEVEL_SHIFT, key & mask
        seen += 1
        recomputed = levels.get(level, index)
        first, last = index << level, ((index + 1) << level) - 1
        if recomputed is None:
            report.problems.append(Problem(first, last, f"存储的子树 ({level}, {index}) 超出日志：条目 {first} 起被删除"))
        elif recomputed != bytes(value):
            report.problems.append(Problem(
                first, last, f"条目 {first}–{last} 中有条目被改动或调换：其子树哈希与入账时存储的不符"
            ))
    expected_nodes = sum(size >> level for level in range(1, size.bit_length() + 1))
    if seen < expected_nodes:
        report.problems.append(Problem(size, size, f"存储的子树少了 {expected_nodes - seen} 个"))


def region_keys() -> dict[str, dict[bytes, sm2.PublicKey]]:
    """Every SM2 key each region has held, by its 65-byte encoding: the current one and those of its
    history (``Region.history``, written by every save, the admin's included). A key changed around
    the model (a queryset ``update``) leaves no history and is not known once replaced.
    """
    held: dict[str, dict[bytes, sm2.PublicKey]] = {}
    rows = [*Region.objects.values_list("code", "public_key"),
            *Region.history.values_list("code", "public_key").distinct()]
    for code, text in rows:
        try:
            key = sm2.PublicKey.from_hex(text)
        except ValueError:
            continue
        held.setdefault(code, {})[key.to_bytes(True)] = key
    return held


def _cosignature_key(cosignature: Cosignature, signature: note.NoteSignature,
                     held: dict[bytes, sm2.PublicKey]) -> sm2.PublicKey | None:
    """The key the cosignature is to verify with: the one stored at collection, if the region held it;
    for a row without one, the held key whose key ID the line carries (signed-note's rule)."""
    name = note.witness_name(cosignature.region)
    if cosignature.public_key:
        try:
            stored = sm2.PublicKey.from_hex(cosignature.public_key)
        except ValueError:
            return None
        return held.get(stored.to_bytes(True))
    for key in held.values():
        if note.is_known(signature, name=name, public_key=key, cosignature=True):
            return key
    return None


def _check_cosignatures(checkpoints: list[Checkpoint], bodies: dict[int, bytes | None], report: Report) -> None:
    """Each cosignature against the key its region held when cosigning, from the region's key history."""
    keys = region_keys()
    sizes = {c.pk: c.size for c in checkpoints}
    for cosignature in Cosignature.objects.order_by("checkpoint_id", "region"):
        report.cosignatures += 1
        size = sizes.get(cosignature.checkpoint_id, 0)
        body = bodies.get(cosignature.checkpoint_id)
        held = keys.get(cosignature.region)
        if body is None or not held:
            report.problems.append(Problem(size, size, f"检查点 {size} 的 {cosignature.region} 联署无法核验"))
            continue
        try:
            signature = note.parse_signature_lines(cosignature.line)[0]
            key = _cosignature_key(cosignature, signature, held)
            timestamp = None if key is None else note.verify_cosignature(
                body, signature, name=note.witness_name(cosignature.region), public_key=key
            )
        except (note.NoteError, IndexError):
            key, timestamp = None, None
        if key is None:
            report.problems.append(Problem(
                size, size, f"检查点 {size} 的 {cosignature.region} 见证联署验证失败：所用公钥不是该地区登记过的公钥"
            ))
        elif timestamp is None or timestamp != cosignature.timestamp:
            report.problems.append(Problem(size, size, f"检查点 {size} 的 {cosignature.region} 见证联署验证失败"))


def uses_server_side_cursor() -> bool:
    return connection.vendor == "postgresql"
