"""12.1.8 and 12.1.9: a certificate's fields and surface data (tables 6, 7), from its region now."""

from __future__ import annotations

from typing import Any

from trust.work import CallWork
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.regions import order_of

from . import answers
from .caller import Caller, certificate_for
from .models import Obtained, RetrievalKind
from .regions import INFO_PATH, Call, call_one, fan_out
from .retrievals import add_retrieval, obtain_of
from .search import fused_search


def _info_params(caller: Caller, ref: str) -> dict[str, Any]:
    return {"certificateRef": ref, "audit": caller.audit}


def _public_info(item: dict[str, Any]) -> dict[str, Any]:
    """Tables 6/7 (plus the type code); the region's own status stays with the hub."""
    return {name: item[name] for name in (*answers.INFO_FIELDS, "surface")}


def info_by_id(*, caller: Caller, work: CallWork) -> dict[str, Any]:
    """12.1.8: the certificate's fields and surface data, from its region now."""
    row = certificate_for(caller)
    answer = call_one(
        row.region, INFO_PATH, _info_params(caller, row.certificate_ref),
        request_id=caller.request_id, recorder=work.add_call,
    )
    if not answer.ok and answer.kind == "status" and answer.status == st.CERTIFICATE_NOT_FOUND.code:
        raise EnvelopeError(st.CERTIFICATE_NOT_FOUND)
    item = answer.read(answers.info_item, "info")
    if item is None:
        raise EnvelopeError(st.REGION_UNAVAILABLE, row.region.name)
    if not caller.usage.allows_code(item["certificateTypeCode"] or row.certificate_type_code):
        raise EnvelopeError(st.CERTIFICATE_TYPE_NOT_IN_SCENARIO, item["certificateType"])
    add_retrieval(
        work=work,
        caller=caller,
        kind=RetrievalKind.INFO_BY_ID,
        items=[obtain_of(row.region, item, Obtained.INFO)],
        holder_key=row.holder_key,
    )
    return {"total": 1, "dataList": [_public_info(item)]}


def info_by_holder(*, caller: Caller, work: CallWork) -> dict[str, Any]:
    """12.1.9: fields and surface data of every certificate of the holder the scenario list allows.

    A search fan-out finds them, then one info fan-out asks each region for its own certificates;
    a region failing at either step is listed in ``unavailableRegions``.
    """
    outcome = fused_search(caller=caller, work=work)
    unavailable = list(outcome.unavailable)
    calls = [Call(hit.region, INFO_PATH, _info_params(caller, hit.item["certificateRef"]), tag=hit) for hit in outcome.hits]
    entries, obtained = [], []
    for answer in fan_out(calls, request_id=caller.request_id, recorder=work.add_call):
        item = answer.read(answers.info_item, "info")
        if item is None:
            if answer.region.code not in unavailable:
                unavailable.append(answer.region.code)
            continue
        if not caller.usage.allows_code(item["certificateTypeCode"] or answer.tag.item["certificateTypeCode"]):
            continue
        entries.append(_public_info(item))
        obtained.append(obtain_of(answer.region, item, Obtained.INFO))
    unavailable.sort(key=order_of)
    add_retrieval(
        work=work, caller=caller, kind=RetrievalKind.INFO_BY_HOLDER, items=obtained, unavailable=unavailable
    )
    return {"total": len(entries), "dataList": entries, "unavailableRegions": unavailable}
