"""Entries and logs for the evidence tests, written through the real append and integrate paths."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from evidence import leaf
from evidence.append import append
from evidence.integrate import integrate
from evidence.models import EntryKind


def call_leaf(n: int = 0, **changes) -> bytes:
    fields = {
        "account": "app-evidence", "application": "app-evidence", "at": timezone.now(), "bizNum": f"BIZ-{n}",
        "direction": "in", "endpoint": "/api/v1/certificates/search", "holder": "", "httpStatus": 200,
        "operator": "李四", "region": "SH", "relayingRegion": "", "requestDigest": f"{n:064x}",
        "requestId": f"req-{n}", "responseDigest": "", "scenario": "SC-1", "status": "0",
    }
    fields.update(changes)
    return leaf.encode(EntryKind.SERVED, fields)


def log_of(count: int, *, batches: int = 1, sign: bool = True) -> None:
    """A log of ``count`` call entries, integrated in ``batches`` runs (one checkpoint after each)."""
    per = max(1, -(-count // batches))
    written = 0
    while written < count:
        n = min(per, count - written)
        with transaction.atomic():
            append([call_leaf(written + i) for i in range(n)])
        integrate(sign=sign)
        written += n
