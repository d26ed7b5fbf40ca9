"""Envelope clients towards the four regional systems, and the parallel fan-out.

One long-lived ``EnvelopeClient`` per region and process, so connections are kept alive across
calls; the client is rebuilt only when the region's registration (address, key, account,
timeout) or the hub's key changes. Calls run on a shared thread pool: worker threads never touch
the database (each call's record is kept on its answer and handed by the requesting thread to the
caller's recorder, usually the served call's unit of work), so the pool holds no database
connections.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings

from trust import registry
from trust.keys import hub_private_key
from trust.models import Region
from ysj_protocol.client import ClientError, EnvelopeClient, Peer, ProtocolError, StatusError, TransportError
from ysj_protocol.profile import FILE_PATH, INFO_PATH, SEARCH_PATH, STATUS_PATH  # noqa: F401 (re-exported)
from ysj_protocol.records import MADE, CallRecord, Recorder

from . import answers

logger = logging.getLogger(__name__)
T = TypeVar("T")


#: Extra time the requesting thread waits beyond a region's own timeout before giving up on it.
DEADLINE_GRACE = 0.25

class _Clients:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[int, tuple[tuple, EnvelopeClient]] = {}

    def get(self, region: Region) -> EnvelopeClient:
        hub_key = hub_private_key()
        signature = (
            region.endpoint, region.public_key, region.caller_account_id, region.timeout_seconds, hub_key.hex()
        )
        with self._lock:
            cached = self._clients.get(region.pk)
            if cached is not None and cached[0] == signature:
                return cached[1]
            client = EnvelopeClient(
                Peer(base_url=region.endpoint, public_key=region.sm2_public_key, name=region.code),
                account_id=region.caller_account_id,
                private_key=hub_key,
                timeout=region.timeout_seconds,
            )
            self._clients[region.pk] = (signature, client)
        if cached is not None:
            cached[1].close()
        return client

    def close_all(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for _, client in clients:
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
    kind: str = ""  # "", "transport", "timeout", "protocol", "status", "invalid"
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
        if not self.ok:
            logger.warning("region %s did not answer %s: %s %s", self.region.code, what, self.kind, self.error)
            return None
        try:
            return parse(self.data or {})
        except answers.Garbage as exc:
            logger.warning("region %s answered a malformed %s: %s", self.region.code, what, exc)
            return None


@dataclass(slots=True)
class Call:
    """One call of a fan-out: region, path, parameters, and a tag the caller gets back."""

    region: Region
    path: str
    params: dict[str, Any]
    tag: Any = None


def _run(client: EnvelopeClient, call: Call, timeout: float, request_id: str) -> Answer:
    answer = Answer(region=call.region, tag=call.tag)
    try:
        opened = client.call(call.path, call.params, timeout=timeout, request_id=request_id, recorder=answer.keep)
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
    return answer


def fan_out(calls: Sequence[Call], *, request_id: str, recorder: Recorder) -> list[Answer]:
    """Make every call in parallel, each region within its own timeout; answers in call order.

    A call not finished by its region's deadline is given up (its answer says ``timeout``); the
    thread finishes on its own. Each call is made once: nothing is retried within one request.
    Each call's record goes to ``recorder`` from the requesting thread, in call order.
    """
    if not calls:
        return []
    pool = _executor()
    started = time.monotonic()
    submitted: list[tuple[Call, float, Future[Answer]]] = []
    for call in calls:
        timeout = float(call.region.timeout_seconds or settings.YSJ_REGION_TIMEOUT)
        client = client_for(call.region)
        submitted.append((call, started + timeout + DEADLINE_GRACE, pool.submit(_run, client, call, timeout, request_id)))
    results: list[Answer] = []
    for call, deadline, future in submitted:
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
        if answer.record is not None:
            recorder(answer.record)
    return results


def call_one(region: Region, path: str, params: dict[str, Any], *, request_id: str, recorder: Recorder) -> Answer:
    """One provider call, same error handling, deadline and record as a fan-out of one."""
    return fan_out([Call(region=region, path=path, params=params)], request_id=request_id, recorder=recorder)[0]
