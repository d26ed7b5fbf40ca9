"""Who sees which audit records: every region for auditors, one region for its administrators.

One call, ``restrict(queryset, user)``, decides it for every record list of the admin (as
NetBox's restricted querysets do), so no admin class filters by region on its own:

- superusers and members of the 审计员 role (``AUDITORS``) see every row;
- a region administrator (``scenarios.RegionAdministrator``) sees the rows of their region;
- anyone else sees nothing, whatever model permission they were given (fail closed).

What "the rows of a region" are is declared once per model in ``SCOPES``, one rule for all: a
region sees a row when it is the caller's region (one of its application systems, or its own
system, made the call, or the hub made it for one of them), the relaying region, or the region
that was called or served the data. So a call record belongs to a region when one of the region's
applications made it or the hub made it for one of them (``EnvelopeCall.application``), the region
relayed it, or it was made by or to the region's own system: the call the hub made to SH for a JS
application's search is seen by SH and by JS, not by ZJ. A retrieval belongs to the application's
region and to every region a certificate was obtained from; an evidence entry (calls, file
downloads) to its region, its relaying region and its application's region. The same conditions
back the admin's "地区" filter, so the filter and the scoping cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from scenarios.permissions import AUDITORS
from trust.models import Region, TrustedApplication

__all__ = ["AUDITORS", "SCOPES", "register_scope", "region_condition", "restrict", "sees_every_region", "user_region"]

#: Request-independent cache key on the user object: the region and role are read once per request.
_CACHE = "_audit_scope"


def _applications(region: Region) -> QuerySet:
    return TrustedApplication.objects.filter(region=region).values("app_id")


def _calls(region: Region) -> Q:
    # Served: by its applications (account_id is the appId), relayed by it, or by the region's
    # own system; made: for its applications (application), or to the region (account_id is its
    # code or its account at the hub). Rows written before ``application`` existed have it empty:
    # their served rows still match by account_id, their made rows by the region called.
    applications = _applications(region)
    return (
        Q(account_id__in=applications)
        | Q(application__in=applications)
        | Q(relaying_region=region.code)
        | Q(account_id__in=[region.code, region.account_id])
    )


def _retrievals(region: Region) -> Q:
    # EXISTS per row (the items' retrieval index), not IN over every item of the region: a page
    # reads its rows newest first and stops after one page.
    items = apps.get_model("sharing", "RetrievedCertificate").objects
    return Q(application__region=region) | Q(Exists(items.filter(retrieval=OuterRef("pk"), region=region)))


def _entries(region: Region) -> Q:
    return Q(region=region.code) | Q(relaying_region=region.code) | Q(application__in=_applications(region))


def _notices(region: Region) -> Q:
    return Q(application__region=region) | Q(relaying_region=region)


def _everything(region: Region) -> Q:
    """Public data (checkpoints and their cosignatures reveal sizes and roots only)."""
    return Q()


#: ``app_label.ModelName`` -> the condition selecting a region's rows.
SCOPES: dict[str, Callable[[Region], Q]] = {
    "trust.EnvelopeCall": _calls,
    "sharing.Retrieval": _retrievals,
    "evidence.EvidenceEntry": _entries,
    "evidence.Checkpoint": _everything,
    "evidence.Cosignature": _everything,
    "notices.HolderNotice": _notices,
}


def register_scope(label: str, condition: Callable[[Region], Q]) -> None:
    """Declare the rows of ``label`` (``app_label.ModelName``) that belong to a region."""
    SCOPES[label] = condition


def region_condition(model: type[Model], region: Region) -> Q | None:
    """The condition selecting ``region``'s rows of ``model``; None if the model declares none."""
    condition = SCOPES.get(model._meta.label)
    return condition(region) if condition is not None else None


def _scope_of(user) -> tuple[bool, Region | None]:
    """(sees every region, the region administered) of ``user``, read once per user object."""
    cached = getattr(user, _CACHE, None)
    if cached is None:
        if not (user.is_active and user.is_staff):
            cached = (False, None)
        elif user.is_superuser or user.groups.filter(name=AUDITORS).exists():
            cached = (True, None)
        else:
            admin = apps.get_model("scenarios", "RegionAdministrator").objects.select_related("region")
            row = admin.filter(user=user).first()
            cached = (False, row.region if row is not None else None)
        setattr(user, _CACHE, cached)
    return cached


def sees_every_region(user) -> bool:
    return _scope_of(user)[0]


def user_region(user) -> Region | None:
    """The region ``user`` administers, if they see one region only."""
    return _scope_of(user)[1]


def restrict(queryset: QuerySet, user) -> QuerySet:
    """The rows of ``queryset`` that ``user`` may see (model permissions are checked by the admin)."""
    every, region = _scope_of(user)
    if every:
        return queryset
    if region is None:
        return queryset.none()
    condition = region_condition(queryset.model, region)
    return queryset.none() if condition is None else queryset.filter(condition)
