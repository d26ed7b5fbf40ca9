"""Questions the admin and the audit pages ask of the log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from trust.models import Region

from . import leaf as leaves
from .models import Checkpoint, Cosignature, EvidenceEntry, PendingEntry, QuarantinedEntry, QuarantineRelease


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


def quarantined_count() -> int:
    """Pending entries set aside as unreadable and not sent back to the integrator."""
    return QuarantinedEntry.objects.filter(release__isnull=True).count()


@dataclass(frozen=True, slots=True)
class Requeued:
    """What ``requeue_quarantined`` did: entries sent back, entries this version still cannot read."""

    requeued: tuple[int, ...]
    unreadable: tuple[int, ...]


def requeue_quarantined(*, ids: list[int] | None, operator: str, reason: str) -> Requeued:
    """Send quarantined entries whose bytes this version reads back to the integrator.

    Each becomes a new pending entry with the same bytes and call (it takes the next index, after
    what was integrated meanwhile); the release is recorded once (``QuarantineRelease``), so an
    entry is never sent twice. ``ids`` are quarantine ids; None takes every entry not yet released.
    """
    if not operator.strip() or not reason.strip():
        raise ValueError("an operator and a reason are required")
    requeued, unreadable = [], []
    with transaction.atomic():
        entries = QuarantinedEntry.objects.filter(release__isnull=True).order_by("id")
        if ids is not None:
            entries = entries.filter(pk__in=ids)
        for entry in entries:
            data = bytes(entry.leaf)
            try:
                leaves.columns(leaves.decode(data))
            except leaves.LeafError:
                unreadable.append(entry.pk)
                continue
            pending = PendingEntry.objects.create(leaf=data, call_id=entry.call_id)
            # The release's unique entry makes a second, concurrent requeue of the same entry fail.
            QuarantineRelease(entry=entry, pending_id=pending.pk, operator=operator[:64], reason=reason[:500]).save()
            requeued.append(entry.pk)
        if requeued:
            transaction.on_commit(_wake)
    return Requeued(tuple(requeued), tuple(unreadable))


def _wake() -> None:
    from .runner import wake

    wake()
