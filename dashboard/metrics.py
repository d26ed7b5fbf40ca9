"""Figures of the envelope call records (``trust.models.EnvelopeCall``) per region, over a time window.

Every function is one aggregate query bounded to ``created_at >= since`` (an indexed column), so
the database reads only the window's rows and hands back a few grouped rows, never the calls.

The hub records a call it made to a region under either of two account ids: the region's code
(the fused search and downloads, ``sharing.regions``) or the region's ``account_id`` (the
publication deliveries, ``catalog.delivery``). Both count as calls to that region here.

Latency percentiles use the nearest-rank method, computed in the database with window functions
(``ROW_NUMBER`` and ``COUNT`` over the region's calls, ordered by latency), which PostgreSQL and
SQLite (3.25+) both have: only the rows at the wanted ranks come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncHour
from django.utils import timezone

from trust.models import EnvelopeCall, Region
from ysj_portal import audit
from ysj_protocol import status as st
from ysj_protocol.records import MADE, SERVED

#: The percentiles the charts show (the home page shows the first two).
PERCENTILES = (50, 95, 99)


def region_accounts(region: Region) -> list[str]:
    """The account ids the hub's calls to ``region`` are recorded under."""
    return sorted({region.code, region.account_id} - {""})


def region_key(regions: list[Region]) -> Case:
    """The region code of a call record made to one of ``regions`` (empty for any other)."""
    return Case(
        *[When(account_id__in=region_accounts(region), then=Value(region.code)) for region in regions],
        default=Value(""),
        output_field=CharField(),
    )


def calls_to(
    regions: list[Region], *, since: datetime, until: datetime | None = None
) -> QuerySet[EnvelopeCall]:
    """The calls the hub made to ``regions`` in ``[since, until)``."""
    accounts = [account for region in regions for account in region_accounts(region)]
    calls = EnvelopeCall.objects.filter(direction=MADE, created_at__gte=since, account_id__in=accounts)
    if until is not None:
        calls = calls.filter(created_at__lt=until)
    return calls


#: A call that got no valid answer: a timeout, a refused connection, an answer that was not an
#: envelope, a call given up at the fan-out's deadline (``CallRecord.error`` is set for these only).
FAILED = ~Q(error="")


@dataclass(slots=True)
class CallFigures:
    total: int = 0
    failed: int = 0
    percentiles: dict[int, float] = field(default_factory=dict)

    @property
    def error_rate(self) -> float | None:
        return self.failed / self.total if self.total else None


def call_figures(
    regions: list[Region], *, since: datetime, percents: tuple[int, ...] = PERCENTILES[:2]
) -> dict[str, CallFigures]:
    """Per region code: calls made since ``since``, how many failed, and their latency percentiles."""
    figures = {region.code: CallFigures() for region in regions}
    if not regions:
        return figures
    rows = (
        calls_to(regions, since=since)
        .annotate(region=region_key(regions))
        .values("region")
        .order_by()
        .annotate(total=Count("pk"), failed=Count("pk", filter=FAILED))
    )
    for row in rows:
        if row["region"] in figures:
            figures[row["region"]].total = row["total"]
            figures[row["region"]].failed = row["failed"]
    for code, values in latency_percentiles(regions, since=since, percents=percents).items():
        figures[code].percentiles = values
    return figures


def latency_percentiles(
    regions: list[Region], *, since: datetime, percents: tuple[int, ...] = PERCENTILES
) -> dict[str, dict[int, float]]:
    """Per region code, the latency (ms) at each percentile of the answered calls since ``since``.

    Nearest rank: the value at rank ceil(p × n / 100) of the n latencies in ascending order,
    written (p × n + 99) / 100 in integer arithmetic, the same on both databases.
    """
    if not regions:
        return {}
    key = region_key(regions)
    ranked = (
        calls_to(regions, since=since)
        .filter(~FAILED)
        .annotate(
            region=key,
            position=Window(RowNumber(), partition_by=[key], order_by=[F("latency_ms").asc(), F("id").asc()]),
            size=Window(Count("pk"), partition_by=[key]),
        )
    )
    wanted = Q()
    for percent in percents:
        rank = (F("size") * Value(percent) + Value(99)) / Value(100)
        ranked = ranked.annotate(**{f"rank_{percent}": ExpressionWrapper(rank, output_field=IntegerField())})
        wanted |= Q(position=F(f"rank_{percent}"))
    result: dict[str, dict[int, float]] = {}
    for row in ranked.filter(wanted).values("region", "position", "size", "latency_ms"):
        for percent in percents:
            if row["position"] == (percent * row["size"] + 99) // 100:
                result.setdefault(row["region"], {})[percent] = row["latency_ms"]
    return result


def calls_per_hour(
    regions: list[Region], *, since: datetime, until: datetime
) -> dict[str, dict[datetime, int]]:
    """Per region code, the number of calls made in each hour (local time) of ``[since, until)``."""
    if not regions:
        return {}
    rows = (
        calls_to(regions, since=since, until=until)
        .annotate(
            region=region_key(regions), hour=TruncHour("created_at", tzinfo=timezone.get_current_timezone())
        )
        .values("region", "hour")
        .order_by()
        .annotate(calls=Count("pk"))
    )
    result: dict[str, dict[datetime, int]] = {region.code: {} for region in regions}
    for row in rows:
        if row["region"] in result:
            result[row["region"]][row["hour"]] = row["calls"]
    return result


@dataclass(frozen=True, slots=True)
class Refusal:
    status_code: str
    meaning: str
    calls: int


def refusals_by_reason(*, since: datetime, region: Region | None = None, limit: int = 12) -> list[Refusal]:
    """Calls the hub answered with a refusal (``head.status`` other than 0) since ``since``, by code.

    For a region: its rows as the audit browsing scopes them (``ysj_portal.audit``: calls of its
    own system, relayed by it, or of its application systems), so the admin's list agrees.
    """
    calls = EnvelopeCall.objects.filter(direction=SERVED, created_at__gte=since).exclude(
        status_code__in=["", st.OK.code]
    )
    if region is not None:
        calls = calls.filter(audit.region_condition(EnvelopeCall, region))
    rows = (
        calls.values("status_code")
        .order_by()
        .annotate(calls=Count("pk"))
        .order_by("-calls", "status_code")[:limit]
    )
    return [Refusal(row["status_code"], meaning_of(row["status_code"]), row["calls"]) for row in rows]


def meaning_of(code: str) -> str:
    """The Chinese message of a ``head.status`` code, or says the code is not in the table."""
    known = st.lookup(code)
    return known.message if known is not None else "未登记的状态码"
