"""Fault drills: real faults on a running node, switched at run time (``NODE_DRILLS=1`` only).

Two faults can be set: an answer delay in milliseconds, and a "malformed answers" mode in which
the protocol endpoints answer something that is not a valid envelope for the hub. Stopping the
process is the third fault ("down"). The state lives in a small JSON file in the node's data
directory, so every worker process of the node sees the same drill, and it is cleared when the
node starts.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse

#: How a malformed answer looks (each is a different failure for the caller).
MALFORMED_MODES = {
    "off": "正常应答",
    "garbage": "应答不是 JSON",
    "bad-envelope": "应答是 JSON 但 encryptData 无法解密",
    "no-head": "应答缺少 head",
    "truncated": "应答在中途截断",
}
MAX_DELAY_MS = 120_000
#: Paths the drills apply to: the protocol endpoints, never the drill switch itself.
DRILLED_PREFIXES = ("/api/v1/certificates/", "/api/v1/publications", "/api/v1/files/")


@dataclass(slots=True)
class DrillState:
    delay_ms: int = 0
    malformed: str = "off"

    @property
    def active(self) -> bool:
        return self.delay_ms > 0 or self.malformed != "off"


def state_path() -> Path:
    return Path(settings.NODE_DATA_DIR) / "drills.json"


_lock = threading.Lock()
_cache: tuple[float, DrillState] | None = None


def current() -> DrillState:
    """The drill in force; re-read only when the state file changes."""
    global _cache
    try:
        mtime = os.stat(state_path()).st_mtime_ns
    except FileNotFoundError:
        return DrillState()
    with _lock:
        if _cache is not None and _cache[0] == mtime:
            return _cache[1]
        try:
            raw = json.loads(state_path().read_text(encoding="utf-8"))
            state = DrillState(
                delay_ms=int(raw.get("delay_ms", 0)), malformed=str(raw.get("malformed", "off"))
            )
        except (OSError, ValueError, TypeError):
            state = DrillState()
        _cache = (mtime, state)
        return state


def store(state: DrillState) -> DrillState:
    """Write the drill atomically (write then rename) so a reader never sees half a file."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(asdict(state)), encoding="utf-8")
    os.replace(tmp, path)
    return state


def clear() -> None:
    state_path().unlink(missing_ok=True)


def malformed_response(mode: str) -> HttpResponse:
    content_type = "application/json; charset=utf-8"
    if mode == "garbage":
        return HttpResponse(b"<html>502 Bad Gateway</html>", status=200, content_type="text/html")
    if mode == "bad-envelope":
        body = {"head": {"status": "0", "message": "接口调用成功"}, "encryptData": "04" + "AB" * 120}
        return HttpResponse(json.dumps(body), status=200, content_type=content_type)
    if mode == "no-head":
        return HttpResponse(
            json.dumps({"encryptData": "04" + "CD" * 120}), status=200, content_type=content_type
        )
    # truncated
    return HttpResponse(b'{"head": {"status": "0", "message": "', status=200, content_type=content_type)


class DrillMiddleware:
    """Applies the drill in force to the protocol endpoints; a no-op unless NODE_DRILLS is set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = bool(settings.NODE_DRILLS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled or not request.path.startswith(DRILLED_PREFIXES):
            return self.get_response(request)
        state = current()
        if state.delay_ms:
            time.sleep(state.delay_ms / 1000)
        if state.malformed != "off" and request.method == "POST":
            return malformed_response(state.malformed)
        return self.get_response(request)
