"""The public questions of the log: its latest checkpoint, inclusion and consistency proofs.

Sizes are those of signed checkpoints' trees at most: nothing beyond the latest checkpoint is
proven, so every proof can be checked against a root the hub signed (and the witnesses cosigned).
"""

from __future__ import annotations

import base64
from typing import Any

from .checkpoints import checkpoint_note, latest_checkpoint
from .tree import consistency_proof, inclusion_proof


class ProofRefused(ValueError):
    """Parameters no proof answers; the message is for people (Chinese)."""


def _b64(values: list[bytes]) -> list[str]:
    return [base64.b64encode(value).decode("ascii") for value in values]


def _parse(values: list[str], name: str) -> int:
    """The one non-negative decimal given as ``name``; a repeated parameter is refused, not guessed."""
    if len(values) > 1:
        raise ProofRefused(f"参数 {name} 只能出现一次")
    value = values[0] if values else ""
    if value == "":
        raise ProofRefused(f"缺少参数 {name}")
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise ProofRefused(f"参数 {name} 应为非负整数")
    return int(value)


def _latest_size() -> int:
    checkpoint = latest_checkpoint()
    return checkpoint.size if checkpoint is not None else 0


def latest_note() -> str | None:
    checkpoint = latest_checkpoint()
    return checkpoint_note(checkpoint) if checkpoint is not None else None


def inclusion(*, index: list[str], size: list[str]) -> dict[str, Any]:
    i, n = _parse(index, "index"), _parse(size, "size")
    latest = _latest_size()
    if n == 0 or n > latest:
        raise ProofRefused(f"size 应在 1 与最新检查点的条目数 {latest} 之间")
    if i >= n:
        raise ProofRefused("index 应小于 size")
    return {"index": i, "size": n, "path": _b64(inclusion_proof(i, n))}


def consistency(*, old: list[str], new: list[str]) -> dict[str, Any]:
    a, b = _parse(old, "from"), _parse(new, "to")
    latest = _latest_size()
    if b > latest:
        raise ProofRefused(f"to 不能超过最新检查点的条目数 {latest}")
    if a > b:
        raise ProofRefused("from 不能大于 to")
    return {"from": a, "to": b, "path": _b64(consistency_proof(a, b))}
