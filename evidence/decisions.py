"""The leaves of governance steps, catalog changes and publications, written in their transaction."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from . import leaf
from .append import append
from .models import EntryKind


def _actor(actor: Any) -> tuple[str, str]:
    """The user name and the region an actor acts for (``scenarios.RegionAdministrator``), if any."""
    if actor is None or not getattr(actor, "pk", None):
        return "", ""
    try:
        administrator = actor.region_admin
    except Exception:  # noqa: BLE001 - no region administrator row (a hub officer)
        administrator = None
    region = getattr(getattr(administrator, "region", None), "code", "") if administrator is not None else ""
    return actor.get_username(), region


def decision_leaf(
    *, kind: str, action: str, object_kind: str, object_code: str, revision: int, actor: Any = None,
    region: str = "", reason: str = "", at: Any = None,
) -> bytes:
    name, actor_region = _actor(actor)
    return leaf.encode(
        kind,
        {
            "action": action,
            "actor": name,
            "actorRegion": region or actor_region,
            "at": at or timezone.now(),
            "objectCode": object_code,
            "objectKind": object_kind,
            "objectRevision": int(revision or 0),
            "reasonDigest": leaf.reason_digest(reason or ""),
        },
    )


def on_scenario_event(sender: Any, *, event: Any, **kwargs: Any) -> None:
    """A step of a scenario list's workflow (confirmation, rejection, publication, withdrawal...)."""
    append([
        decision_leaf(
            kind=EntryKind.GOVERNANCE,
            action=event.kind,
            object_kind="scenario_list",
            object_code=event.scenario_list.code,
            revision=event.revision,
            actor=event.actor,
            region=event.region.code if event.region_id else "",
            reason=event.reason,
            at=event.at,
        )
    ])


def on_catalog_change(sender: Any, *, entry: Any, change: str, actor: Any = None, reason: str = "", **kwargs: Any) -> None:
    """A catalog entry published, updated or withdrawn."""
    append([
        decision_leaf(
            kind=EntryKind.CATALOG,
            action=change,
            object_kind="catalog_entry",
            object_code=entry.type_code,
            revision=getattr(entry, "revision", 0),
            actor=actor,
            reason=reason or "",
        )
    ])


def on_publication(publication: Any) -> None:
    """A publication to the regions (``catalog.outbox.record_publication``), in its transaction."""
    append([
        decision_leaf(
            kind=EntryKind.PUBLICATION,
            action=publication.action,
            object_kind=publication.kind,
            object_code=publication.code,
            revision=int((publication.payload or {}).get("revision") or 0)
            if isinstance(publication.payload, dict) else 0,
            actor=publication.actor,
            reason=publication.reason,
            at=publication.published_at,
        )
    ])


def on_download(*, link: Any, file_digest: str, request_id: str) -> None:
    """A certificate file about to leave through its signed address (12.1.6, 12.1.7)."""
    audit = link.audit if isinstance(link.audit, dict) else {}
    retrieval = link.item.retrieval
    append([
        leaf.encode(
            EntryKind.DOWNLOAD,
            {
                "application": str(audit.get("appId") or link.application.app_id),
                "at": timezone.now(),
                "bizNum": str(audit.get("bizNum", "")),
                "fileDigest": (file_digest or "").lower(),
                "holder": retrieval.holder_key,
                "link": str(link.pk),
                "operator": str(audit.get("operator", "")),
                "region": link.region.code,
                "requestId": request_id,
                "scenario": str(audit.get("itemCode", "")),
            },
        )
    ])
