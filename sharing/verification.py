"""12.1.10: verification of a certificate file: integrity, the issuing region's signature, current status.

A file an application system obtained, watermarked and countersigned (11.4) verifies too: the
region's signature over the revision it issued, the application's over the whole file under the
key registered for its appId (an active trusted application). The answer names the application
(``applicationId``, ``applicationSignedAt``) and still gives the certificate's current status as
its region says: the certificate is the region's, the application only vouches for its copy.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from trust.models import Region, TrustedApplication
from trust.work import CallWork
from ysj_protocol import status as st
from ysj_protocol.certfile import VerificationResult, verify_file
from ysj_protocol.crypto import sm2
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.profile import format_time

from . import answers
from .caller import Caller
from .models import Obtained, RetrievalKind
from .regions import STATUS_PATH, call_one
from .retrievals import Obtain, add_retrieval

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


def verify(*, caller: Caller, work: CallWork) -> dict[str, Any]:
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

    checked: VerificationResult = verify_file(content, file_format, key_for_region, application_key)
    output: dict[str, Any] = {"result": "0", "reason": checked.reason}
    region = regions.get(checked.region_code or "")
    if not checked.ok or region is None:
        add_retrieval(work=work, caller=caller, kind=RetrievalKind.VERIFY, items=[], holder_key="")
        return output
    output |= {"regionCode": region.code, "certificateNumber": checked.certificate_number or ""}
    signed_by = "颁证地区签名有效"
    if checked.application is not None:
        output |= {
            "applicationId": checked.application.app_id,
            "applicationSignedAt": format_time(checked.application.signed_at),
        }
        signed_by = f"颁证地区签名有效，应用系统（{checked.application.app_id}）签名有效"
    status = _current_status(caller=caller, work=work, region=region, checked=checked)
    if status is None:
        output["reason"] = f"文件签名有效，但无法向颁证地区（{region.name}）确认证照当前状态"
    elif status == "valid":
        output |= {"result": "1", "reason": f"核验通过：文件完整，{signed_by}，证照当前有效"}
    else:
        output["reason"] = f"文件签名有效，但{STATUS_REASONS[status]}"
    if status is not None:
        output["certificateStatus"] = status
    verified = Obtain(
        region=region, obtained=Obtained.VERIFIED, certificate_number=checked.certificate_number or ""
    )
    add_retrieval(work=work, caller=caller, kind=RetrievalKind.VERIFY, items=[verified], holder_key="")
    return output


def application_key(app_id: str) -> sm2.PublicKey | None:
    """The registered key of an active trusted application: a disabled one's signature is not accepted."""
    application = TrustedApplication.objects.filter(app_id=app_id).first()
    return application.sm2_public_key if application is not None and application.is_active else None


def _current_status(
    *, caller: Caller, work: CallWork, region: Region, checked: VerificationResult
) -> str | None:
    """The certificate's status as its region says now, or None if the region cannot tell."""
    params: dict[str, Any] = {"certificateNumber": checked.certificate_number, "audit": caller.audit}
    if checked.internal_id:
        params["certificateRef"] = checked.internal_id
    answer = call_one(
        region,
        STATUS_PATH,
        params,
        request_id=caller.request_id,
        recorder=work.add_call,
        scope=caller.grant_scope.by_reference(),
    )
    return answer.read(answers.status_of, "status")
