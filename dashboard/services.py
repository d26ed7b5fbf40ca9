"""What the governance home page shows: what is each administrator's to do, and how the regions fare.

A region administrator sees their own region: the scenario lists waiting for its decision, the
lists it registered that another region rejected, its undelivered publications and its node's
health. A staff user without a region (a superuser, an auditor) sees every region.

Each figure is a fixed number of queries whatever the number of lists: counts and rows are
limited in the database, per-region figures come from one query with a subquery per column.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import DeliveryState, PublicationDelivery
from scenarios.models import Decision, RoundState, ScenarioConfirmation, ScenarioEvent, ScenarioList
from scenarios.services import region_of
from trust.models import EnvelopeCall, Region
from ysj_protocol import regions as parties
from ysj_protocol.records import MADE

from . import metrics

#: Rows shown per list on the home page; the count beside them links to all of them.
ROWS_SHOWN = 10
#: An undelivered publication turns amber, then red, after waiting this long (a failed one is red).
DELIVERY_AMBER_AFTER = timedelta(minutes=10)
DELIVERY_RED_AFTER = timedelta(hours=1)
#: The window of the nodes' health figures.
HEALTH_WINDOW = timedelta(hours=1)
#: How far back the last successful call is looked for: older is "none within 7 days", so that a
#: node that never answers costs an index range, not a scan of every call ever recorded.
LAST_SUCCESS_HORIZON = timedelta(days=7)
#: A node is amber above this share of failed calls in the window, red above the second.
HEALTH_AMBER_RATE = 0.05
HEALTH_RED_RATE = 0.25
#: A checkpoint older than this many seconds without a witness is listed; the evidence admin's
#: "lacking a witness" filter reads the same setting, so the link shows the same checkpoints.
WITNESS_GRACE_SETTING, WITNESS_GRACE_DEFAULT = "EVIDENCE_WITNESS_ALERT_SECONDS", 60

UNDELIVERED = (DeliveryState.PENDING, DeliveryState.FAILED)


class Light:
    """The colour of a figure: fine, watch it, act on it, nothing to judge."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


# --------------------------------------------------------------------------- scenario lists


def awaiting_decision(*, region: Region) -> QuerySet[ScenarioList]:
    """Lists whose open round needs ``region`` and on whose current revision it has not decided (9 a)."""
    decided = ScenarioConfirmation.objects.filter(
        scenario_list=OuterRef("pk"), revision=OuterRef("revision"), region=region
    )
    return ScenarioList.objects.filter(
        round_state=RoundState.PENDING, round_regions__has_key=region.code
    ).exclude(Exists(decided))


def pending_rounds() -> QuerySet[ScenarioList]:
    """Lists waiting for at least one region's decision: every open round (for users without a region)."""
    return ScenarioList.objects.filter(round_state=RoundState.PENDING)


def rejected_registrations(*, region: Region | None) -> QuerySet[ScenarioList]:
    """Lists whose current revision a region rejected; for a region, only the lists it registered."""
    lists = ScenarioList.objects.filter(round_state=RoundState.REJECTED)
    return lists.filter(proposed_by=region) if region is not None else lists


def round_opened_at() -> Coalesce:
    """When the current revision's round opened: its first logged event (registration, edit, reopening)."""
    first_event = ScenarioEvent.objects.filter(
        scenario_list=OuterRef("pk"), revision=OuterRef("revision")
    ).order_by("at", "id")
    return Coalesce(Subquery(first_event.values("at")[:1]), F("modified_at"))


@dataclass(slots=True)
class WaitingList:
    scenario: ScenarioList
    since: datetime
    waited: timedelta
    undecided: list[str] = field(default_factory=list)  # names of the regions that have not decided yet
    own: bool = False  # registered by the viewing region, which decides on it like every other (9 a)


@dataclass(slots=True)
class RejectedList:
    scenario: ScenarioList
    rejected_by: str
    reason: str
    rejected_at: datetime | None


@dataclass(slots=True)
class Rows:
    """At most ``ROWS_SHOWN`` rows and the count of all of them."""

    count: int
    rows: list


def _total() -> Window:
    """The number of rows the query matches, carried on each row shown (``COUNT(*) OVER ()``)."""
    return Window(Count("pk"))


def waiting_lists(
    lists: QuerySet[ScenarioList], *, now: datetime, region: Region | None = None, limit: int = ROWS_SHOWN
) -> Rows:
    """The lists waiting longest first, with how long and for whom (two queries)."""
    shown = list(
        lists.annotate(since=round_opened_at(), total=_total())
        .select_related("proposed_by")
        .order_by("since", "pk")[:limit]
    )
    decided: dict[int, set[str]] = {}
    revisions = {scenario.pk: scenario.revision for scenario in shown}
    rows = ScenarioConfirmation.objects.filter(scenario_list__in=list(revisions)).values_list(
        "scenario_list_id", "revision", "region__code"
    )
    for scenario_id, revision, code in rows:
        if revisions[scenario_id] == revision:
            decided.setdefault(scenario_id, set()).add(code)
    result = [
        WaitingList(
            scenario=scenario,
            since=scenario.since,
            waited=now - scenario.since,
            undecided=[
                parties.name_of(code)
                for code in scenario.needed_regions
                if code not in decided.get(scenario.pk, set())
            ],
            own=region is not None and scenario.proposed_by_id == region.pk,
        )
        for scenario in shown
    ]
    return Rows(count=shown[0].total if shown else 0, rows=result)


def rejected_lists(lists: QuerySet[ScenarioList], *, limit: int = ROWS_SHOWN) -> Rows:
    """The most recently rejected first, with who rejected and why (one query)."""
    rejection = ScenarioConfirmation.objects.filter(
        scenario_list=OuterRef("pk"), revision=OuterRef("revision"), decision=Decision.REJECTED
    ).order_by("-decided_at")
    shown = list(
        lists.annotate(
            rejected_by=Subquery(rejection.values("region__name")[:1]),
            rejection_reason=Subquery(rejection.values("reason")[:1]),
            rejected_at=Subquery(rejection.values("decided_at")[:1]),
            total=_total(),
        )
        .select_related("proposed_by")
        .order_by(F("rejected_at").desc(nulls_last=True), "-pk")[:limit]
    )
    rows = [RejectedList(s, s.rejected_by or "", s.rejection_reason or "", s.rejected_at) for s in shown]
    return Rows(count=shown[0].total if shown else 0, rows=rows)


# --------------------------------------------------------------------------- regions


@dataclass(slots=True)
class RegionStatus:
    """One region's undelivered publications and its node's health."""

    region: Region
    undelivered: int
    failed: int
    oldest_undelivered: datetime | None
    oldest_age: timedelta | None
    last_error: str
    delivery_light: str
    last_success: datetime | None
    calls: metrics.CallFigures
    health_light: str


def _count(queryset: QuerySet) -> Subquery:
    return Subquery(
        queryset.order_by().values("region").annotate(n=Count("pk")).values("n"), output_field=IntegerField()
    )


def regions_in_scope(*, region: Region | None) -> QuerySet[Region]:
    """The regions a user sees: their own, or every registered region."""
    rows = Region.objects.order_by("division_code")
    return rows.filter(pk=region.pk) if region is not None else rows


def region_statuses(*, region: Region | None, now: datetime) -> list[RegionStatus]:
    """Deliveries and node health of each region in scope (three queries whatever the data)."""
    undelivered = PublicationDelivery.objects.filter(region=OuterRef("pk"), state__in=UNDELIVERED)
    rows = list(
        regions_in_scope(region=region).annotate(
            undelivered=Coalesce(_count(undelivered), 0),
            failed=Coalesce(_count(undelivered.filter(state=DeliveryState.FAILED)), 0),
            oldest_undelivered=Subquery(undelivered.order_by("created_at").values("created_at")[:1]),
            last_error=Subquery(
                undelivered.exclude(last_error="")
                .order_by(F("last_attempt_at").desc(nulls_last=True), "-pk")
                .values("last_error")[:1]
            ),
            last_success_by_code=_last_answer("code", since=now - LAST_SUCCESS_HORIZON),
            last_success_by_account=_last_answer("account_id", since=now - LAST_SUCCESS_HORIZON),
        )
    )
    figures = metrics.call_figures(rows, since=now - HEALTH_WINDOW)
    result = []
    for row in rows:
        oldest = row.oldest_undelivered
        calls = figures[row.code]
        stamps = [s for s in (row.last_success_by_code, row.last_success_by_account) if s is not None]
        result.append(
            RegionStatus(
                region=row,
                undelivered=row.undelivered,
                failed=row.failed,
                oldest_undelivered=oldest,
                oldest_age=now - oldest if oldest is not None else None,
                last_error=row.last_error or "",
                delivery_light=delivery_light(
                    undelivered=row.undelivered, failed=row.failed, oldest=oldest, now=now
                ),
                last_success=max(stamps) if stamps else None,
                calls=calls,
                health_light=health_light(calls),
            )
        )
    return result


def _last_answer(column: str, *, since: datetime) -> Subquery:
    """When the hub last had a valid answer from the region (since ``since``), recorded under its ``column``."""
    answered = EnvelopeCall.objects.filter(
        direction=MADE, account_id=OuterRef(column), created_at__gte=since
    ).exclude(metrics.FAILED)
    return Subquery(answered.order_by("-created_at").values("created_at")[:1])


def delivery_light(*, undelivered: int, failed: int, oldest: datetime | None, now: datetime) -> str:
    if not undelivered:
        return Light.GREEN
    if failed or oldest is None or now - oldest >= DELIVERY_RED_AFTER:
        return Light.RED
    return Light.AMBER if now - oldest >= DELIVERY_AMBER_AFTER else Light.GREEN


def health_light(calls: metrics.CallFigures) -> str:
    rate = calls.error_rate
    if rate is None:
        return Light.GREY
    if rate > HEALTH_RED_RATE:
        return Light.RED
    return Light.AMBER if rate > HEALTH_AMBER_RATE else Light.GREEN


# --------------------------------------------------------------------------- the evidence log


EVIDENCE_APP, EVIDENCE_SERVICES = "evidence", "evidence.services"


def witness_grace() -> timedelta:
    return timedelta(seconds=float(getattr(settings, WITNESS_GRACE_SETTING, WITNESS_GRACE_DEFAULT)))


def checkpoints_lacking_witness() -> list | None:
    """Checkpoints of the evidence log past the grace without a witness (each with the regions missing).

    None while the evidence app is not installed or does not offer the function yet.
    """
    if not apps.is_installed(EVIDENCE_APP) or importlib.util.find_spec(EVIDENCE_SERVICES) is None:
        return None
    lacking = getattr(importlib.import_module(EVIDENCE_SERVICES), "checkpoints_lacking_witness", None)
    return list(lacking(older_than=witness_grace())) if lacking is not None else None


# --------------------------------------------------------------------------- the page


@dataclass(slots=True)
class HomeFigures:
    region: Region | None
    waiting: Rows | None
    rejected: Rows | None
    regions: list[RegionStatus]
    unwitnessed: list | None  # None: no evidence log yet
    now: datetime

    @property
    def all_regions(self) -> bool:
        return self.region is None


def home_figures(*, user: AbstractBaseUser, now: datetime | None = None) -> HomeFigures:
    """Everything the home page of ``user`` shows; sections the user may not read are left out."""
    now = now or timezone.now()
    region = region_of(user)
    waiting = rejected = None
    if user.has_perm("scenarios.view_scenariolist"):
        waiting = waiting_lists(
            awaiting_decision(region=region) if region else pending_rounds(), now=now, region=region
        )
        rejected = rejected_lists(rejected_registrations(region=region))
    statuses = region_statuses(region=region, now=now) if sees_regions(user, region) else []
    checkpoints = checkpoints_lacking_witness()
    return HomeFigures(
        region=region,
        waiting=waiting,
        rejected=rejected,
        regions=statuses,
        unwitnessed=checkpoints,
        now=now,
    )


def sees_regions(user: AbstractBaseUser, region: Region | None) -> bool:
    """Deliveries and node health: a region's administrators for their region, readers of the records for all."""
    return (
        region is not None
        or user.has_perm("catalog.view_publicationdelivery")
        or user.has_perm("trust.view_envelopecall")
    )


# --------------------------------------------------------------------------- the charts

#: The charts' window: the last 24 whole hours and the current one.
CHART_HOURS = 24


@dataclass(slots=True)
class ChartFigures:
    region: Region | None
    since: datetime
    hours: list[datetime]
    calls: list[tuple[Region, list[int]]]
    percentiles: list[tuple[Region, dict[int, float]]]
    refusals: list[metrics.Refusal]


def chart_figures(*, user: AbstractBaseUser, now: datetime | None = None) -> ChartFigures:
    """Calls per region per hour, latency percentiles and refusals by reason over the last 24 hours."""
    now = now or timezone.now()
    region = region_of(user)
    shown = list(regions_in_scope(region=region))
    end = timezone.localtime(now).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    since = end - timedelta(hours=CHART_HOURS)
    hours = [since + timedelta(hours=i) for i in range(CHART_HOURS)]
    per_hour = metrics.calls_per_hour(shown, since=since, until=end)
    percentiles = metrics.latency_percentiles(shown, since=since)
    return ChartFigures(
        region=region,
        since=since,
        hours=hours,
        calls=[(r, [per_hour.get(r.code, {}).get(hour, 0) for hour in hours]) for r in shown],
        percentiles=[(r, percentiles.get(r.code, {})) for r in shown],
        refusals=metrics.refusals_by_reason(since=since, region=region),
    )
