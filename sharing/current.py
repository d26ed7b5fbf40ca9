"""The region's current status decides: a certificateID's ten minutes do not outlive a revocation.

A search finds only valid certificates, but the region may revoke one, or its validity may end,
before its certificateID is used. 12.1.8 reads the status from the info answer itself; 12.1.6
asks the region's status call before handing out any download address. Whatever is not valid
now is refused: revoked or expired with 4006, no longer known to the region with 4004.
"""

from __future__ import annotations

from trust.work import CallWork
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError

from . import answers
from .caller import Caller
from .models import CertificateID
from .regions import STATUS_PATH, call_one

VALID = "valid"
#: The region's status as 4006 names it.
STATUS_LABELS = {"revoked": "当前状态为已注销", "expired": "当前状态为已过期"}


def require_valid(status: str) -> None:
    """Refuse unless the region says the certificate is valid now."""
    if status == VALID:
        return
    if status in STATUS_LABELS:
        raise EnvelopeError(st.CERTIFICATE_NOT_VALID, STATUS_LABELS[status])
    raise EnvelopeError(st.CERTIFICATE_NOT_FOUND, "颁证地区已无该证照")


def require_valid_now(*, caller: Caller, work: CallWork, row: CertificateID) -> None:
    """Ask the certificate's region for its status now (by its reference); 4005 if it cannot tell."""
    answer = call_one(
        row.region,
        STATUS_PATH,
        {"certificateRef": row.certificate_ref},
        request_id=caller.request_id,
        recorder=work.add_call,
        scope=caller.grant_scope.by_reference(),
    )
    status = answer.read(answers.status_of, "status")
    if status is None:
        raise EnvelopeError(st.REGION_UNAVAILABLE, row.region.name)
    require_valid(status)
