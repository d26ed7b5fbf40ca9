"""A region checks that the calls it served are in the hub's evidence log.

The hub records each call it makes to a region in its evidence log with the SM3 digests of the
exact request and answer bodies; this node keeps the same digests in ``CallLog``. For each served
call older than ``NODE_EVIDENCE_GRACE_SECONDS`` and not yet confirmed, the node asks the hub for
the entry by its request digest (a section-12 envelope call, ``/api/v1/evidence/entries``), checks
that the leaf carries both digests, and checks the entry's inclusion (``GET
/evidence/proof/inclusion``) in the latest checkpoint *this node cosigned* as a witness: the hub
cannot show the region one log and the witnesses another.

Everything the hub answers is untrusted: a bad leaf, a wrong digest or a proof that fails is
recorded as a mismatch (shown in red in the admin), never raised.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ysj_protocol import status as st
from ysj_protocol.client import ClientError, EnvelopeClient, Peer, StatusError
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import load_json
from ysj_protocol.tlog import hashing, proofs

from ..envelope import record_call
from ..exchange.models import CallLog
from ..keys import hub_public_key, node_private_key
from .models import CallCheck, CallCheckState, WitnessedLog
from .services import evidence_origin

logger = logging.getLogger(__name__)

ENTRIES_PATH = "/api/v1/evidence/entries"
INCLUSION_PATH = "/evidence/proof/inclusion"
#: Calls looked at per run, oldest first.
BATCH = 500
#: A call not found is asked for again after this many seconds at the soonest.
RECHECK_SECONDS = 60.0
#: The digest of an empty body: what the hub records as the answer of a call that got none.
EMPTY_DIGEST = sm3_hex(b"")


class HubUnavailable(Exception):
    """The hub could not be asked; the run stops and the next one tries again."""


@dataclass(frozen=True)
class Summary:
    """Served calls of the hub by state, for the admin."""

    served: int
    confirmed: int
    pending: int
    missing: int
    mismatched: int


@dataclass
class RunResult:
    checked: int = 0
    confirmed: int = 0
    absent: int = 0
    unwitnessed: int = 0
    mismatched: int = 0
    stopped: str = ""


def served_calls():
    """The calls this node served to the hub, with digests (what the hub's log must hold)."""
    return CallLog.objects.filter(direction="in", account_id=settings.NODE_HUB_ACCOUNT_ID).exclude(
        request_digest=""
    )


def summary(*, now: dt.datetime | None = None) -> Summary:
    now = now or timezone.now()
    served = served_calls()
    limit = now - dt.timedelta(seconds=settings.NODE_EVIDENCE_MISSING_SECONDS)
    confirmed = served.filter(evidence_check__state=CallCheckState.CONFIRMED).count()
    mismatched = served.filter(evidence_check__state=CallCheckState.MISMATCH).count()
    open_calls = served.exclude(evidence_check__state__in=[CallCheckState.CONFIRMED, CallCheckState.MISMATCH])
    missing = open_calls.filter(created_at__lt=limit).count()
    pending = open_calls.filter(created_at__gte=limit).count()
    return Summary(
        served=served.count(), confirmed=confirmed, pending=pending, missing=missing, mismatched=mismatched
    )


class HubEvidence:
    """The hub's evidence endpoints, as this region's system calls them."""

    def __init__(self, *, base_url: str | None = None, timeout: float | None = None) -> None:
        self.base_url = (base_url or settings.NODE_HUB_URL).rstrip("/")
        if not self.base_url:
            raise HubUnavailable("本节点未配置融合共享服务系统地址 NODE_HUB_URL")
        self.timeout = timeout if timeout is not None else min(settings.NODE_HUB_TIMEOUT, 10.0)
        self.envelopes = EnvelopeClient(
            Peer(base_url=self.base_url, public_key=hub_public_key(), name="hub"),
            account_id=settings.NODE_ACCOUNT_ID,
            private_key=node_private_key(),
            timeout=self.timeout,
            recorder=record_call,
        )
        self.http = httpx.Client(base_url=self.base_url, timeout=self.timeout)

    def close(self) -> None:
        self.envelopes.close()
        self.http.close()

    def __enter__(self) -> HubEvidence:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def entry(self, request_digest: str) -> tuple[int, bytes] | None:
        """(index, leaf bytes) of the entry of the call with this request digest; None if the log has none."""
        try:
            data = self.envelopes.call(ENTRIES_PATH, {"requestDigest": request_digest}).data or {}
        except StatusError as exc:
            if exc.status == st.EVIDENCE_ENTRY_NOT_FOUND.code:
                return None
            raise HubUnavailable(f"{exc.status} {exc.message}") from exc
        except ClientError as exc:
            raise HubUnavailable(str(exc)) from exc
        index, encoded = data.get("index"), data.get("data")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0 or not isinstance(encoded, str):
            raise ValueError("the hub's entry answer has no index or data")
        return index, base64.b64decode(encoded, validate=True)

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        try:
            response = self.http.get(INCLUSION_PATH, params={"index": index, "size": size})
        except httpx.HTTPError as exc:
            raise HubUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise HubUnavailable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise ValueError(
                f"the hub refused the inclusion proof: HTTP {response.status_code} {response.text[:100]}"
            )
        body = load_json(response.content)
        if not isinstance(body, dict):
            raise ValueError("the hub's inclusion proof is not a JSON object")
        path = body.get("path")
        if body.get("index") != index or body.get("size") != size or not isinstance(path, list):
            raise ValueError("the hub's inclusion proof is for another index or size")
        if not all(isinstance(item, str) for item in path):
            raise ValueError("the hub's inclusion proof has a hash that is not text")
        return [base64.b64decode(item, validate=True) for item in path]


def _leaf_digests(data: bytes) -> tuple[str, str]:
    fields = load_json(data)
    if not isinstance(fields, dict):
        raise ValueError("the leaf is not a JSON object")
    request, response = fields.get("requestDigest"), fields.get("responseDigest")
    if not isinstance(request, str) or not isinstance(response, str):
        raise ValueError("the leaf has no requestDigest or responseDigest")
    return request.lower(), response.lower()


def _due(now: dt.datetime, size: int):
    """Calls to look at: never checked; not found and not asked for a while; or found beyond the
    witnessed size that this node has since witnessed."""
    recheck = now - dt.timedelta(seconds=RECHECK_SECONDS)
    grace = now - dt.timedelta(seconds=settings.NODE_EVIDENCE_GRACE_SECONDS)
    return (
        served_calls()
        .filter(created_at__lte=grace)
        .filter(
            Q(evidence_check__isnull=True)
            | Q(evidence_check__state=CallCheckState.ABSENT, evidence_check__checked_at__lte=recheck)
            | Q(evidence_check__state=CallCheckState.UNWITNESSED, evidence_check__index__lt=size)
        )
        .select_related("evidence_check")
        .order_by("id")[:BATCH]
    )


def _save(call: CallLog, *, state: str, now: dt.datetime, **fields: Any) -> None:
    check = getattr(call, "evidence_check", None)
    if check is None:
        check = CallCheck(call=call, attempts=0)
    check.state = state
    check.checked_at = now
    check.attempts += 1
    for name in ("index", "checkpoint_size"):
        setattr(check, name, fields.get(name))
    check.leaf_hash = fields.get("leaf_hash", "")
    check.detail = fields.get("detail", "")[:255]
    if state == CallCheckState.CONFIRMED:
        check.confirmed_at = now
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError:  # another process checked the same call meanwhile: its row stands
        pass


def check_call(call: CallLog, *, hub: HubEvidence, size: int, root: bytes, now: dt.datetime) -> str:
    """Check one served call against the witnessed tree (``size``, ``root``); the state recorded."""
    try:
        found = hub.entry(call.request_digest.lower())
    except ValueError as exc:
        _save(call, state=CallCheckState.MISMATCH, now=now, detail=f"条目应答无效：{exc}")
        return CallCheckState.MISMATCH
    if found is None:
        _save(call, state=CallCheckState.ABSENT, now=now, detail="存证日志中未找到该调用")
        return CallCheckState.ABSENT
    index, data = found
    leaf = hashing.leaf_hash(data)
    common = {"index": index, "leaf_hash": leaf.hex()}
    try:
        request_digest, response_digest = _leaf_digests(data)
    except (UnicodeDecodeError, ValueError) as exc:
        _save(call, state=CallCheckState.MISMATCH, now=now, detail=f"条目内容无法读取：{exc}", **common)
        return CallCheckState.MISMATCH
    if request_digest != call.request_digest.lower() or response_digest != call.response_digest.lower():
        detail = "条目记录的摘要与本节点的调用记录不一致"
        if request_digest == call.request_digest.lower():
            detail = f"应答摘要不一致：日志 {response_digest or '（空）'}，本节点 {call.response_digest}"
            if response_digest in ("", EMPTY_DIGEST):
                detail = (
                    "日志记录融合共享服务系统未收到本节点的应答（超时或连接中断），与本节点已作答的记录不一致"
                )
        _save(call, state=CallCheckState.MISMATCH, now=now, detail=detail, **common)
        return CallCheckState.MISMATCH
    if index >= size:
        _save(
            call,
            state=CallCheckState.UNWITNESSED,
            now=now,
            detail=f"本节点已见证的检查点仅含 {size} 条",
            **common,
        )
        return CallCheckState.UNWITNESSED
    try:
        path = hub.inclusion_path(index, size)
        proofs.verify_inclusion(index=index, size=size, leaf_hash=leaf, path=path, root=root)
    except (ValueError, proofs.ProofError) as exc:
        _save(call, state=CallCheckState.MISMATCH, now=now, detail=f"包含证明不成立：{exc}", **common)
        return CallCheckState.MISMATCH
    _save(call, state=CallCheckState.CONFIRMED, now=now, checkpoint_size=size, **common)
    return CallCheckState.CONFIRMED


_COUNTERS = {
    CallCheckState.CONFIRMED: "confirmed",
    CallCheckState.ABSENT: "absent",
    CallCheckState.UNWITNESSED: "unwitnessed",
    CallCheckState.MISMATCH: "mismatched",
}


def check_calls(*, hub: HubEvidence | None = None, now: dt.datetime | None = None) -> RunResult:
    """One run over the calls due; stops early (``stopped``) when the hub cannot be asked."""
    now = now or timezone.now()
    result = RunResult()
    log = WitnessedLog.objects.filter(origin=evidence_origin()).first()
    if log is None or log.size is None:
        result.stopped = "本节点尚未见证过存证日志的检查点"
        return result
    size, root = log.size, bytes.fromhex(log.root)
    calls = list(_due(now, size))
    if not calls:
        return result
    own = hub is None
    try:
        hub = hub or HubEvidence()
        for call in calls:
            state = check_call(call, hub=hub, size=size, root=root, now=now)
            result.checked += 1
            counter = _COUNTERS[state]
            setattr(result, counter, getattr(result, counter) + 1)
    except HubUnavailable as exc:
        result.stopped = f"无法访问融合共享服务系统：{exc}"
        logger.warning("evidence check stopped: %s", exc)
    finally:
        if own and hub is not None:
            hub.close()
    return result


class Checker:
    """A background thread running ``check_calls`` every ``NODE_EVIDENCE_CHECK_SECONDS``."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = interval if interval is not None else settings.NODE_EVIDENCE_CHECK_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="evidence-checker", daemon=True)

    def start(self) -> None:
        """Start the loop; an interval of 0 or less (``NODE_EVIDENCE_CHECK_SECONDS=0``) disables it."""
        if self.interval > 0:
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> RunResult:
        from django.db import close_old_connections

        close_old_connections()
        try:
            return check_calls()
        finally:
            close_old_connections()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # a failing run must not end the loop; the next one tries again
                logger.exception("evidence check failed")
