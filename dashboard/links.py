"""Links from the home page's figures to the admin lists showing exactly those rows.

Each link uses filters the target admin already has (its ``list_filter`` or a lookup on one of
the model's own columns, which the admin accepts), and is given only to a user who may open that
list: a figure without a link is one the user reads here but cannot browse.
"""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from catalog.models import DeliveryState, PublicationDelivery
from scenarios.models import RoundState, ScenarioList
from trust.models import EnvelopeCall, Region
from ysj_protocol.records import MADE

from . import metrics
from .services import UNDELIVERED


def changelist(request: HttpRequest, model: type[Model], params: dict[str, str] | None = None) -> str | None:
    """The admin list of ``model`` filtered by ``params``, or None if the user may not open it."""
    if not admin.site.is_registered(model):
        return None
    if not admin.site.get_model_admin(model).has_view_or_change_permission(request):
        return None
    opts = model._meta
    url = reverse(f"{admin.site.name}:{opts.app_label}_{opts.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def waiting(request: HttpRequest, region: Region | None) -> str | None:
    # ``awaiting=mine`` is the scenario list's own "waiting for my region" filter.
    params = {"awaiting": "mine"} if region is not None else {"round_state__exact": RoundState.PENDING}
    return changelist(request, ScenarioList, params)


def rejected(request: HttpRequest, region: Region | None) -> str | None:
    params = {"round_state__exact": RoundState.REJECTED}
    if region is not None:
        params["proposed_by__id__exact"] = str(region.pk)
    return changelist(request, ScenarioList, params)


def undelivered(request: HttpRequest, region: Region) -> str | None:
    return changelist(
        request,
        PublicationDelivery,
        {"region__id__exact": str(region.pk), "state__in": ",".join(UNDELIVERED)},
    )


def failed_deliveries(request: HttpRequest, region: Region) -> str | None:
    return changelist(
        request,
        PublicationDelivery,
        {"region__id__exact": str(region.pk), "state__exact": DeliveryState.FAILED},
    )


def calls(request: HttpRequest, region: Region, *, since: datetime, failed: bool = False) -> str | None:
    """The calls made to ``region`` since ``since`` (those without a valid answer, with ``failed``)."""
    params = {
        "direction__exact": MADE,
        "account_id__in": ",".join(metrics.region_accounts(region)),
        "created_at__gte": since.isoformat(),
    }
    if failed:
        params["error__gt"] = ""  # metrics.FAILED: a call whose record names an error
    return changelist(request, EnvelopeCall, params)


def refusals(request: HttpRequest, status_code: str, *, since: datetime) -> str | None:
    return changelist(
        request,
        EnvelopeCall,
        {"direction__exact": "in", "status_code__exact": status_code, "created_at__gte": since.isoformat()},
    )


def unread_notifications(request: HttpRequest) -> str | None:
    """The user's inbox, unread only (its "read" filter: empty read time)."""
    return changelist(request, apps.get_model("notifications", "Notification"), {"read_at__isempty": "1"})


def unwitnessed_checkpoints(request: HttpRequest) -> str | None:
    """The evidence log's checkpoints, filtered by its own "lacking a witness" filter."""
    return changelist(request, apps.get_model("evidence", "Checkpoint"), {"lacking": "yes"})
