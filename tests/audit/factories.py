"""Records to browse: calls with their evidence entries and retrievals, as the hub writes them.

Calls are written with ``trust.calls.call_row`` and their entries with the log's own leaf encoding
(``evidence.calls.call_leaf``), appended and integrated by the log's integrator, so the pages read
the rows a served call leaves. Only the witnesses' cosignatures are inserted as rows here: the
witness protocol itself is exercised by the evidence log's tests with the live regional nodes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from evidence import integrate
from evidence.append import append
from evidence.calls import call_leaf
from evidence.models import Checkpoint, Cosignature
from scenarios.models import RegionAdministrator
from scenarios.permissions import AUDITORS, REGION_ADMINS, ensure_groups
from sharing.holders import holder_key_of_number
from sharing.models import Retrieval, RetrievalKind, RetrievedCertificate
from trust.calls import call_row
from trust.models import EnvelopeCall, Region, TrustedApplication
from ysj_protocol.records import MADE, SERVED, CallRecord

from ..factories import ApplicationFactory, RegionFactory

SEARCH = "/api/v1/certificates/search"
PASSWORD = "Audit-pass-1"  # noqa: S105 - test accounts only

_sequence = itertools.count(1)


def auditor(username: str = "auditor") -> object:
    ensure_groups()
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=AUDITORS))
    return user


def region_admin(code: str) -> object:
    ensure_groups()
    user = get_user_model().objects.create_user(f"admin_{code.lower()}", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=REGION_ADMINS))
    RegionAdministrator.objects.create(user=user, region=RegionFactory(code=code))
    return user


def application(app_id: str, region: str) -> TrustedApplication:
    return ApplicationFactory(app_id=app_id, region=RegionFactory(code=region))


@dataclass
class Served:
    """One served call, the calls made for it, its retrieval and the entries of them all (pending)."""

    call: EnvelopeCall
    made: list[EnvelopeCall] = field(default_factory=list)
    retrieval: Retrieval | None = None


def served(
    app: TrustedApplication,
    *,
    biz_num: str = "",
    status: str = "0",
    operator: str = "王五",
    scenario: str = "SC-1",
    holder_number: str = "",
    relaying: Region | None = None,
    to_regions: Sequence[Region] = (),
    retrieval: bool = True,
    kind: str = RetrievalKind.SEARCH,
) -> Served:
    """A 12.1.5 search by ``app`` (its records and pending entries), as ``trust.work.commit`` writes them."""
    n = next(_sequence)
    request_id = f"req-{n:06d}"
    biz_num = biz_num or f"BIZ-{n:06d}"
    holder = holder_key_of_number(holder_number) if holder_number else ""
    records = [
        CallRecord(direction=MADE, account_id=region.code, endpoint=SEARCH, http_status=200, status_code="0",
                   latency_ms=3.0, request_digest="a" * 64, response_digest="b" * 64, biz_num=biz_num,
                   request_id=request_id)
        for region in to_regions
    ]
    served_record = CallRecord(
        direction=SERVED, account_id=app.app_id, endpoint=SEARCH, http_status=200, status_code=status,
        latency_ms=12.5, request_digest="c" * 64, response_digest="d" * 64, biz_num=biz_num, request_id=request_id,
    )
    if relaying is not None:
        served_record = _relayed(served_record, relaying.code)
    records.append(served_record)
    rows = [call_row(record, application=app.app_id) for record in records]  # as trust.work.commit stamps them
    for row in rows:
        row.save(force_insert=True)
    parties = {
        "application": app.app_id, "relayingRegion": relaying.code if relaying else "", "holder": holder,
        "operator": operator, "scenario": scenario,
    }
    now = timezone.now()
    leaves = [
        call_leaf(record, parties=parties, region=(record.account_id if record.direction == MADE else app.region.code),
                  at=now)
        for record in records
    ]
    append(leaves, call_ids=[row.pk for row in rows])
    result = Served(call=rows[-1], made=rows[:-1])
    if retrieval and status == "0":
        result.retrieval = Retrieval.objects.create(
            kind=kind, application=app, holder_key=holder, scenario_code=scenario, use_for="办理业务",
            item_name="测试事项", item_org="测试单位", operator=operator, biz_num=biz_num, request_id=request_id,
            result_count=len(to_regions),
        )
        for region in to_regions:
            RetrievedCertificate.objects.create(
                retrieval=result.retrieval, region=region, certificate_type="居民身份证", obtained="summary",
                certificate_number=holder_number,
            )
    return result


def _relayed(record: CallRecord, code: str) -> CallRecord:
    from trust.calls import RelayedCallRecord

    values = {name: getattr(record, name) for name in CallRecord.__dataclass_fields__}
    return RelayedCallRecord(**values, relaying_region=code)


def integrate_log() -> Checkpoint | None:
    """Give every pending entry its place and sign a checkpoint, as the integrator does."""
    integrate.integrate()
    return Checkpoint.objects.order_by("-size").first()


def cosign(checkpoint: Checkpoint, *codes: str) -> None:
    """The witnesses' answers, stored as the hub stores them (see the module's docstring)."""
    for code in codes:
        Cosignature.objects.create(
            checkpoint=checkpoint, region=code, line=f"— {code.lower()}-witness AAAA", timestamp=int(timezone.now().timestamp()),
        )
