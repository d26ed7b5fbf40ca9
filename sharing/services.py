"""The fused sharing services of 12.1.5-12.1.10: search, retrieval by ID or holder, verification.

Every service takes a ``Caller`` (who asks, for which holder, under which scenario list, as
checked by the trust service before the handler runs) and returns the business output of its
table. Each call leaves one ``Retrieval`` with one item per certificate found or obtained.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from trust.calls import call_row
from trust.models import EnvelopeCall, Region, TrustedApplication
from ysj_protocol import status as st
from ysj_protocol.certfile import VerificationResult, verify_file
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.records import CallRecord

from . import answers
from .certificate_ids import Found, build_certificate_ids, resolve_certificate_id
from .holders import holder_key_of
from .models import CertificateID, FileLink, Obtained, Retrieval, RetrievalKind, RetrievedCertificate
from .regions import (
    INFO_PATH,
    SEARCH_PATH,
    STATUS_PATH,
    Answer,
    Call,
    active_regions,
    audit_of,
    call_one,
    fan_out,
    take_call_records,
)
from .writes import save_together

logger = logging.getLogger(__name__)
T = TypeVar("T")

FILE_FORMATS = ("PDF", "OFD")
FILE_OBTAINED = {"PDF": Obtained.FILE_PDF, "OFD": Obtained.FILE_OFD}
DOWNLOAD_SALT = "sharing.file-download"


# ---------------------------------------------------------------- who asks


@dataclass(slots=True)
class Caller:
    """The application, holder and scenario list of one call, and its audit fields."""

    application: TrustedApplication
    params: dict[str, Any]
    request_id: str
    holder: Any = None
    usage: Any = None

    @property
    def scenario_code(self) -> str:
        return str(self.params.get("itemCode", ""))

    @property
    def holder_key(self) -> str:
        return holder_key_of(self.holder) if self.holder is not None else ""

    @property
    def audit(self) -> dict[str, str]:
        return audit_of(self.params, self.application)

    @property
    def allowed_type_codes(self) -> set[str]:
        return set(getattr(self.usage, "allowed_type_codes", None) or [])

    @property
    def allowed_type_names(self) -> set[str]:
        return set(getattr(self.usage, "allowed_type_names", None) or [])

    def allows_type(self, code: str) -> bool:
        return code in self.allowed_type_codes


def caller_from(ctx: Any, *, needs_holder: bool = False, needs_usage: bool = True) -> Caller:
    """Read what the trust service's checks put in ``ctx.grants``; refuse if they did not run.

    The sharing services fail closed: without a checked scenario list (and holder, where the
    table asks for one) nothing is searched.
    """
    application = ctx.grants.get("application") or getattr(ctx.party, "application", None)
    if application is None:
        raise EnvelopeError(st.APP_NOT_TRUSTED)
    holder = ctx.grants.get("holder")
    if needs_holder and holder is None:
        raise EnvelopeError(st.HOLDER_TOKEN_INVALID)
    usage = ctx.grants.get("usage")
    if needs_usage and usage is None:
        raise EnvelopeError(st.SCENARIO_NOT_FOUND, f"itemCode={ctx.params.get('itemCode', '')}")
    return Caller(application=application, params=ctx.params, request_id=ctx.request_id, holder=holder, usage=usage)


# ---------------------------------------------------------------- records


@dataclass(slots=True)
class Obtain:
    """One certificate to list in a retrieval record."""

    region: Region
    obtained: str
    certificate_type: str = ""
    certificate_type_code: str = ""
    certificate_number: str = ""


def record_retrieval(
    caller: Caller,
    kind: str,
    items: Sequence[Obtain],
    *,
    holder_key: str | None = None,
    unavailable: Iterable[str] = (),
    result_count: int | None = None,
) -> tuple[Retrieval, list[RetrievedCertificate]]:
    """Append the retrieval record of one call and its items (one insert each)."""
    retrieval, rows = build_retrieval(
        caller, kind, items, holder_key=holder_key, unavailable=unavailable, result_count=result_count
    )
    return save_retrieval(retrieval, rows)


def save_retrieval(
    retrieval: Retrieval, rows: Sequence[RetrievedCertificate]
) -> tuple[Retrieval, list[RetrievedCertificate]]:
    """Insert a built retrieval record, then its items (whose keys the insert sets)."""
    retrieval.save(force_insert=True)
    for row in rows:
        row.retrieval = retrieval
    return retrieval, RetrievedCertificate.objects.bulk_create(rows)


def build_retrieval(
    caller: Caller,
    kind: str,
    items: Sequence[Obtain],
    *,
    holder_key: str | None = None,
    unavailable: Iterable[str] = (),
    result_count: int | None = None,
) -> tuple[Retrieval, list[RetrievedCertificate]]:
    """The unsaved retrieval record of one call and its items."""
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
        result_count=len(items) if result_count is None else result_count,
    )
    rows = [
        RetrievedCertificate(
            region=item.region,
            certificate_type=item.certificate_type[:128],
            certificate_type_code=item.certificate_type_code[:64],
            certificate_number=item.certificate_number[:128],
            obtained=item.obtained,
        )
        for item in items
    ]
    return retrieval, rows


# ---------------------------------------------------------------- 12.1.5 search


@dataclass(slots=True)
class Hit:
    region: Region
    item: dict[str, str]


@dataclass(slots=True)
class SearchOutcome:
    hits: list[Hit] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    #: The regions' answers, whose call records the caller writes with its own records.
    answers: list[Answer] = field(default_factory=list)


def _narrowing(caller: Caller) -> tuple[str, str]:
    certificate_type = str(caller.params.get("certificateType") or "").strip()
    certificate_number = str(caller.params.get("certificateNumber") or "").strip()
    if certificate_type and certificate_type not in caller.allowed_type_names | caller.allowed_type_codes:
        raise EnvelopeError(st.CERTIFICATE_TYPE_NOT_IN_SCENARIO, certificate_type)
    return certificate_type, certificate_number


def fused_search(caller: Caller) -> SearchOutcome:
    """Ask every active region once, in parallel; keep the valid certificates the scenario list allows.

    8.2: one answer with the results of all regions. A region that is down, slow past its
    timeout, refuses or answers garbage is listed in ``unavailable`` and does not fail the search.
    """
    certificate_type, certificate_number = _narrowing(caller)
    type_codes = sorted(caller.allowed_type_codes)
    if not type_codes:
        raise EnvelopeError(st.CATALOG_NOT_SHARED, f"用证清单 {caller.scenario_code} 当前没有处于共享期的证照目录")
    holder = caller.holder
    params: dict[str, Any] = {
        "holder": {"name": holder.name, "codeType": holder.code_type, "code": holder.code},
        "certificateTypeCodes": type_codes,
        "audit": caller.audit,
    }
    if certificate_type in caller.allowed_type_codes:
        params["certificateTypeCodes"] = [certificate_type]  # narrowed by type code
    elif certificate_type:
        params["certificateType"] = certificate_type
    if certificate_number:
        params["certificateNumber"] = certificate_number
    regions = active_regions()
    outcome = SearchOutcome()
    outcome.answers = fan_out(
        [Call(region, SEARCH_PATH, params) for region in regions], request_id=caller.request_id, write_records=False
    )
    for answer in outcome.answers:
        items = _search_items(answer)
        if items is None:
            outcome.unavailable.append(answer.region.code)
            continue
        for item in items:
            if item["status"] != "valid" or item["certificateTypeCode"] not in caller.allowed_type_codes:
                continue  # a region may not widen the scenario list, nor hand out invalid certificates
            if certificate_type and certificate_type not in (item["certificateType"], item["certificateTypeCode"]):
                continue
            if certificate_number and item["certificateNumber"] != certificate_number:
                continue
            outcome.hits.append(Hit(region=answer.region, item=item))
    return outcome


def _read_answer(answer: Answer, parse: Callable[[dict[str, Any]], T], what: str) -> T | None:
    """The parsed answer of a region, or None when it failed or answered garbage (logged either way)."""
    if not answer.ok:
        logger.warning("region %s did not answer %s: %s %s", answer.region.code, what, answer.kind, answer.error)
        return None
    try:
        return parse(answer.data or {})
    except answers.Garbage as exc:
        logger.warning("region %s answered a malformed %s: %s", answer.region.code, what, exc)
        return None


def _search_items(answer: Answer) -> list[dict[str, str]] | None:
    return _read_answer(answer, answers.search_items, "search")


def _summary(item: dict[str, str]) -> dict[str, str]:
    return {name: item[name] for name in answers.SEARCH_FIELDS if name != "certificateRef"}


@dataclass(slots=True)
class Answered:
    """A handler's business output and the write that must commit before any of it leaves.

    ``save`` takes the record of the served call (``ctx.record_with``), so the call's own record,
    its regions' call records and what it handed out go in together: one transaction, one round
    trip on PostgreSQL.
    """

    data: dict[str, Any]
    save: Callable[[CallRecord], None]


def answered_with(data: dict[str, Any], write: Callable[[], None]) -> Answered:
    """``data`` with a save that runs ``write`` and inserts the served call's record, in one transaction."""

    def save(served: CallRecord) -> None:
        with transaction.atomic():
            write()
            call_row(served).save(force_insert=True)

    return Answered(data=data, save=save)


def search(caller: Caller) -> Answered:
    """12.1.5: every valid certificate found, each with a fresh ``certificateID``."""
    outcome = fused_search(caller)
    values, id_rows = build_certificate_ids(
        [Found(hit.region, hit.item["certificateRef"], _summary(hit.item)) for hit in outcome.hits],
        application=caller.application,
        holder_key=caller.holder_key,
        scenario_code=caller.scenario_code,
    )
    retrieval, items = build_retrieval(
        caller,
        RetrievalKind.SEARCH,
        [_obtain(hit.region, hit.item, Obtained.SUMMARY) for hit in outcome.hits],
        unavailable=outcome.unavailable,
    )
    region_calls = [call_row(r) for r in take_call_records(outcome.answers)]

    def save(served: CallRecord) -> None:
        # The IDs, the retrieval record, the regions' call records and the record of this call:
        # all or nothing, one round trip on PostgreSQL (sharing.writes).
        save_together(retrieval, items, "retrieval", id_rows, [*region_calls, call_row(served)])
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
    return Answered(
        data={"total": len(data_list), "dataList": data_list, "unavailableRegions": outcome.unavailable},
        save=save,
    )


def _obtain(region: Region, item: dict[str, Any], obtained: str) -> Obtain:
    return Obtain(
        region=region,
        obtained=obtained,
        certificate_type=str(item.get("certificateType", "")),
        certificate_type_code=str(item.get("certificateTypeCode", "")),
        certificate_number=str(item.get("certificateNumber", "")),
    )


# ---------------------------------------------------------------- by certificateID


def resolve_for(caller: Caller) -> CertificateID:
    """The certificate behind ``certificateID``, if the caller may still obtain it.

    Besides the ID's own binding (application, scenario list, ten minutes), the certificate type
    must still be shared under the scenario list now: a list narrowed since the search wins.
    """
    row = resolve_certificate_id(
        str(caller.params.get("certificateID", "")), application=caller.application, scenario_code=caller.scenario_code
    )
    if row.certificate_type_code and not caller.allows_type(row.certificate_type_code):
        raise EnvelopeError(st.CERTIFICATE_TYPE_NOT_IN_SCENARIO, row.summary.get("certificateType", ""))
    return row


# ---------------------------------------------------------------- 12.1.6 / 12.1.7 files


def _formats(caller: Caller) -> list[str]:
    wanted = str(caller.params.get("fileFormat") or "").strip().upper()
    return [wanted] if wanted else list(FILE_FORMATS)


def link_lifetime() -> timedelta:
    return timedelta(seconds=getattr(settings, "YSJ_FILE_URL_TTL", 300))


def _file_entries(
    caller: Caller,
    targets: Sequence[tuple[Region, str, dict[str, Any]]],
    rows: Sequence[RetrievedCertificate],
    formats: Sequence[str],
) -> tuple[list[FileLink], list[dict[str, Any]]]:
    """One signed download address per (certificate, format), and its unsaved link row.

    ``rows`` (unsaved) follow the same order; each link points at its row.
    """
    now = timezone.now()
    expires_at = now + link_lifetime()
    signer = signing.TimestampSigner(salt=DOWNLOAD_SALT)
    base = settings.YSJ_PUBLIC_BASE_URL.rstrip("/")
    links, entries = [], []
    row_iter = iter(rows)
    for region, ref, summary in targets:
        for fmt in formats:
            row = next(row_iter)
            token = secrets.token_urlsafe(24)
            links.append(
                FileLink(
                    token_hash=sm3_hex(token.encode("ascii")),
                    item=row,
                    application=caller.application,
                    region=region,
                    certificate_ref=ref,
                    file_format=fmt,
                    audit=caller.audit,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
            entries.append(
                {
                    "certificateType": summary.get("certificateType", ""),
                    "issueDept": summary.get("issueDept", ""),
                    "certificateNumber": summary.get("certificateNumber", ""),
                    "issueDate": summary.get("issueDate", ""),
                    "fileFormat": fmt,
                    "fileUrl": f"{base}/api/v1/files/{signer.sign(token)}",
                }
            )
    return links, entries


def _file_answer(
    caller: Caller,
    kind: str,
    targets: Sequence[tuple[Region, str, dict[str, Any]]],
    *,
    holder_key: str,
    unavailable: Sequence[str] = (),
    answers_to_record: Sequence[Answer] = (),
) -> Answered:
    formats = _formats(caller)
    items = [_obtain(region, summary, FILE_OBTAINED[fmt]) for region, _, summary in targets for fmt in formats]
    retrieval, rows = build_retrieval(caller, kind, items, holder_key=holder_key, unavailable=unavailable)
    links, entries = _file_entries(caller, targets, rows, formats)
    region_calls = [call_row(r) for r in take_call_records(answers_to_record)]

    def write() -> None:
        # The addresses handed out exist only if their links, the retrieval record and the call
        # records are all written. The links point at the items, whose keys the insert sets.
        save_retrieval(retrieval, rows)
        FileLink.objects.bulk_create(links)
        EnvelopeCall.objects.bulk_create(region_calls)

    result: dict[str, Any] = {"total": len(entries), "dataList": entries}
    if kind == RetrievalKind.FILE_BY_HOLDER:
        result["unavailableRegions"] = list(unavailable)
    return answered_with(result, write)


def file_by_id(caller: Caller) -> Answered:
    """12.1.6: download addresses for the certificate behind ``certificateID``."""
    row = resolve_for(caller)
    return _file_answer(
        caller, RetrievalKind.FILE_BY_ID, [(row.region, row.certificate_ref, row.summary)], holder_key=row.holder_key
    )


def file_by_holder(caller: Caller) -> Answered:
    """12.1.7: download addresses for every certificate of the holder the scenario list allows."""
    outcome = fused_search(caller)
    targets = [(hit.region, hit.item["certificateRef"], _summary(hit.item)) for hit in outcome.hits]
    return _file_answer(
        caller,
        RetrievalKind.FILE_BY_HOLDER,
        targets,
        holder_key=caller.holder_key,
        unavailable=outcome.unavailable,
        answers_to_record=outcome.answers,
    )


# ---------------------------------------------------------------- 12.1.8 / 12.1.9 info


def _info_params(caller: Caller, ref: str) -> dict[str, Any]:
    return {"certificateRef": ref, "audit": caller.audit}


def _read_info(answer: Answer, caller: Caller) -> dict[str, Any] | None:
    """The table 6/7 entry of an info answer, or None if the region failed or answered garbage."""
    return _read_answer(answer, answers.info_item, "info")


def _public_info(item: dict[str, Any]) -> dict[str, Any]:
    """Tables 6/7 (plus the type code); the region's own status stays with the hub."""
    return {name: item[name] for name in (*answers.INFO_FIELDS, "surface")}


def info_by_id(caller: Caller) -> Answered:
    """12.1.8: the certificate's fields and surface data, from its region now."""
    row = resolve_for(caller)
    answer = call_one(row.region, INFO_PATH, _info_params(caller, row.certificate_ref), request_id=caller.request_id)
    if not answer.ok and answer.kind == "status" and answer.status == st.CERTIFICATE_NOT_FOUND.code:
        raise EnvelopeError(st.CERTIFICATE_NOT_FOUND)
    item = _read_info(answer, caller)
    if item is None:
        raise EnvelopeError(st.REGION_UNAVAILABLE, row.region.name)
    type_code = item["certificateTypeCode"] or row.certificate_type_code
    if not caller.allows_type(type_code):
        raise EnvelopeError(st.CERTIFICATE_TYPE_NOT_IN_SCENARIO, item["certificateType"])
    return answered_with(
        {"total": 1, "dataList": [_public_info(item)]},
        lambda: record_retrieval(
            caller, RetrievalKind.INFO_BY_ID, [_obtain(row.region, item, Obtained.INFO)], holder_key=row.holder_key
        ),
    )


def info_by_holder(caller: Caller) -> Answered:
    """12.1.9: fields and surface data of every certificate of the holder the scenario list allows.

    A search fan-out finds them, then one info fan-out asks each region for its own certificates;
    a region failing at either step is listed in ``unavailableRegions``.
    """
    outcome = fused_search(caller)
    unavailable = list(outcome.unavailable)
    calls = [Call(hit.region, INFO_PATH, _info_params(caller, hit.item["certificateRef"]), tag=hit) for hit in outcome.hits]
    entries, obtained = [], []
    info_answers = fan_out(calls, request_id=caller.request_id, write_records=False)
    for answer in info_answers:
        item = _read_info(answer, caller)
        if item is None:
            if answer.region.code not in unavailable:
                unavailable.append(answer.region.code)
            continue
        if (item["certificateTypeCode"] or answer.tag.item["certificateTypeCode"]) not in caller.allowed_type_codes:
            continue
        entries.append(_public_info(item))
        obtained.append(_obtain(answer.region, item, Obtained.INFO))
    unavailable.sort(key=_region_order)
    region_calls = [call_row(r) for r in take_call_records([*outcome.answers, *info_answers])]

    def write() -> None:
        EnvelopeCall.objects.bulk_create(region_calls)
        record_retrieval(caller, RetrievalKind.INFO_BY_HOLDER, obtained, unavailable=unavailable)

    return answered_with({"total": len(entries), "dataList": entries, "unavailableRegions": unavailable}, write)


def _region_order(code: str) -> int:
    order = ("SH", "JS", "ZJ", "AH")
    return order.index(code) if code in order else len(order)


# ---------------------------------------------------------------- 12.1.10 verification

STATUS_REASONS = {
    "revoked": "证照已被颁证地区注销或吊销",
    "expired": "证照已超过有效期",
    "unknown": "颁证地区未找到该证照",
}


def decode_file_entity(text: str) -> bytes:
    """The file bytes of ``fileEntity`` (standard Base64, line breaks tolerated)."""
    try:
        content = base64.b64decode(text, validate=True)  # the usual form, without a copy first
    except (binascii.Error, ValueError):
        try:
            content = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise EnvelopeError(st.INVALID_PARAMETERS, "fileEntity 不是合法的 BASE64 编码") from exc
    if not content:
        raise EnvelopeError(st.INVALID_PARAMETERS, "fileEntity 为空")
    return content


def verify(caller: Caller) -> Answered:
    """12.1.10: integrity, SM2 signature under the issuing region's registered key, current status.

    ``result`` is "1" only if all three hold. A region that cannot be asked for the status gives
    "0": an unconfirmed certificate is not accepted.
    """
    content = decode_file_entity(str(caller.params.get("fileEntity", "")))
    file_format = str(caller.params.get("fileFormat", "")).upper()
    regions = {region.code: region for region in Region.objects.all()}

    def key_for_region(code: str) -> sm2.PublicKey | None:
        region = regions.get(code)
        return region.sm2_public_key if region is not None else None

    checked: VerificationResult = verify_file(content, file_format, key_for_region)
    output: dict[str, Any] = {"result": "0", "reason": checked.reason}
    region = regions.get(checked.region_code or "")
    if not checked.ok or region is None:
        return answered_with(output, lambda: record_retrieval(caller, RetrievalKind.VERIFY, [], holder_key=""))
    output |= {"regionCode": region.code, "certificateNumber": checked.certificate_number or ""}
    status_params: dict[str, Any] = {"certificateNumber": checked.certificate_number, "audit": caller.audit}
    if checked.internal_id:
        status_params["certificateRef"] = checked.internal_id
    type_code = getattr(checked, "certificate_type_code", None)
    if type_code:
        status_params["certificateTypeCode"] = type_code
    answer = call_one(region, STATUS_PATH, status_params, request_id=caller.request_id)
    try:
        status = answers.status_of(answer.data or {}) if answer.ok else None
    except answers.Garbage:
        status = None
    if status is None:
        output["reason"] = f"文件签名有效，但无法向颁证地区（{region.name}）确认证照当前状态"
    elif status == "valid":
        output |= {"result": "1", "reason": "核验通过：文件完整，颁证地区签名有效，证照当前有效"}
    else:
        output["reason"] = f"文件签名有效，但{STATUS_REASONS[status]}"
    if status is not None:
        output["certificateStatus"] = status
    verified = Obtain(region=region, obtained=Obtained.VERIFIED, certificate_number=checked.certificate_number or "")
    return answered_with(output, lambda: record_retrieval(caller, RetrievalKind.VERIFY, [verified], holder_key=""))
