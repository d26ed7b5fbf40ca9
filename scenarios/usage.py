"""Usage checks of section 7.3 a-b and 9 c for every call made under a scenario list (``itemCode``).

Three indexed queries whatever the size of the registry (the live list, its associated applications,
the catalog entries the four regions confirmed for it), cached per process under the registry's
generation (``trust.registry``), so a call usually costs one small query. Only the live
(published) copy of a list counts; a pending revision never widens what an application may use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from catalog.models import CatalogEntry
from trust import registry
from trust.models import TrustedApplication
from ysj_protocol import status
from ysj_protocol.envelope import EnvelopeError

from .models import ScenarioList, ScenarioStatus


def names_type(requested: Sequence[str], type_code: str, type_name: str) -> bool:
    """Whether a certificate type is among the types a call names (codes or names); none named: every type.

    The one narrowing rule of ``certificateType``: for the catalog entries of a list here, and
    for the certificates a region answers, through ``UsageGrant.admits``.
    """
    return not requested or type_code in requested or type_name in requested


@dataclass(slots=True)
class UsageGrant:
    """What a call under ``scenario_list`` may obtain: the currently shared certificate types."""

    scenario_list: ScenarioList
    allowed_type_codes: list[str] = field(default_factory=list)
    allowed_type_names: list[str] = field(default_factory=list)
    #: The types the call named (``certificateType``), which narrowed the allowed ones.
    requested: tuple[str, ...] = ()

    def allows_code(self, type_code: str) -> bool:
        """Whether a certificate of this shared type code may be handed out under the list."""
        return type_code in self.allowed_type_codes

    def admits(self, type_code: str, type_name: str) -> bool:
        """Whether a certificate a region found (its code and name) is one this call may obtain."""
        return self.allows_code(type_code) and names_type(self.requested, type_code, type_name)


@dataclass(frozen=True, slots=True)
class ScenarioSnapshot:
    """The live copy of a scenario list as the usage check needs it (cached: ``trust.registry``)."""

    scenario_list: ScenarioList
    application_ids: frozenset[int]
    entries: tuple[CatalogEntry, ...]


def load_scenario(item_code: str) -> ScenarioSnapshot | None:
    """The published list ``item_code``, the applications associated with it and its confirmed entries."""
    scenario = ScenarioList.objects.filter(code=item_code, status=ScenarioStatus.PUBLISHED).first()
    if scenario is None:
        return None
    through = ScenarioList.applications.through
    application_ids = frozenset(
        through.objects.filter(scenariolist_id=scenario.pk).values_list("trustedapplication_id", flat=True)
    )
    entries = tuple(
        CatalogEntry.objects.filter(published_scenario_lists=scenario)
        .only("type_code", "type_name", "status", "share_start", "share_end")
        .order_by("type_code")
    )
    return ScenarioSnapshot(scenario_list=scenario, application_ids=application_ids, entries=entries)


def check_usage(
    application: TrustedApplication,
    item_code: str,
    certificate_types: list[str] | None = None,
    *,
    at: datetime | None = None,
) -> UsageGrant:
    """Whether ``application`` may use ``item_code`` (for ``certificate_types``, names or codes) at ``at``.

    Raises ``EnvelopeError`` with a 3xxx status naming the first check that fails. The list is
    read through the registry cache; its validity and the entries' sharing periods are judged
    here, at ``at``, on every call.
    """
    at = at or timezone.now()
    snapshot = registry.cached(("scenario", item_code), lambda: load_scenario(item_code))
    if snapshot is None:
        raise EnvelopeError(status.SCENARIO_NOT_FOUND, f"itemCode={item_code}")
    if not snapshot.scenario_list.is_valid_at(at):
        raise EnvelopeError(status.SCENARIO_NOT_VALID, f"itemCode={item_code}")
    if application.pk not in snapshot.application_ids:
        raise EnvelopeError(status.SCENARIO_NOT_ASSOCIATED, f"itemCode={item_code}")

    entries = snapshot.entries
    shared = [entry for entry in entries if entry.is_shared_at(at)]
    requested = [value.strip() for value in (certificate_types or []) if value and value.strip()]
    for wanted in requested:
        entry = next((e for e in entries if wanted in (e.type_code, e.type_name)), None)
        if entry is None:
            raise EnvelopeError(status.CERTIFICATE_TYPE_NOT_IN_SCENARIO, wanted)
        if entry not in shared:
            raise EnvelopeError(status.CATALOG_NOT_SHARED, f"{entry.type_name}（{entry.type_code}）")
    shared = [entry for entry in shared if names_type(requested, entry.type_code, entry.type_name)]
    if not requested and not shared:
        raise EnvelopeError(status.CATALOG_NOT_SHARED, f"用证清单 {item_code} 当前没有处于共享期的证照目录")
    return UsageGrant(
        scenario_list=snapshot.scenario_list,
        allowed_type_codes=[e.type_code for e in shared],
        allowed_type_names=[e.type_name for e in shared],
        requested=tuple(requested),
    )
