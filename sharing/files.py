"""12.1.6 and 12.1.7: signed, single-use download addresses of certificate files.

The addresses are the hub's own (``sharing.downloads`` streams the file from its region when one
is used). Each exists only if its ``FileLink``, the retrieval record, the holder's notice (8.4) and the
call records commit with the answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils import timezone

from notices.services import notify_retrieval
from trust.models import Region
from trust.permissions import FILE
from trust.work import CallWork
from ysj_protocol.crypto.sm3 import sm3_hex

from .caller import Caller, certificate_for
from .current import require_valid_now
from .models import FileLink, Obtained, RetrievalKind, RetrievedCertificate
from .retrievals import add_retrieval, obtain_of
from .search import fused_search, summary_of

FILE_FORMATS = ("PDF", "OFD")
FILE_OBTAINED = {"PDF": Obtained.FILE_PDF, "OFD": Obtained.FILE_OFD}
DOWNLOAD_SALT = "sharing.file-download"

#: A certificate to hand out: its region, the region's reference and the summary shown.
Target = tuple[Region, str, dict[str, Any]]


def link_lifetime() -> timedelta:
    return timedelta(seconds=getattr(settings, "YSJ_FILE_URL_TTL", 300))


def _formats(caller: Caller) -> list[str]:
    wanted = str(caller.params.get("fileFormat") or "").strip().upper()
    return [wanted] if wanted else list(FILE_FORMATS)


def _file_entries(
    caller: Caller, targets: Sequence[Target], rows: Sequence[RetrievedCertificate], formats: Sequence[str]
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
            token = secrets.token_urlsafe(24)
            links.append(
                FileLink(
                    token_hash=sm3_hex(token.encode("ascii")),
                    item=next(row_iter),
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
    *,
    caller: Caller,
    work: CallWork,
    kind: str,
    targets: Sequence[Target],
    holder_key: str,
    unavailable: Sequence[str] = (),
) -> dict[str, Any]:
    formats = _formats(caller)
    items = [obtain_of(region, summary, FILE_OBTAINED[fmt]) for region, _, summary in targets for fmt in formats]
    rows = add_retrieval(
        work=work, caller=caller, kind=kind, items=items, holder_key=holder_key, unavailable=unavailable
    )
    links, entries = _file_entries(caller, targets, rows, formats)
    work.add(links)  # after the items they point at
    notice = notify_retrieval(work=work, caller=caller, rows=rows, holder_key=holder_key)
    result: dict[str, Any] = {"total": len(entries), "dataList": entries, "holderNotice": notice}
    if kind == RetrievalKind.FILE_BY_HOLDER:
        result["unavailableRegions"] = list(unavailable)
    return result


def file_by_id(*, caller: Caller, work: CallWork) -> dict[str, Any]:
    """12.1.6: download addresses for the certificate behind ``certificateID``.

    Its region is asked for the status first: no address is handed out for a certificate revoked
    or expired since the search (4006), nor when the region cannot tell (4005).
    """
    row = certificate_for(caller, operation=FILE)
    require_valid_now(caller=caller, work=work, row=row)
    return _file_answer(
        caller=caller,
        work=work,
        kind=RetrievalKind.FILE_BY_ID,
        targets=[(row.region, row.certificate_ref, row.summary)],
        holder_key=row.holder_key,
    )


def file_by_holder(*, caller: Caller, work: CallWork) -> dict[str, Any]:
    """12.1.7: download addresses for every certificate of the holder the scenario list allows."""
    outcome = fused_search(caller=caller, work=work)
    return _file_answer(
        caller=caller,
        work=work,
        kind=RetrievalKind.FILE_BY_HOLDER,
        targets=[(hit.region, hit.item["certificateRef"], summary_of(hit.item)) for hit in outcome.hits],
        holder_key=caller.holder_key,
        unavailable=outcome.unavailable,
    )
