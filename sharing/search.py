"""12.1.5 search, and the fused search behind 12.1.7 and 12.1.9: every region asked once, in parallel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trust.models import Region
from trust.work import CallWork
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError

from . import answers
from .caller import Caller
from .certificate_ids import Found, build_certificate_ids
from .models import Obtained, RetrievalKind
from .regions import SEARCH_PATH, Call, active_regions, fan_out
from .retrievals import add_retrieval, obtain_of


@dataclass(slots=True)
class Hit:
    region: Region
    item: dict[str, str]


@dataclass(slots=True)
class SearchOutcome:
    hits: list[Hit] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def summary_of(item: dict[str, str]) -> dict[str, str]:
    """A search entry without the region's own reference (which the hub never hands out)."""
    return {name: item[name] for name in answers.SEARCH_FIELDS if name != "certificateRef"}


def _search_params(caller: Caller) -> dict[str, Any]:
    usage = caller.usage
    type_codes = sorted(usage.allowed_type_codes)  # already narrowed by ``certificateType``
    if not type_codes:
        raise EnvelopeError(st.CATALOG_NOT_SHARED, f"用证清单 {caller.scenario_code} 当前没有处于共享期的证照目录")
    holder = caller.holder
    params: dict[str, Any] = {
        "holder": {"name": holder.name, "codeType": holder.code_type, "code": holder.code},
        "certificateTypeCodes": type_codes,
        "audit": caller.audit,
    }
    certificate_type = str(caller.params.get("certificateType") or "").strip()
    if certificate_type and not usage.allows_code(certificate_type):
        params["certificateType"] = certificate_type  # named by its type name: the region maps it
    certificate_number = str(caller.params.get("certificateNumber") or "").strip()
    if certificate_number:
        params["certificateNumber"] = certificate_number
    return params


def fused_search(*, caller: Caller, work: CallWork) -> SearchOutcome:
    """Ask every active region once, in parallel; keep the valid certificates the scenario list allows.

    8.2: one answer with the results of all regions. A region that is down, slow past its
    timeout, refuses or answers garbage is listed in ``unavailable`` and does not fail the search.
    """
    params = _search_params(caller)
    certificate_number = params.get("certificateNumber", "")
    outcome = SearchOutcome()
    scope = caller.grant_scope
    calls = [Call(region, SEARCH_PATH, params, scope=scope) for region in active_regions()]
    for answer in fan_out(calls, request_id=caller.request_id, recorder=work.add_call):
        items = answer.read(answers.search_items, "search")
        if items is None:
            outcome.unavailable.append(answer.region.code)
            continue
        for item in items:
            if item["status"] != "valid" or not caller.usage.admits(item["certificateTypeCode"], item["certificateType"]):
                continue  # a region may not widen the scenario list, nor hand out invalid certificates
            if certificate_number and item["certificateNumber"] != certificate_number:
                continue
            outcome.hits.append(Hit(region=answer.region, item=item))
    return outcome


def search(*, caller: Caller, work: CallWork) -> dict[str, Any]:
    """12.1.5: every valid certificate found, each with a fresh ``certificateID``."""
    outcome = fused_search(caller=caller, work=work)
    values, id_rows = build_certificate_ids(
        [Found(hit.region, hit.item["certificateRef"], summary_of(hit.item)) for hit in outcome.hits],
        application=caller.application,
        holder_key=caller.holder_key,
        scenario_code=caller.scenario_code,
        holder_permission=caller.holder_permission,
    )
    work.add(id_rows)
    add_retrieval(
        work=work,
        caller=caller,
        kind=RetrievalKind.SEARCH,
        items=[obtain_of(hit.region, hit.item, Obtained.SUMMARY) for hit in outcome.hits],
        unavailable=outcome.unavailable,
    )
    data_list = [
        {
            "certificateID": value,
            "certificateType": hit.item["certificateType"],
            "issueDept": hit.item["issueDept"],
            "certificateNumber": hit.item["certificateNumber"],
            "issueDate": hit.item["issueDate"],
        }
        for value, hit in zip(values, outcome.hits, strict=True)
    ]
    return {"total": len(data_list), "dataList": data_list, "unavailableRegions": outcome.unavailable}
