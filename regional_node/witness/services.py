"""The witness's service: cosign the hub's checkpoints (tlog-witness), keep evidence, lift refusals.

The decision itself is ``ysj_protocol.tlog.witness`` (storage-agnostic); this module reads and
writes the state around it in one transaction holding the log's row lock, so that two concurrent
requests from the same old size cannot both be cosigned (tlog-witness's rollback race): the second
one sees the new size and gets 409.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ysj_protocol.tlog import note
from ysj_protocol.tlog import witness as protocol
from ysj_protocol.tlog.witness import WitnessRefusal

from ..keys import hub_public_key, node_private_key
from .models import Conflict, ConflictKind, CosignedCheckpoint, WitnessedLog, WitnessReset

#: Kind of the refusal answered while a log is refused (not one of tlog-witness's own).
REFUSED = "refused"

#: What the answer's text says for each kind of refusal (the English detail follows).
MESSAGES = {
    protocol.MALFORMED: "请求格式错误",
    protocol.UNKNOWN_LOG: "本节点不见证该日志",
    protocol.BAD_SIGNATURE: "检查点没有有效的融合共享服务系统签名",
    protocol.STALE: "旧条目数与本节点已见证的条目数不一致",
    protocol.FORK: "日志分叉：同一条目数出现了不同的根哈希，本节点已保存证据并停止见证该日志",
    protocol.BAD_PROOF: "一致性证明验证失败",
    REFUSED: "本节点已因日志冲突停止见证该日志，须由运维人员核查后解除（witness_reset）",
}


def evidence_origin() -> str:
    """The origin line (and the hub's key name) of the log this node witnesses."""
    return settings.NODE_EVIDENCE_ORIGIN


def witness_name() -> str:
    """This node's cosigner name, e.g. ``sh.witness.ysj.yrd``."""
    return note.witness_name(settings.NODE_REGION)


def log_for(origin: str) -> WitnessedLog:
    """The log's row, created on first use (a concurrent creation is simply read back)."""
    try:
        return WitnessedLog.objects.get_or_create(origin=origin)[0]
    except IntegrityError:
        return WitnessedLog.objects.get(origin=origin)


def refusal_text(refusal: WitnessRefusal) -> str:
    return f"{MESSAGES.get(refusal.kind, '请求被拒绝')}（{refusal.reason}）"


def answer_of(refusal: WitnessRefusal) -> tuple[bytes, str]:
    """The body and media type of a refusal: tlog-witness's size for a stale 409, else the reason.

    A fork is answered with its reason, not the size, so that the log does not retry from it.
    """
    if refusal.http_status == 409 and refusal.current_size is not None and not refusal.evidence:
        return refusal.body()
    return (refusal_text(refusal) + "\n").encode("utf-8"), "text/plain; charset=utf-8"


def add_checkpoint(*, request: bytes, now: int | None = None) -> str:
    """Cosign the checkpoint of an add-checkpoint request: the cosignature line, or WitnessRefusal.

    The request is read and the hub's signature checked before the lock is taken; only the
    comparison with the stored state, the proof (microseconds) and the cosignature are under it.
    """
    origin = evidence_origin()
    try:
        submission = protocol.open_submission(
            request, origin=origin, log_name=origin, log_public_key=hub_public_key()
        )
    except (note.NoteError, ValueError) as exc:  # defensive: anything malformed the parser let through
        raise WitnessRefusal(400, str(exc), kind=protocol.MALFORMED) from None
    log = log_for(origin)
    now = int(time.time()) if now is None else now
    refusal: WitnessRefusal | None = None
    with transaction.atomic():
        log = WitnessedLog.objects.select_for_update().get(pk=log.pk)
        if log.refused:
            raise WitnessRefusal(409, f"log {origin!r} is refused since a conflict", kind=REFUSED)
        try:
            result = protocol.decide(
                submission,
                state=log.state(),
                witness_name=witness_name(),
                witness_key=node_private_key(),
                now=now,
                cosigned_root=lambda size: _cosigned_root(log, size),
            )
        except WitnessRefusal as exc:
            if exc.evidence:
                _refuse(log, exc, request)
            refusal = exc
        else:
            _record(log, result)
    if refusal is not None:
        raise refusal
    return result.cosignature


def _cosigned_root(log: WitnessedLog, size: int) -> bytes | None:
    root = (
        CosignedCheckpoint.objects.filter(log=log, epoch=log.epoch, size=size)
        .values_list("root", flat=True)
        .first()
    )
    return bytes.fromhex(root) if root else None


def _record(log: WitnessedLog, result: protocol.WitnessResult) -> None:
    note_text = result.note_text.decode("utf-8")
    log.size = result.state.size
    log.root = result.state.root.hex()
    log.note = note_text
    log.cosignature = result.cosignature
    log.cosigned_at = timezone.now()
    log.save(update_fields=["size", "root", "note", "cosignature", "cosigned_at", "updated_at"])
    timestamp = int.from_bytes(note.parse_signature_lines(result.cosignature)[0].signature[:8], "big")
    CosignedCheckpoint.objects.update_or_create(
        log=log,
        epoch=log.epoch,
        size=result.state.size,
        defaults={
            "root": log.root,
            "old_size": result.old_size,
            "note": note_text,
            "cosignature": result.cosignature,
            "timestamp": timestamp,
        },
    )


def _refuse(log: WitnessedLog, refusal: WitnessRefusal, request: bytes) -> None:
    checkpoint = refusal.checkpoint
    witnessed = _cosigned_root(log, checkpoint.size) or bytes.fromhex(log.root)
    conflict = Conflict.objects.create(
        log=log,
        kind=ConflictKind.FORK,
        reason=refusal.reason[:255],
        size=checkpoint.size,
        root=checkpoint.root.hex(),
        witnessed_root=witnessed.hex(),
        witnessed_size=log.size or 0,
        request=request.decode("utf-8", "replace"),
    )
    log.refused = True
    log.refused_at = timezone.now()
    log.refusal = conflict
    log.save(update_fields=["refused", "refused_at", "refusal", "updated_at"])


def reset(*, origin: str, reason: str, operator: str, forget: bool = False) -> WitnessReset:
    """Lift the refusal of ``origin`` (and with ``forget``, the cosigned state too), recorded.

    Forgetting makes the next checkpoint be taken as a first one (old size 0): for a log that
    was rebuilt, after the operators have agreed which history stands.
    """
    reason = reason.strip()
    if not reason:
        raise ValueError("必须填写解除理由")
    with transaction.atomic():
        log = WitnessedLog.objects.select_for_update().get(origin=origin)
        record = WitnessReset.objects.create(
            log=log,
            conflict=log.refusal,
            reason=reason,
            operator=operator,
            forgot_state=forget,
            previous_size=log.size,
            previous_root=log.root,
        )
        log.refused = False
        log.refused_at = None
        log.refusal = None
        fields = ["refused", "refused_at", "refusal", "updated_at"]
        if forget:
            log.size, log.root, log.note, log.cosignature, log.cosigned_at = None, "", "", "", None
            # The history stays (it is the record); a new epoch takes it out of the fork check.
            log.epoch += 1
            fields += ["size", "root", "note", "cosignature", "cosigned_at", "epoch"]
        log.save(update_fields=fields)
    return record
