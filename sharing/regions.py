"""Envelope clients towards the four regional systems, and the parallel fan-out.

One long-lived ``EnvelopeClient`` per region and process, so connections are kept alive across
calls; the client is rebuilt only when the region's registration (address, key, account,
timeout) or the hub's key changes. Calls run on a shared thread pool: worker threads never touch
the database (each call's record is kept on its answer and handed by the requesting thread to the
caller's recorder, usually the served call's unit of work), so the pool holds no database
connections.

Each region has a circuit breaker: after ``YSJ_REGION_BREAKER_FAILURES`` calls in a row that timed
out or could not connect, the region is skipped for ``YSJ_REGION_BREAKER_COOLDOWN`` seconds (its
answer says ``open`` at once, and searches list it in ``unavailableRegions``), so one region's
trouble does not hold every request for its timeout. When the cool-down ends, a probe (a status
call for a certificate nobody has, which discloses nothing) is made in the background; the
breaker closes when the region answers it, and opens for another cool-down otherwise. Requests
never wait for a probe. The breaker state is per process: each hub process learns on its own,
after a few timed-out calls, and probes on its own (one small call per cool-down).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from django.conf import settings

from trust import registry
from trust.credentials import provider_grant
from trust.keys import hub_private_key
from trust.models import Region
from ysj_portal import metrics
from ysj_protocol.client import ClientError, EnvelopeClient, Peer, ProtocolError, StatusError, TransportError
from ysj_protocol.profile import FILE_PATH, INFO_PATH, SEARCH_PATH, STATUS_PATH  # noqa: F401 (re-exported)
from ysj_protocol.records import MADE, CallRecord, Recorder

from . import answers

logger = logging.getLogger(__name__)
T = TypeVar("T")


#: Extra time the requesting thread waits beyond a region's own timeout before giving up on it.
DEADLINE_GRACE = 0.25

#: Answer kinds that count against a region's breaker: it did not answer at all.
_BREAKING_KINDS = frozenset({"timeout", "transport"})
#: What the background probe asks: the status of a certificate nobody has (no audit, nothing disclosed).
PROBE_PARAMS = {"certificateNumber": "YSJ-BREAKER-PROBE", "certificateTypeCode": "000"}


class Breaker:
    """One region's circuit breaker in this process: closed, open (skipped) until its cool-down ends."""

    def __init__(self, region_id: int, code: str = "") -> None:
        self.region_id = region_id
        self.code = code
        self._lock = threading.Lock()
        self.failures = 0
        self.open_until = 0.0  # monotonic; 0: closed
        self.probing = False
        self.opened = 0  # times opened (for logs and tests)

    @property
    def is_open(self) -> bool:
        return self.open_until > 0.0

    def allow(self, region: Region) -> bool:
        """Whether to call the region now; starts the background probe when the cool-down is over."""
        with self._lock:
            if not self.open_until:
                return True
            if self.probing or time.monotonic() < self.open_until:
                return False
            self.probing = True
        threading.Thread(target=self._probe, args=(region,), name=f"probe-{region.code}", daemon=True).start()
        return False

    def record(self, kind: str) -> None:
        """The outcome of a real call: ``kind`` as in ``Answer.kind`` ("" for success)."""
        with self._lock:
            if kind not in _BREAKING_KINDS:
                self.failures = 0
                return
            self.failures += 1
            if self.open_until or self.failures < _setting("YSJ_REGION_BREAKER_FAILURES", 3):
                return
            self._open()
        logger.warning("region %s skipped for %.0f s after %d calls without an answer",
                       self.code, _setting("YSJ_REGION_BREAKER_COOLDOWN", 30.0), self.failures)

    def _open(self) -> None:
        self.open_until = time.monotonic() + _setting("YSJ_REGION_BREAKER_COOLDOWN", 30.0)
        self.opened += 1

    def _probe(self, region: Region) -> None:
        answered = False
        try:
            timeout = float(region.timeout_seconds or settings.YSJ_REGION_TIMEOUT)
            client_for(region).call(STATUS_PATH, dict(PROBE_PARAMS), timeout=timeout, request_id="breaker-probe",
                                    recorder=lambda record: None)
            answered = True
        except (StatusError, ProtocolError):
            answered = True  # it answered: refusing or garbling a probe is not being unreachable
        except Exception:  # still unreachable or too slow
            answered = False
        with self._lock:
            self.probing = False
            if answered:
                self.failures, self.open_until = 0, 0.0
            else:
                self._open()
        logger.warning("region %s %s", region.code, "answers again: calls resume" if answered else "still unreachable")


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class _Clients:
    """The client and the breaker of each region, renewed together when its registration changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[int, tuple[tuple, EnvelopeClient, Breaker]] = {}

    def _entry(self, region: Region) -> tuple[tuple, EnvelopeClient, Breaker]:
        hub_key = hub_private_key()
        signature = (
            region.endpoint, region.public_key, region.caller_account_id, region.timeout_seconds, hub_key.hex()
        )
        with self._lock:
            cached = self._clients.get(region.pk)
            if cached is not None and cached[0] == signature:
                return cached
            client = EnvelopeClient(
                Peer(base_url=region.endpoint, public_key=region.sm2_public_key, name=region.code),
                account_id=region.caller_account_id,
                private_key=hub_key,
                timeout=region.timeout_seconds,
            )
            entry = self._clients[region.pk] = (signature, client, Breaker(region.pk, region.code))
        if cached is not None:
            cached[1].close()
        return entry

    def get(self, region: Region) -> EnvelopeClient:
        return self._entry(region)[1]

    def breaker(self, region: Region) -> Breaker:
        return self._entry(region)[2]

    def known_breaker(self, region: Region) -> Breaker | None:
        """The region's breaker if this process has called it; health answers create no client."""
        with self._lock:
            cached = self._clients.get(region.pk)
        return cached[2] if cached is not None else None

    def close_all(self) -> None:
        """Close every client and forget every breaker (tests, and a change of the hub's key)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for _, client, _ in clients:
            client.close()


clients = _Clients()


_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=getattr(settings, "YSJ_FANOUT_THREADS", 32), thread_name_prefix="ysj-region"
            )
        return _pool


def client_for(region: Region) -> EnvelopeClient:
    return clients.get(region)


def active_regions() -> list[Region]:
    """The active regions in division-code order (cached: trust.registry; do not modify them)."""
    return registry.cached(
        ("regions", "active"), lambda: list(Region.objects.filter(is_active=True).order_by("division_code"))
    )


def audit_of(params: dict[str, Any], application: Any) -> dict[str, str]:
    """The ``audit`` object every provider call carries (docs/region-protocol.md)."""
    audit = {name: str(params.get(name, "")) for name in ("useFor", "itemName", "itemCode", "itemOrg", "operator", "bizNum")}
    audit["appId"] = application.app_id
    return audit


@dataclass(slots=True)
class Answer:
    """What one region said to one call: ``data`` on success, otherwise ``error`` and its kind."""

    region: Region
    data: dict[str, Any] | None = None
    error: str = ""
    kind: str = ""  # "", "transport", "timeout", "protocol", "status", "invalid", "open" (skipped)
    status: str = ""
    #: The record of the call, set by the worker that made it.
    record: CallRecord | None = None
    tag: Any = None

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.error

    def keep(self, record: CallRecord) -> None:
        """The per-call recorder given to the client."""
        self.record = record

    def read(self, parse: Callable[[dict[str, Any]], T], what: str) -> T | None:
        """The parsed answer, or None when the region failed or answered garbage (logged either way)."""
        if self.kind == "open":
            return None  # skipped by its breaker, logged when it opened
        if not self.ok:
            logger.warning("region %s did not answer %s: %s %s", self.region.code, what, self.kind, self.error)
            return None
        try:
            return parse(self.data or {})
        except answers.Garbage as exc:
            logger.warning("region %s answered a malformed %s: %s", self.region.code, what, exc)
            return None


#: The call a grant names, by provider path.
GRANT_CALLS = {SEARCH_PATH: "search", INFO_PATH: "info", FILE_PATH: "file", STATUS_PATH: "status"}


@dataclass(frozen=True, slots=True)
class GrantScope:
    """What the access checks allowed one application call; each provider call's grant names it (10.2 b)."""

    app_id: str
    item_code: str
    type_codes: tuple[str, ...]
    biz_num: str = ""
    relaying_region: str = ""
    #: (code type, code) of the holder the call is about, when the caller named one.
    holder: tuple[str, str] | None = None

    def by_reference(self) -> GrantScope:
        """The scope of a call about one certificate (by ID): its reference binds it, not the holder.

        The hub keeps a certificateID's holder only as a keyed digest; a holder token the call
        may also carry is not what the certificate was found for.
        """
        return replace(self, holder=None)


@dataclass(slots=True)
class Call:
    """One call of a fan-out: region, path, parameters, and a tag the caller gets back.

    With a ``scope``, the trust service's grant for this region and call is added to the
    parameters when the call is made (so its lifetime starts then).
    """

    region: Region
    path: str
    params: dict[str, Any]
    tag: Any = None
    scope: GrantScope | None = None


def params_with_grant(call: Call) -> dict[str, Any]:
    """The call's parameters with its grant, minted now; unchanged without a scope."""
    scope = call.scope
    if scope is None:
        return call.params
    grant = provider_grant(
        region=call.region.code,
        call=GRANT_CALLS[call.path],
        app_id=scope.app_id,
        item_code=scope.item_code,
        type_codes=scope.type_codes,
        biz_num=scope.biz_num,
        relaying_region=scope.relaying_region,
        holder=scope.holder,
        certificate_ref=str(call.params.get("certificateRef", "")),
    )
    return {**call.params, "grant": grant}


def _run(client: EnvelopeClient, call: Call, timeout: float, request_id: str) -> Answer:
    answer = Answer(region=call.region, tag=call.tag)
    try:
        params = params_with_grant(call)
        opened = client.call(call.path, params, timeout=timeout, request_id=request_id, recorder=answer.keep)
        if not isinstance(opened.data, dict):
            answer.error, answer.kind = "应答缺少业务数据", "protocol"
        else:
            answer.data = opened.data
    except StatusError as exc:
        answer.error, answer.kind, answer.status = exc.message or exc.status, "status", exc.status
    except ProtocolError as exc:
        answer.error, answer.kind = str(exc), "protocol"
    except TransportError as exc:
        answer.error, answer.kind = str(exc), "timeout" if "超时" in str(exc) else "transport"
    except ClientError as exc:  # pragma: no cover - every client error is one of the above
        answer.error, answer.kind = str(exc), "protocol"
    except Exception as exc:  # a bug or an unexpected failure must not take the search down
        logger.exception("region call %s %s failed", call.region.code, call.path)
        answer.error, answer.kind = f"{type(exc).__name__}", "protocol"
    clients.breaker(call.region).record(answer.kind)
    return answer


def fan_out(calls: Sequence[Call], *, request_id: str, recorder: Recorder) -> list[Answer]:
    """Make every call in parallel, each region within its own timeout; answers in call order.

    A call not finished by its region's deadline is given up (its answer says ``timeout``); the
    thread finishes on its own. A region whose breaker is open is not called (``open``). Each call is made once: nothing is retried within one request.
    Each call's record goes to ``recorder`` from the requesting thread, in call order.
    """
    if not calls:
        return []
    pool = _executor()
    started = time.monotonic()
    submitted: list[tuple[Call, float, Future[Answer] | None]] = []
    for call in calls:
        if not clients.breaker(call.region).allow(call.region):
            submitted.append((call, started, None))
            continue
        timeout = float(call.region.timeout_seconds or settings.YSJ_REGION_TIMEOUT)
        client = client_for(call.region)
        submitted.append((call, started + timeout + DEADLINE_GRACE, pool.submit(_run, client, call, timeout, request_id)))
    results: list[Answer] = []
    for call, deadline, future in submitted:
        if future is None:  # not called: the region's breaker is open; nothing was sent, nothing to record
            results.append(Answer(region=call.region, error="地区连续超时，暂停调用", kind="open", tag=call.tag))
            continue
        try:
            answer = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            # The worker's own record will never be read: keep one saying the call was given up.
            answer = Answer(region=call.region, error="超时未应答", kind="timeout", tag=call.tag)
            answer.record = CallRecord(
                direction=MADE, account_id=call.region.code, endpoint=call.path, http_status=0,
                status_code="", latency_ms=(time.monotonic() - started) * 1000, request_digest="",
                response_digest="", biz_num=str(call.params.get("audit", {}).get("bizNum", ""))[:64],
                request_id=request_id, error="deadline",
            )
        results.append(answer)
        metrics.observe_region_call(
            region=call.region.code,
            seconds=answer.record.latency_ms / 1000 if answer.record is not None else None,
            failure=answer.kind if answer.error else None,
        )
        if answer.record is not None:
            recorder(answer.record)
    return results


def call_one(
    region: Region,
    path: str,
    params: dict[str, Any],
    *,
    request_id: str,
    recorder: Recorder,
    scope: GrantScope | None = None,
) -> Answer:
    """One provider call, same error handling, deadline and record as a fan-out of one."""
    call = Call(region=region, path=path, params=params, scope=scope)
    return fan_out([call], request_id=request_id, recorder=recorder)[0]
