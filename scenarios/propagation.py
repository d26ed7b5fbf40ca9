"""9 b: when a linked catalog entry changes, the scenario lists follow it.

The rule (README, "Governance and publication"):

- an update of a published entry (names, authority, related item, share window) moves the
  ``updateTime`` of every live list that links it and publishes those lists again; the regions
  confirmed the association, not the entry's wording, so no new round is needed;
- a withdrawn entry is removed from every list at once (working and live copy): it can no longer
  be used through any list. Removing narrows use, so it is applied without a round; a list left
  with no entry is withdrawn (6.3 b). A pending round whose content changed this way is reset
  (a new round, needing the parties of the table at that moment) and says so. Re-publishing the
  entry later does not put it back: adding it to a list again is an edit that the regions confirm;
- a new publication of an entry changes no list.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from catalog.models import CatalogEntry, PublicationAction
from catalog.signals import CHANGE_UPDATED, CHANGE_WITHDRAWN
from ysj_portal.history import save_with_history

from .models import EventKind, RoundState, ScenarioConfirmation, ScenarioList, ScenarioStatus
from .services import log_event, open_round, parties_label, record_list_publication


def on_catalog_entry_changed(sender: Any, *, entry: CatalogEntry, change: str, actor: AbstractBaseUser | None = None,
                             reason: str = "", **kwargs: Any) -> None:
    if change == CHANGE_UPDATED:
        _follow_update(entry, actor)
    elif change == CHANGE_WITHDRAWN:
        _follow_withdrawal(entry, actor, reason)


def _follow_update(entry: CatalogEntry, actor: AbstractBaseUser | None) -> None:
    lists = ScenarioList.objects.select_for_update().filter(
        published_entries=entry, status=ScenarioStatus.PUBLISHED
    ).order_by("pk")
    note = f"关联证照目录「{entry.type_name}」（{entry.type_code}）已更新"
    for scenario in lists:
        scenario.updated_at = timezone.now()
        save_with_history(scenario, actor, note)
        log_event(scenario, EventKind.UPDATED, actor=actor, reason=note)
        record_list_publication(scenario, PublicationAction.UPDATE, actor, note)


def _follow_withdrawal(entry: CatalogEntry, actor: AbstractBaseUser | None, reason: str) -> None:
    linked = ScenarioList.objects.select_for_update().filter(pk__in=_linked_ids(entry)).order_by("pk")
    note = f"关联证照目录「{entry.type_name}」（{entry.type_code}）已撤回，已从清单中移除"
    if reason:
        note = f"{note}（{reason}）"
    for scenario in linked:
        in_working = scenario.entries.filter(pk=entry.pk).exists()
        was_live = scenario.published_entries.filter(pk=entry.pk).exists()
        scenario.entries.remove(entry)
        scenario.published_entries.remove(entry)
        if in_working and scenario.round_state in (RoundState.PENDING, RoundState.REJECTED):
            decided = ScenarioConfirmation.objects.filter(scenario_list=scenario, revision=scenario.revision).exists()
            open_round(scenario)
            if decided:
                log_event(scenario, EventKind.ROUND_RESET, actor=actor,
                          reason=f"{note}；此前对上一版本的决定失效，需{parties_label(scenario)}重新确认")
        elif in_working and scenario.round_state == RoundState.CONFIRMED:
            scenario.revision += 1  # working and live copy narrowed together
            scenario.published_revision = scenario.revision
        if not scenario.entries.exists() and scenario.round_state != RoundState.CONFIRMED:
            scenario.round_state = RoundState.CLOSED
        if not was_live or scenario.status != ScenarioStatus.PUBLISHED:
            save_with_history(scenario, actor, note)
            log_event(scenario, EventKind.UPDATED, actor=actor, reason=note)
            continue
        scenario.updated_at = timezone.now()
        if not scenario.published_entries.exists():
            scenario.status = ScenarioStatus.WITHDRAWN
            scenario.round_state = RoundState.CLOSED
            save_with_history(scenario, actor, note)
            log_event(scenario, EventKind.WITHDRAWN, actor=actor, reason=f"{note}；清单已无可用证照目录（6.3 b），自动撤回")
            record_list_publication(scenario, PublicationAction.WITHDRAW, actor, note)
        else:
            save_with_history(scenario, actor, note)
            log_event(scenario, EventKind.UPDATED, actor=actor, reason=note)
            record_list_publication(scenario, PublicationAction.UPDATE, actor, note)


def _linked_ids(entry: CatalogEntry) -> set[int]:
    working = ScenarioList.entries.through.objects.filter(catalogentry_id=entry.pk).values_list("scenariolist_id", flat=True)
    live = ScenarioList.published_entries.through.objects.filter(catalogentry_id=entry.pk).values_list(
        "scenariolist_id", flat=True
    )
    return set(working) | set(live)
