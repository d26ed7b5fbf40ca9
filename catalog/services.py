"""Write logic of the catalog: publish, update and withdraw, each with its outbox rows (6.1, 6.2).

Every change that reaches the regions is made under a row lock, recorded in the history with
who and why, written to the outbox in the same transaction, and announced with
``catalog_entry_changed`` so that the linked scenario lists follow it (9 b).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ysj_portal.history import save_with_history

from .errors import GovernanceError
from .models import CatalogEntry, CatalogStatus, Publication, PublicationAction, PublicationKind
from .outbox import record_publication
from .payloads import catalog_publication_payload
from .signals import CHANGE_PUBLISHED, CHANGE_UPDATED, CHANGE_WITHDRAWN, catalog_entry_changed

#: Fields whose change on a published entry is published to the regions.
PUBLISHED_FIELDS = (
    "type_name",
    "authority_name",
    "authority_code",
    "holder_type",
    "related_item_name",
    "related_item_code",
    "share_start",
    "share_end",
)


def _publish(entry: CatalogEntry, action: str, actor: AbstractBaseUser | None, reason: str) -> Publication:
    return record_publication(
        kind=PublicationKind.CATALOG,
        action=action,
        code=entry.type_code,
        object_id=entry.pk,
        payload=catalog_publication_payload(entry),
        actor=actor,
        reason=reason,
    )


def _locked(entry: CatalogEntry) -> CatalogEntry:
    return CatalogEntry.objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def save_entry(entry: CatalogEntry, *, actor: AbstractBaseUser | None, reason: str = "") -> Publication | None:
    """Save an added or edited entry; a change of a published entry is published as an update.

    The type code is fixed once the entry has been published: scenario lists and the regions'
    configurations refer to it. So it is checked against GB/T 36902 whenever it is entered or
    changed; the code of an entry published before that check keeps working as it is.
    """
    if entry.pk is None:
        entry.full_clean()
        entry.status = CatalogStatus.DRAFT
        entry.updated_at = timezone.now()
        save_with_history(entry, actor, reason or "登记")
        return None
    current = _locked(entry)
    if current.first_published_at and entry.type_code.strip().upper() != current.type_code:
        raise GovernanceError("证照类型代码在发布后不可修改；如需新代码，请登记新的证照目录并撤回本条")
    entry.full_clean(exclude=["type_code"] if current.first_published_at else None)
    changed = [name for name in PUBLISHED_FIELDS if getattr(entry, name) != getattr(current, name)]
    entry.status = current.status
    entry.first_published_at = current.first_published_at
    if not changed and entry.type_code == current.type_code:
        entry.revision = current.revision
        entry.updated_at = current.updated_at
        return None
    entry.revision = current.revision + 1
    entry.updated_at = timezone.now()
    save_with_history(entry, actor, reason or "修改")
    if current.status != CatalogStatus.PUBLISHED:
        return None
    publication = _publish(entry, PublicationAction.UPDATE, actor, reason)
    catalog_entry_changed.send(sender=CatalogEntry, entry=entry, change=CHANGE_UPDATED, actor=actor, reason=reason)
    return publication


@transaction.atomic
def publish_entry(entry: CatalogEntry, *, actor: AbstractBaseUser | None, reason: str = "") -> Publication:
    """Publish a draft or withdrawn entry to the four regions."""
    entry = _locked(entry)
    if entry.status == CatalogStatus.PUBLISHED:
        raise GovernanceError(f"证照目录「{entry.type_name}」已处于发布状态")
    try:
        # A withdrawn entry published again keeps the code it was published with.
        entry.full_clean(exclude=["type_code"] if entry.first_published_at else None)
    except ValidationError as exc:
        raise GovernanceError(f"证照目录「{entry.type_name}」信息不完整，不能发布：{'；'.join(exc.messages)}") from exc
    now = timezone.now()
    entry.status = CatalogStatus.PUBLISHED
    entry.first_published_at = entry.first_published_at or now
    entry.updated_at = now
    entry.revision += 1
    save_with_history(entry, actor, reason or "发布")
    publication = _publish(entry, PublicationAction.PUBLISH, actor, reason)
    catalog_entry_changed.send(sender=CatalogEntry, entry=entry, change=CHANGE_PUBLISHED, actor=actor, reason=reason)
    return publication


@transaction.atomic
def withdraw_entry(entry: CatalogEntry, *, actor: AbstractBaseUser | None, reason: str) -> Publication:
    """Withdraw a published entry: unusable at once, removed from the scenario lists linking it (9 b)."""
    if not reason or not reason.strip():
        raise GovernanceError("撤回证照目录须填写原因")
    entry = _locked(entry)
    if entry.status != CatalogStatus.PUBLISHED:
        raise GovernanceError(f"证照目录「{entry.type_name}」未处于发布状态，无需撤回")
    entry.status = CatalogStatus.WITHDRAWN
    entry.updated_at = timezone.now()
    entry.revision += 1
    save_with_history(entry, actor, reason)
    publication = _publish(entry, PublicationAction.WITHDRAW, actor, reason)
    catalog_entry_changed.send(sender=CatalogEntry, entry=entry, change=CHANGE_WITHDRAWN, actor=actor, reason=reason)
    return publication
