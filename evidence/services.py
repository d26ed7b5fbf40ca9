"""Questions the admin and the audit pages ask of the log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from trust.models import Region

from .models import Checkpoint, Cosignature, EvidenceEntry


@dataclass(frozen=True, slots=True)
class LackingWitness:
    """A checkpoint, older than the allowed delay, that active regions have not cosigned (nor any later one)."""

    checkpoint: Checkpoint
    regions: tuple[str, ...]


def witness_quorum() -> int:
    """How many cosignatures make a checkpoint "cosigned" (``YSJ_EVIDENCE_WITNESS_QUORUM``, default 1)."""
    return max(1, int(getattr(settings, "YSJ_EVIDENCE_WITNESS_QUORUM", 1)))


def checkpoints_lacking_witness(*, older_than: dt.timedelta) -> list[LackingWitness]:
    """The newest checkpoint issued more than ``older_than`` ago, if some active region has not yet
    cosigned it or a later checkpoint (a witness that cosigns a later one has checked this one's
    consistency too); an empty list when every region kept up.
    """
    checkpoint = Checkpoint.objects.filter(created_at__lte=timezone.now() - older_than).order_by("-size").first()
    if checkpoint is None:
        return []
    covered = set(
        Cosignature.objects.filter(checkpoint__size__gte=checkpoint.size).values_list("region", flat=True).distinct()
    )
    lacking = tuple(code for code in Region.objects.filter(is_active=True).order_by("code").values_list("code", flat=True)
                    if code not in covered)
    return [LackingWitness(checkpoint, lacking)] if lacking else []


def latest_cosigned_checkpoint() -> Checkpoint | None:
    """The newest checkpoint with at least ``witness_quorum()`` cosignatures."""
    # Only cosigned checkpoints have rows here; checkpoints are issued in size order.
    newest = (
        Cosignature.objects.values("checkpoint_id")
        .annotate(cosigners=Count("id"))
        .filter(cosigners__gte=witness_quorum())
        .order_by("-checkpoint_id")
        .values_list("checkpoint_id", flat=True)
        .first()
    )
    return Checkpoint.objects.get(pk=newest) if newest is not None else None


def inclusion_checkpoint(entry: EvidenceEntry) -> Checkpoint | None:
    """The latest cosigned checkpoint if it includes ``entry``; None while the entry is not yet witnessed."""
    checkpoint = latest_cosigned_checkpoint()
    return checkpoint if checkpoint is not None and entry.index < checkpoint.size else None
