"""An entry's leaf bytes for a region: by index, or by the request digest of a call it took part in."""

from __future__ import annotations

import base64
from typing import Any

from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError

from .models import EvidenceEntry


def entry_for_region(*, grant: Any, params: dict[str, Any]) -> dict[str, Any]:
    """``{"index", "data"}`` of the entry asked for; 4041 when the log holds no such entry.

    By digest, only the entries of calls the calling region took part in are searched (the hub's
    calls to it and its calls to the hub): a region learns nothing of others' calls by guessing.
    """
    entries = EvidenceEntry.objects.only("index", "leaf")
    if "index" in params:
        entry = entries.filter(index=params["index"]).first()
    else:
        region = grant.party.region
        entry = (
            entries.filter(request_digest=params["requestDigest"].lower(), region=region.code if region else "")
            .order_by("index")
            .first()
        )
    if entry is None:
        raise EnvelopeError(st.EVIDENCE_ENTRY_NOT_FOUND)
    return {"index": entry.index, "data": base64.b64encode(bytes(entry.leaf)).decode("ascii")}
