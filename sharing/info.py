"""12.1.8 and 12.1.9: a certificate's fields and surface data (tables 6, 7), from its region now.

Each answer that hands a certificate out tells its holder (8.4, ``notices``): the notice commits
with the answer and its text is the answer's ``holderNotice``.
"""

from __future__ import annotations

import logging
from typing import Any

from notices.services import notify_retrieval
from trust.permissions import INFO
from trust.work import CallWork
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.regions import order_of

from . import answers
from .caller import Caller, certificate_for
from .current import VALID, require_valid
from .models import Obtained, RetrievalKind
from .regions import INFO_PATH, Call, call_one, fan_out
from .retrievals import add_retrieval, obtain_of
from .search import fused_search

logger = logging.getLogger(__name__)


def _info_params(caller: Caller, ref: str) -> dict[str, Any]:
    return {"certificateRef": ref, "audit": caller.audit}


def _public_info(item: dict[str, Any]) -> dict[str, Any]:
    """Tables 6/7 (plus the type code); the region's own status stays with the hub."""
    return {name: item[name] for name in (*answers.INFO_FIELDS, "surface")}


def _under_found_code(item: dict[str, Any], found_code: str, region_code: str) -> None:
    """Keep the certificate under the shared type code it was found (and checked) under.

    The hub knows a certificate by the code its search or service code answered; a region that
    answers its info with another code (its own local code, or a catalog mapping changed since)
    does not change what the scenario list was checked against, nor what the caller is shown.
    """
    if not found_code or item["certificateTypeCode"] == found_code:
        return
    if item["certificateTypeCode"]:
        logger.warning(
            "region %s answered type code %s for a certificate found as %s",
            region_code, item["certificateTypeCode"], found_code,
        )
    item["certificateTypeCode"] = found_code


def info_by_id(*, caller: Caller, work: CallWork) -> dict[str, Any]:
    """12.1.8: the certificate's fields and surface data, from its region now.

    The region's answer carries the certificate's current status: one revoked or expired since
    the search is refused (4006), not shown as if valid.
    """
    row = certificate_for(caller, operation=INFO)
    answer = call_one(
        row.region, INFO_PATH, _info_params(caller, row.certificate_ref),
        request_id=caller.request_id, recorder=work.add_call, scope=caller.grant_scope.by_reference(),
    )
    if not answer.ok and answer.kind == "status" and answer.status == st.CERTIFICATE_NOT_FOUND.code:
        raise EnvelopeError(st.CERTIFICATE_NOT_FOUND)
    item = answer.read(answers.info_item, "info")
    if item is None:
        raise EnvelopeError(st.REGION_UNAVAILABLE, row.region.name)
    _under_found_code(item, row.certificate_type_code, row.region.code)
    if not caller.usage.allows_code(item["certificateTypeCode"]):
        raise EnvelopeError(st.CERTIFICATE_TYPE_NOT_IN_SCENARIO, item["certificateType"])
    require_valid(item["status"])
    rows = add_retrieval(
        work=work,
        caller=caller,
        kind=RetrievalKind.INFO_BY_ID,
        items=[obtain_of(row.region, item, Obtained.INFO)],
        holder_key=row.holder_key,
    )
    notice = notify_retrieval(work=work, caller=caller, rows=rows, holder_key=row.holder_key)
    return {"total": 1, "dataList": [_public_info(item)], "holderNotice": notice}


def info_by_holder(*, caller: Caller, work: CallWork) -> dict[str, Any]:
    """12.1.9: fields and surface data of every certificate of the holder the scenario list allows.

    A search fan-out finds them, then one info fan-out asks each region for its own certificates;
    a region failing at either step is listed in ``unavailableRegions``.
    """
    outcome = fused_search(caller=caller, work=work)
    unavailable = list(outcome.unavailable)
    scope = caller.grant_scope
    calls = [
        Call(hit.region, INFO_PATH, _info_params(caller, hit.item["certificateRef"]), tag=hit, scope=scope)
        for hit in outcome.hits
    ]
    entries, obtained = [], []
    for answer in fan_out(calls, request_id=caller.request_id, recorder=work.add_call):
        item = answer.read(answers.info_item, "info")
        if item is None:
            if answer.region.code not in unavailable:
                unavailable.append(answer.region.code)
            continue
        _under_found_code(item, answer.tag.item["certificateTypeCode"], answer.region.code)
        if item["status"] != VALID or not caller.usage.allows_code(item["certificateTypeCode"]):
            continue  # revoked or expired since the search, or outside the list
        entries.append(_public_info(item))
        obtained.append(obtain_of(answer.region, item, Obtained.INFO))
    unavailable.sort(key=order_of)
    rows = add_retrieval(
        work=work, caller=caller, kind=RetrievalKind.INFO_BY_HOLDER, items=obtained, unavailable=unavailable
    )
    notice = notify_retrieval(work=work, caller=caller, rows=rows, holder_key=caller.holder_key)
    return {"total": len(entries), "dataList": entries, "unavailableRegions": unavailable, "holderNotice": notice}
