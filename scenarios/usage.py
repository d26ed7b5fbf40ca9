"""Usage checks of section 7.3 a-b and 9 c for every call made under a scenario list (``itemCode``).

Two indexed queries whatever the size of the registry: the live list with the association of the
calling application, then the catalog entries the four regions confirmed for it. Only the live
(published) copy of a list counts; a pending revision never widens what an application may use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import CatalogEntry
from trust.models import TrustedApplication
from ysj_protocol import status
from ysj_protocol.envelope import EnvelopeError

from .models import ScenarioList, ScenarioStatus


@dataclass(slots=True)
class UsageGrant:
    """What a call under ``scenario_list`` may obtain: the currently shared certificate types."""

    scenario_list: ScenarioList
    allowed_type_codes: list[str] = field(default_factory=list)
    allowed_type_names: list[str] = field(default_factory=list)

    def allows(self, type_name_or_code: str) -> bool:
        return type_name_or_code in self.allowed_type_codes or type_name_or_code in self.allowed_type_names


def check_usage(
    application: TrustedApplication,
    item_code: str,
    certificate_types: list[str] | None = None,
    *,
    at: datetime | None = None,
) -> UsageGrant:
    """Whether ``application`` may use ``item_code`` (for ``certificate_types``, names or codes) at ``at``.

    Raises ``EnvelopeError`` with a 3xxx status naming the first check that fails.
    """
    at = at or timezone.now()
    through = ScenarioList.applications.through
    scenario = (
        ScenarioList.objects.filter(code=item_code, status=ScenarioStatus.PUBLISHED)
        .annotate(
            associated=Exists(through.objects.filter(scenariolist_id=OuterRef("pk"), trustedapplication_id=application.pk))
        )
        .first()
    )
    if scenario is None:
        raise EnvelopeError(status.SCENARIO_NOT_FOUND, f"itemCode={item_code}")
    if not scenario.is_valid_at(at):
        raise EnvelopeError(status.SCENARIO_NOT_VALID, f"itemCode={item_code}")
    if not scenario.associated:
        raise EnvelopeError(status.SCENARIO_NOT_ASSOCIATED, f"itemCode={item_code}")

    entries = list(
        CatalogEntry.objects.filter(published_scenario_lists=scenario)
        .only("type_code", "type_name", "status", "share_start", "share_end")
        .order_by("type_code")
    )
    shared = [entry for entry in entries if entry.is_shared_at(at)]
    requested = [value.strip() for value in (certificate_types or []) if value and value.strip()]
    for wanted in requested:
        entry = next((e for e in entries if wanted in (e.type_code, e.type_name)), None)
        if entry is None:
            raise EnvelopeError(status.CERTIFICATE_TYPE_NOT_IN_SCENARIO, wanted)
        if entry not in shared:
            raise EnvelopeError(status.CATALOG_NOT_SHARED, f"{entry.type_name}（{entry.type_code}）")
    if requested:
        shared = [e for e in shared if e.type_code in requested or e.type_name in requested]
    elif not shared:
        raise EnvelopeError(status.CATALOG_NOT_SHARED, f"用证清单 {item_code} 当前没有处于共享期的证照目录")
    return UsageGrant(
        scenario_list=scenario,
        allowed_type_codes=[e.type_code for e in shared],
        allowed_type_names=[e.type_name for e in shared],
    )
