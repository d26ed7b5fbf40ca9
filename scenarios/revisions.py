"""What changed in a scenario list since a revision a region knows: the decide page's diff.

The baseline is the revision the region last confirmed, or else the live (published) copy. The
content of an earlier revision comes from the list's django-simple-history rows (the last row
of that revision, which holds its final catalog entries); the live copy from the row itself. The
edits in between, with who made them and why, come from the list's ``ScenarioEvent`` log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from catalog.models import CatalogEntry
from trust.models import Region

from .models import Decision, EventKind, ScenarioConfirmation, ScenarioEvent, ScenarioList

#: Events that change the content or open a round: the "who edited it and why" of the diff.
EDIT_EVENTS = (EventKind.PROPOSED, EventKind.EDITED, EventKind.REOPENED, EventKind.ROUND_RESET, EventKind.UPDATED)


@dataclass(slots=True)
class Content:
    """One revision's substance: what a decision is about."""

    revision: int | None
    name: str
    valid_start: datetime | None
    valid_end: datetime | None
    entry_ids: set[int]


@dataclass(slots=True)
class FieldChange:
    label: str
    before: object
    after: object

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(slots=True)
class RevisionDiff:
    """The current working copy against a baseline (None: nothing to compare with, a first round)."""

    baseline: Content | None
    baseline_label: str
    current: Content
    fields: list[FieldChange] = field(default_factory=list)
    added: list[CatalogEntry] = field(default_factory=list)
    removed: list[CatalogEntry] = field(default_factory=list)
    kept: list[CatalogEntry] = field(default_factory=list)
    edits: list[ScenarioEvent] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or any(f.changed for f in self.fields))


def current_content(scenario: ScenarioList) -> Content:
    return Content(scenario.revision, scenario.name, scenario.valid_start, scenario.valid_end,
                   set(scenario.entries.values_list("pk", flat=True)))


def live_content(scenario: ScenarioList) -> Content | None:
    if not scenario.published_revision:
        return None
    return Content(scenario.published_revision, scenario.published_name, scenario.published_valid_start,
                   scenario.published_valid_end, set(scenario.published_entries.values_list("pk", flat=True)))


def revision_content(scenario: ScenarioList, revision: int) -> Content | None:
    """The content of ``revision`` as its last history row recorded it (None when no row has it)."""
    record = scenario.history.filter(revision=revision).order_by("-history_date", "-history_id").first()
    if record is None:
        return None
    ids = set(record.entries.values_list("catalogentry_id", flat=True))
    return Content(revision, record.name, record.valid_start, record.valid_end, ids)


def last_confirmed_revision(scenario: ScenarioList, region: Region) -> int | None:
    """The latest earlier revision ``region`` confirmed, if any."""
    return (
        ScenarioConfirmation.objects.filter(
            scenario_list=scenario, region=region, decision=Decision.CONFIRMED, revision__lt=scenario.revision
        )
        .order_by("-revision")
        .values_list("revision", flat=True)
        .first()
    )


def baseline_for(scenario: ScenarioList, region: Region | None) -> tuple[Content | None, str]:
    """What ``region`` compares the current revision with, and how the page names it."""
    confirmed = last_confirmed_revision(scenario, region) if region is not None else None
    if confirmed is not None:
        if confirmed == scenario.published_revision:
            content = live_content(scenario)
        else:
            content = revision_content(scenario, confirmed)
        if content is not None:
            return content, f"{region.name}上次确认的第 {confirmed} 版"
    live = live_content(scenario)
    if live is not None and live.revision != scenario.revision:
        return live, f"当前已发布的第 {live.revision} 版"
    return None, ""


def diff_since(scenario: ScenarioList, region: Region | None) -> RevisionDiff:
    """The current revision of ``scenario`` against what ``region`` last confirmed (or the live copy)."""
    current = current_content(scenario)
    baseline, label = baseline_for(scenario, region)
    diff = RevisionDiff(baseline=baseline, baseline_label=label, current=current)
    before_ids = baseline.entry_ids if baseline is not None else current.entry_ids
    entries = {e.pk: e for e in CatalogEntry.objects.filter(pk__in=before_ids | current.entry_ids).order_by("type_code")}
    ordered = list(entries.values())
    diff.added = [e for e in ordered if e.pk in current.entry_ids and e.pk not in before_ids]
    diff.removed = [e for e in ordered if e.pk in before_ids and e.pk not in current.entry_ids]
    diff.kept = [e for e in ordered if e.pk in current.entry_ids and e.pk in before_ids]
    if baseline is not None:
        diff.fields = [
            FieldChange("清单名称", baseline.name, current.name),
            FieldChange("有效开始时间", baseline.valid_start, current.valid_start),
            FieldChange("失效结束时间", baseline.valid_end, current.valid_end),
        ]
    since = baseline.revision if baseline is not None and baseline.revision else 0
    diff.edits = list(
        scenario.events.filter(kind__in=EDIT_EVENTS, revision__gt=since)
        .select_related("actor", "region")
        .order_by("at", "id")
    )
    return diff
