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

A run reads the call log forward from a durable watermark (``CallCheckWatermark``: keyset paging
on the primary key), so the calls already looked at are never read again however long the
history. A call not yet confirmed goes into a retry queue (``CallCheck.next_check_at``, its own
partial index), asked for again with a growing delay and given up after
``NODE_EVIDENCE_GIVE_UP_SECONDS``; the queue has a bounded share of each run, so no old call,
however often it fails, keeps the new ones from being checked.
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
from django.utils import timezone

from ysj_protocol import status as st
from ysj_protocol.client import ClientError, EnvelopeClient, Peer, StatusError
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import load_json
from ysj_protocol.tlog import hashing, proofs

from ..envelope import record_call
from ..exchange.models import CallLog
from ..keys import hub_public_key, node_private_key
from .models import CallCheck, CallCheckState, CallCheckWatermark, WitnessedLog
from .services import evidence_origin

logger = logging.getLogger(__name__)

ENTRIES_PATH = "/api/v1/evidence/entries"
INCLUSION_PATH = "/evidence/proof/inclusion"
#: Calls asked for per run, at most.
BATCH = 500
#: Of which at most this many from the retry queue: the calls new since the last run get the rest.
RETRY_SHARE = 100
#: Call log rows read per query of the forward pass, and at most this many queries per run.
PAGE = 1000
MAX_PAGES = 20
#: A call not found is asked for again after this many seconds, doubling at each attempt up to
#: ``MAX_RECHECK_SECONDS``.
RECHECK_SECONDS = 60.0
MAX_RECHECK_SECONDS = 3600.0
#: Added to the detail of a call no longer looked for.
GAVE_UP = "（超过核对期限，不再查找）"
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
    #: The watermark after the run: every call log row up to this id has been looked at.
    through_id: int = 0


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


def _is_served(call: CallLog) -> bool:
    """The test of ``served_calls``, on a row already read."""
    return (
        call.direction == "in"
        and call.account_id == settings.NODE_HUB_ACCOUNT_ID
        and call.request_digest != ""
    )


def _new_calls(*, after: int, now: dt.datetime, budget: int) -> list[tuple[int, CallLog | None]]:
    """The call log rows after the watermark, in id order: ``(id, call to check)``, or ``(id, None)``
    for a row that is not the check's (another party's call, this node's own, one already checked).

    Stops before the first row younger than the grace period, and after ``budget`` calls to check.
    """
    grace = now - dt.timedelta(seconds=settings.NODE_EVIDENCE_GRACE_SECONDS)
    rows: list[tuple[int, CallLog | None]] = []
    wanted = 0
    through = after
    for _ in range(MAX_PAGES):
        page = list(
            CallLog.objects.filter(id__gt=through).select_related("evidence_check").order_by("id")[:PAGE]
        )
        for call in page:
            if call.created_at > grace:
                return rows
            if _is_served(call) and getattr(call, "evidence_check", None) is None:
                if wanted == budget:
                    return rows
                wanted += 1
                rows.append((call.id, call))
            else:
                rows.append((call.id, None))
        if len(page) < PAGE:
            break
        through = page[-1].id
    return rows


def _due_retries(now: dt.datetime, size: int, limit: int) -> list[CallCheck]:
    """Checks not finished that can move: entries this node has since witnessed, then those whose
    time has come, longest waiting first (index ``node_callcheck_due``); at most ``limit``."""
    if limit <= 0:
        return []
    # In the order of the small partial index, so that it is walked rather than the whole table.
    witnessed = list(
        CallCheck.objects.filter(
            state=CallCheckState.UNWITNESSED, index__lt=size, next_check_at__isnull=False
        )
        .select_related("call")
        .order_by("next_check_at", "id")[:limit]
    )
    if len(witnessed) == limit:
        return witnessed
    seen = {check.pk for check in witnessed}
    due = (
        CallCheck.objects.filter(next_check_at__lte=now)
        .select_related("call")
        .order_by("next_check_at", "id")
    )
    return witnessed + [check for check in due[:limit] if check.pk not in seen][: limit - len(witnessed)]


def recheck_given_up(*, now: dt.datetime | None = None) -> int:
    """Put the calls given up on back in the queue, to be looked for once more; how many.

    For an operator who has had the hub's log repaired or its outage ended: each call is asked for
    once in the coming runs (within the queue's share of a run) and, if still not found, given up
    again. Confirmed and mismatched checks are final and stay as they are.
    """
    return CallCheck.objects.filter(
        next_check_at__isnull=True, state__in=[CallCheckState.ABSENT, CallCheckState.UNWITNESSED]
    ).update(next_check_at=now or timezone.now())


def _next_check(call: CallLog, *, state: str, attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to look at a call again; None once its check is finished or given up.

    A call not found is asked for again after ``RECHECK_SECONDS``, doubling up to
    ``MAX_RECHECK_SECONDS``. An entry beyond the witnessed size is taken up as soon as this node
    witnesses further (``_due_retries``); its time only says when to give up on it.
    """
    if state in (CallCheckState.CONFIRMED, CallCheckState.MISMATCH):
        return None
    give_up = call.created_at + dt.timedelta(seconds=settings.NODE_EVIDENCE_GIVE_UP_SECONDS)
    if give_up <= now:
        return None
    if state == CallCheckState.UNWITNESSED:
        return give_up
    delay = min(RECHECK_SECONDS * 2 ** min(max(attempts - 1, 0), 20), MAX_RECHECK_SECONDS)
    return min(now + dt.timedelta(seconds=delay), give_up)


def _store(check: CallCheck) -> None:
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError:  # another process checked the same call meanwhile: its row stands
        pass


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
    detail = fields.get("detail", "")
    check.next_check_at = _next_check(call, state=state, attempts=check.attempts, now=now)
    if check.next_check_at is None and state in (CallCheckState.ABSENT, CallCheckState.UNWITNESSED):
        detail = detail[: 255 - len(GAVE_UP)] + GAVE_UP
    check.detail = detail[:255]
    if state == CallCheckState.CONFIRMED:
        check.confirmed_at = now
    _store(check)


def _postpone(call: CallLog, *, now: dt.datetime, reason: str) -> None:
    """The hub could not be asked about this call: count the attempt and put the call back in the
    queue, so that a call the hub keeps failing on does not stop every later run at itself."""
    check = getattr(call, "evidence_check", None)
    if check is None:
        check = CallCheck(call=call, attempts=0, state=CallCheckState.ABSENT)
    check.attempts += 1
    check.checked_at = now
    check.next_check_at = _next_check(call, state=check.state, attempts=check.attempts, now=now)
    detail = f"核对中断，无法访问融合共享服务系统：{reason}"
    if check.next_check_at is None:
        detail = detail[: 255 - len(GAVE_UP)] + GAVE_UP
    check.detail = detail[:255]
    _store(check)


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


def _watermark() -> tuple[int, bool]:
    """(the id up to which the call log has been looked at, whether its row exists)."""
    through = (
        CallCheckWatermark.objects.filter(key=CallCheckWatermark.SERVED_CALLS)
        .values_list("through_id", flat=True)
        .first()
    )
    return (through or 0), through is not None


def _advance(through: int, *, exists: bool) -> None:
    """Move the watermark forward (never back: a concurrent run may have gone further)."""
    if exists:
        CallCheckWatermark.objects.filter(key=CallCheckWatermark.SERVED_CALLS, through_id__lt=through).update(
            through_id=through
        )
        return
    try:
        with transaction.atomic():
            CallCheckWatermark.objects.create(key=CallCheckWatermark.SERVED_CALLS, through_id=through)
    except IntegrityError:
        _advance(through, exists=True)


def _count(result: RunResult, state: str) -> None:
    result.checked += 1
    counter = _COUNTERS[state]
    setattr(result, counter, getattr(result, counter) + 1)


def check_calls(*, hub: HubEvidence | None = None, now: dt.datetime | None = None) -> RunResult:
    """One run: the calls served since the watermark, then the retry queue's share; stops early
    (``stopped``) when the hub cannot be asked. The queries do not depend on the history's length."""
    now = now or timezone.now()
    result = RunResult()
    log = WitnessedLog.objects.filter(origin=evidence_origin()).first()
    if log is None or log.size is None:
        result.stopped = "本节点尚未见证过存证日志的检查点"
        return result
    size, root = log.size, bytes.fromhex(log.root)
    start, exists = _watermark()
    through = result.through_id = start
    retries = _due_retries(now, size, RETRY_SHARE)
    rows = _new_calls(after=start, now=now, budget=BATCH - len(retries))
    waiting = [c for c in retries if c.state == CallCheckState.UNWITNESSED and (c.index or 0) >= size]
    asked = [c for c in retries if c not in waiting]
    own = hub is None
    try:
        if asked or any(call is not None for _, call in rows):
            hub = hub or HubEvidence()
        for call_id, call in rows:
            if call is not None:
                try:
                    _count(result, check_call(call, hub=hub, size=size, root=root, now=now))
                except HubUnavailable as exc:
                    _postpone(call, now=now, reason=str(exc))
                    through = call_id
                    raise
            through = call_id
        for check in asked:
            call = check.call
            call.evidence_check = check
            try:
                _count(result, check_call(call, hub=hub, size=size, root=root, now=now))
            except HubUnavailable as exc:
                _postpone(call, now=now, reason=str(exc))
                raise
        _wait_for_witness(waiting, now=now)
    except HubUnavailable as exc:
        result.stopped = f"无法访问融合共享服务系统：{exc}"
        logger.warning("evidence check stopped: %s", exc)
    finally:
        if own and hub is not None:
            hub.close()
        if through > start:
            _advance(through, exists=exists)
            result.through_id = through
    return result


def _wait_for_witness(checks: list[CallCheck], *, now: dt.datetime) -> None:
    """Entries still beyond the witnessed size whose time came: wait on, or give up once too old."""
    for check in checks:
        check.next_check_at = _next_check(check.call, state=check.state, attempts=check.attempts, now=now)
        if check.next_check_at is None:
            check.detail = check.detail[: 255 - len(GAVE_UP)] + GAVE_UP
        _store(check)


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
