"""Prometheus metrics of the hub (prometheus-client), and ``/metrics``, closed to the public.

Counters and histograms are kept per process; under gunicorn set ``PROMETHEUS_MULTIPROC_DIR``
(an empty directory per start) and every worker's values are summed at each scrape. The outbox
backlog and the evidence log are read from the database when scraped, so every instance reports
the same figures for them. Labels are bounded: endpoints by route, regions by code, statuses by
the codes of ``ysj_protocol.status``; never a holder, a token or an appId.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from ysj_protocol.contrib.methods import require_methods

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "ysj_requests_total",
    "Requests answered, by endpoint route, head.status (empty for answers that are not envelopes) and HTTP status",
    ["endpoint", "status", "http"],
)
REQUEST_SECONDS = Histogram(
    "ysj_request_seconds", "Time to answer a request, by endpoint route", ["endpoint"], buckets=LATENCY_BUCKETS
)
REGION_CALL_SECONDS = Histogram(
    "ysj_region_call_seconds", "Time of the hub's calls to a region (fan-out)", ["region"], buckets=LATENCY_BUCKETS
)
REGION_CALL_FAILURES = Counter(
    "ysj_region_call_failures_total", "The hub's calls to a region that failed, by kind", ["region", "kind"]
)
TOKEN_CHECKS = Counter("ysj_token_checks_total", "Access and holder token checks, by token and result", ["token", "result"])


def observe_request(*, endpoint: str, status: str, http: int, seconds: float) -> None:
    REQUESTS.labels(endpoint=endpoint, status=status, http=str(http)).inc()
    REQUEST_SECONDS.labels(endpoint=endpoint).observe(seconds)


def observe_token_check(*, token: str, result: str) -> None:
    TOKEN_CHECKS.labels(token=token, result=result).inc()


def observe_region_call(*, region: str, seconds: float | None, failure: str | None) -> None:
    if seconds is not None:
        REGION_CALL_SECONDS.labels(region=region).observe(seconds)
    if failure:
        REGION_CALL_FAILURES.labels(region=region, kind=failure).inc()


class DatabaseCollector:
    """Figures every instance reads alike from the database at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The figures, or ``ysj_database_up 0`` alone: a scrape never fails because the database did."""
        up = GaugeMetricFamily("ysj_database_up", "Whether this scrape could read the database")
        try:
            families = list(self._families())
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterator[GaugeMetricFamily]:
        from catalog.models import DeliveryState, PublicationDelivery

        now = timezone.now()
        backlog = GaugeMetricFamily("ysj_outbox_backlog", "Publication deliveries not yet delivered, by region", labels=["region"])
        oldest = GaugeMetricFamily(
            "ysj_outbox_oldest_pending_seconds", "Age of the oldest undelivered publication, by region", labels=["region"]
        )
        rows = (
            PublicationDelivery.objects.exclude(state=DeliveryState.DELIVERED)
            .values("region__code")
            .annotate(count=Count("id"), first=Min("created_at"))
        )
        for row in rows:
            backlog.add_metric([row["region__code"]], row["count"])
            oldest.add_metric([row["region__code"]], (now - row["first"]).total_seconds())
        yield backlog
        yield oldest
        yield from self._evidence(now)

    def _evidence(self, now: Any) -> Iterator[GaugeMetricFamily]:
        from django.apps import apps

        if not apps.is_installed("evidence"):
            return
        from evidence.models import Checkpoint, PendingEntry

        latest = Checkpoint.objects.order_by("-size").only("size", "created_at").first()
        size = GaugeMetricFamily("ysj_evidence_log_size", "Entries in the latest signed checkpoint")
        size.add_metric([], latest.size if latest else 0)
        yield size
        age = GaugeMetricFamily("ysj_evidence_checkpoint_age_seconds", "Age of the latest signed checkpoint")
        age.add_metric([], (now - latest.created_at).total_seconds() if latest else float("nan"))
        yield age
        pending = GaugeMetricFamily("ysj_evidence_pending_entries", "Entries committed but not yet integrated")
        pending.add_metric([], PendingEntry.objects.count())
        yield pending
        from evidence.services import quarantined_count

        quarantined = GaugeMetricFamily(
            "ysj_evidence_quarantined_entries", "Pending entries set aside as unreadable and not requeued"
        )
        quarantined.add_metric([], quarantined_count())
        yield quarantined


def registry() -> CollectorRegistry:
    """The registry of one scrape: this process's metrics, or every worker's under multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        scrape = CollectorRegistry()
        MultiProcessCollector(scrape)
    else:
        from prometheus_client import REGISTRY

        scrape = CollectorRegistry()
        scrape.register(_ProcessMetrics(REGISTRY))
    scrape.register(DatabaseCollector())
    return scrape


class _ProcessMetrics:
    """This process's default registry, read within a scrape registry of its own."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Any]:
        return iter(self.source.collect())


def allowed(request: HttpRequest) -> bool:
    """A bearer token (``YSJ_METRICS_TOKEN``) or a peer within ``YSJ_METRICS_ALLOWED_NETWORKS``."""
    token = settings.YSJ_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    # Compared as bytes: a header with non-ASCII characters is a wrong token, not a TypeError.
    offered = header[7:].strip().encode("utf-8", "surrogateescape")
    if token and header.startswith("Bearer ") and secrets.compare_digest(offered, token.encode("utf-8")):
        return True
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(peer in network for network in allowed_networks()[0])


def allowed_networks() -> tuple[list[ipaddress.IPv4Network | ipaddress.IPv6Network], list[str]]:
    """``YSJ_METRICS_ALLOWED_NETWORKS`` read: the networks, and the entries that are not one.

    An entry that is not a network admits no one (the system check ``ysj_portal.E003`` names it),
    so a typo closes the endpoint instead of answering every scrape with a 500.
    """
    networks, bad = [], []
    for entry in settings.YSJ_METRICS_ALLOWED_NETWORKS:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            bad.append(str(entry))
    return networks, bad


@require_methods("GET")
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse("禁止访问：需要监控令牌或来自允许的网络\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
