"""Collecting the regions' cosignatures of a checkpoint (C2SP tlog-witness ``add-checkpoint``).

Each active region's node is a witness: the hub sends it the checkpoint with a consistency proof
from the size that region last cosigned; the witness checks the proof and answers its SM2
cosignature, which the hub verifies with the region's registered key before storing it with that
key (a region rotates its key; ``verify_evidence`` checks the stored key against its history). A region
that is down is tried again at the next checkpoint; a 409 answer names the witness's own size,
from which the hub retries once.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction

from trust.models import Region
from ysj_protocol.tlog import note, witness

from .checkpoints import latest_checkpoint
from .models import Checkpoint, Cosignature, WitnessState
from .tree import consistency_proof

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Outcome:
    region: str
    cosigned: bool
    error: str = ""


def witness_url(region: Region) -> str:
    return region.endpoint.rstrip("/") + witness.WITNESS_PATH


def _timeout() -> float:
    return float(getattr(settings, "YSJ_EVIDENCE_WITNESS_TIMEOUT", 3.0))


@dataclass(slots=True)
class _Answer:
    status: int = 0
    content_type: str = ""
    text: str = ""
    error: str = ""


def _body(checkpoint: Checkpoint, old_size: int) -> bytes:
    """The add-checkpoint request from ``old_size`` (the consistency proof is read here, on the caller's thread)."""
    proof = consistency_proof(old_size, checkpoint.size) if 0 < old_size < checkpoint.size else []
    return witness.add_checkpoint_request(old_size=old_size, proof=proof, note=checkpoint.note)


def _post(url: str, body: bytes) -> _Answer:
    """One request to a witness; no database access (runs on a helper thread)."""
    try:
        response = httpx.post(url, content=body, timeout=_timeout())
    except httpx.HTTPError as exc:
        return _Answer(error=f"{type(exc).__name__}: {exc}"[:200])
    return _Answer(response.status_code, response.headers.get("content-type", ""), response.text)


def _cosignature(region: Region, checkpoint: Checkpoint, answer: str) -> tuple[str, int]:
    """The region's cosignature line in the answer and its timestamp; ValueError if none verifies."""
    body, _ = note.open_note(checkpoint.note)
    name = note.witness_name(region.code)
    for line in answer.splitlines():
        if not line.strip():
            continue
        try:
            signature = note.parse_signature_lines(line + "\n")[0]
        except (note.NoteError, IndexError):
            continue
        timestamp = note.verify_cosignature(body, signature, name=name, public_key=region.sm2_public_key)
        if timestamp is not None:
            return line + "\n", timestamp
    raise ValueError("no cosignature of the region's key in the answer")


def _outcome(region: Region, checkpoint: Checkpoint, answer: _Answer) -> tuple[str, int] | str:
    """The verified cosignature, or why there is none; a 409 naming the witness's size is retried once."""
    if answer.status == 409 and answer.content_type.startswith(witness.SIZE_CONTENT_TYPE):
        try:
            their_size = int(answer.text.strip())
        except ValueError:
            return f"HTTP 409 with an unreadable size: {answer.text[:60]!r}"
        if not 0 <= their_size <= checkpoint.size:
            return f"witness is at size {their_size}, beyond this checkpoint"
        answer = _post(witness_url(region), _body(checkpoint, their_size))
    if answer.error:
        return answer.error
    if answer.status != 200:
        return f"HTTP {answer.status}: {answer.text[:120].strip()}"
    try:
        return _cosignature(region, checkpoint, answer.text)
    except ValueError as exc:
        return str(exc)


def collect_cosignatures(*, checkpoint: Checkpoint | None = None) -> list[Outcome]:
    """Ask every active region that has not cosigned ``checkpoint`` (default: the latest) for it."""
    checkpoint = checkpoint or latest_checkpoint()
    if checkpoint is None:
        return []
    done = set(checkpoint.cosignatures.values_list("region", flat=True))
    regions = [region for region in Region.objects.filter(is_active=True).order_by("code") if region.code not in done]
    if not regions:
        return []
    states = {state.region: state for state in WitnessState.objects.filter(region__in=[r.code for r in regions])}
    sizes = {r.code: min(states[r.code].size, checkpoint.size) if r.code in states else 0 for r in regions}
    bodies = {size: _body(checkpoint, size) for size in set(sizes.values())}
    with ThreadPoolExecutor(max_workers=len(regions), thread_name_prefix="evidence-witness") as pool:
        answers = list(pool.map(lambda r: _post(witness_url(r), bodies[sizes[r.code]]), regions))
    outcomes = []
    for region, raw in zip(regions, answers, strict=True):
        answer = _outcome(region, checkpoint, raw)
        if isinstance(answer, str):
            logger.warning("witness %s did not cosign checkpoint %d: %s", region.code, checkpoint.size, answer)
            WitnessState.objects.update_or_create(region=region.code, defaults={"last_error": answer[:200]})
            outcomes.append(Outcome(region.code, False, answer))
            continue
        line, timestamp = answer
        try:
            with transaction.atomic():
                Cosignature(
                    checkpoint=checkpoint, region=region.code, line=line, timestamp=timestamp,
                    public_key=region.sm2_public_key.to_bytes(True).hex(),
                ).save()
        except IntegrityError:  # another process stored it meanwhile
            pass
        WitnessState.objects.update_or_create(
            region=region.code, defaults={"size": checkpoint.size, "last_error": ""}
        )
        outcomes.append(Outcome(region.code, True))
    return outcomes
