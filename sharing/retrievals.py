"""The retrieval record (调阅记录) every sharing call leaves: who obtained what, for which holder, why.

One ``Retrieval`` per call, one ``RetrievedCertificate`` per certificate found or obtained; both
are added to the call's unit of work and commit with its answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from trust.models import Region
from trust.work import CallWork

from .caller import Caller
from .models import Retrieval, RetrievedCertificate


@dataclass(slots=True)
class Obtain:
    """One certificate to list in a retrieval record."""

    region: Region
    obtained: str
    certificate_type: str = ""
    certificate_type_code: str = ""
    certificate_number: str = ""


def obtain_of(region: Region, item: dict[str, Any], obtained: str) -> Obtain:
    """The record line of a certificate a region answered (search or info fields)."""
    return Obtain(
        region=region,
        obtained=obtained,
        certificate_type=str(item.get("certificateType", "")),
        certificate_type_code=str(item.get("certificateTypeCode", "")),
        certificate_number=str(item.get("certificateNumber", "")),
    )


def add_retrieval(
    *,
    work: CallWork,
    caller: Caller,
    kind: str,
    items: Sequence[Obtain],
    holder_key: str | None = None,
    unavailable: Iterable[str] = (),
) -> list[RetrievedCertificate]:
    """Add the retrieval record of one call and its items to ``work``; the items, in order.

    ``holder_key`` defaults to the caller's holder (by-ID calls pass the holder the ID was found for).
    """
    params = caller.params
    retrieval = Retrieval(
        kind=kind,
        application=caller.application,
        holder_key=caller.holder_key if holder_key is None else holder_key,
        scenario_code=caller.scenario_code[:64],
        use_for=str(params.get("useFor", ""))[:200],
        item_name=str(params.get("itemName", ""))[:200],
        item_org=str(params.get("itemOrg", ""))[:200],
        operator=str(params.get("operator", ""))[:64],
        biz_num=str(params.get("bizNum", ""))[:64],
        request_id=caller.request_id[:64],
        unavailable_regions=",".join(unavailable)[:32],
        result_count=len(items),
    )
    rows = [
        RetrievedCertificate(
            retrieval=retrieval,
            region=item.region,
            certificate_type=item.certificate_type[:128],
            certificate_type_code=item.certificate_type_code[:64],
            certificate_number=item.certificate_number[:128],
            obtained=item.obtained,
        )
        for item in items
    ]
    work.add([retrieval])
    work.add(rows)
    return rows
