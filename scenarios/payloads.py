"""The scenario list as the standard shows it (table 2 of 12.1.4), shared by the API and publications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from catalog.models import CatalogEntry
from catalog.payloads import format_time

from .models import ScenarioList


def scenario_item(scenario: ScenarioList, entries: list[CatalogEntry]) -> dict[str, Any]:
    """One element of the 12.1.4 answer, from the live (four-region confirmed) copy.

    Table 2 plus the first publication time (6.3 c) and the validity window (6.3 d; an empty
    end: valid indefinitely).
    """
    return {
        "itemName": scenario.published_name,
        "itemCode": scenario.code,
        "updateTime": format_time(scenario.updated_at),
        "firstPublishTime": format_time(scenario.first_published_at),
        "validStart": format_time(scenario.published_valid_start),
        "validEnd": format_time(scenario.published_valid_end),
        "dataList": [{"certificateType": e.type_name, "certificateTypeCode": e.type_code} for e in entries],
    }


def shared_entries(scenario: ScenarioList, at: datetime | None = None) -> list[CatalogEntry]:
    """Live entries currently shared; uses the prefetched ``published_entries`` when present."""
    at = at or timezone.now()
    return sorted((e for e in scenario.published_entries.all() if e.is_shared_at(at)), key=lambda e: e.type_code)


def scenario_publication_payload(scenario: ScenarioList) -> dict[str, Any]:
    """What a region receives: the 12.1.4 item (every published entry, times and window) plus status."""
    entries = sorted(
        (e for e in scenario.published_entries.all() if e.is_published), key=lambda e: e.type_code
    )
    return {
        **scenario_item(scenario, entries),
        "status": scenario.status,
        "revision": scenario.published_revision,
    }
