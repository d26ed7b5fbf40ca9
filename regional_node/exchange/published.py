"""The published catalog and scenario lists as the provider calls read them: cached per process.

Every search, info answer and service code reads the catalog (the shared code of each local type
name) and, with ``NODE_ENFORCE_SCENARIOS``, every provider call reads its scenario list; both
change only when a publication is applied. Each
process of the node (gunicorn workers, management commands) keeps what it has read, keyed by a
change marker: a file in ``NODE_DATA_DIR`` to which every change of ``PublishedEntry`` appends one
byte once its transaction has committed. The marker's size therefore changes with every change
and never returns to an earlier value, so one ``stat()`` per call tells every process whether its
cache is still current, and a publication takes effect on the very next call in every process.
The processes of a node share ``NODE_DATA_DIR`` as they share its SQLite file and certificate files.

Why this is correct: a cached value was read from the database after its reader saw the marker
in the state the cache is keyed by. A call that sees the same state again comes after no later
change's append, hence after no later commit it could miss; a change committed before the call
has appended before its answer left, so the call sees a new state and reads again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from ysj_protocol import profile

from .models import PublicationKind, PublishedEntry

MARKER_NAME = "published.marker"
#: Cached codes per process before the cache starts over (codes come from the hub's calls).
MAX_CACHED = 20_000

Marker = tuple[int, int, int] | None


def marker_path() -> Path:
    return Path(settings.NODE_DATA_DIR) / MARKER_NAME


def _marker() -> Marker:
    try:
        info = os.stat(marker_path())
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def changed() -> None:
    """Say that the published configuration changed; call it after the change has committed.

    An O_APPEND write of one byte is atomic, so concurrent writers in several processes each
    grow the file. A failure propagates: the caller must not report the change as applied.
    """
    path = marker_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, b".")
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class SharedCatalog:
    """The catalog in force as a whole: its codes, and type name -> the code the region answers.

    ``by_name`` follows ``ysj_protocol.profile.shared_type_aliases``: when two entries name the
    same type, the lower code wins, so each local certificate has one shared code at most.
    """

    codes: frozenset[str]
    by_name: dict[str, str]


class _Snapshot:
    """Entries in force read under one marker state: (kind, code) -> payload, None when absent."""

    __slots__ = ("catalog", "entries", "marker")

    def __init__(self, marker: Marker) -> None:
        self.marker = marker
        self.entries: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.catalog: SharedCatalog | None = None


_lock = threading.Lock()
_snapshot = _Snapshot(None)


def _current() -> _Snapshot:
    """The snapshot of the marker's present state; a new, empty one when the marker moved."""
    global _snapshot
    marker = _marker()
    snapshot = _snapshot
    if snapshot.marker != marker or len(snapshot.entries) > MAX_CACHED:
        with _lock:
            if _snapshot.marker != marker or len(_snapshot.entries) > MAX_CACHED:
                _snapshot = _Snapshot(marker)
            snapshot = _snapshot
    return snapshot


def entries(kind: str, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Payloads of the entries of ``kind`` in force (not withdrawn) among ``codes``, by code.

    The payloads are shared between calls: read them, never change them.
    """
    wanted = set(codes)
    snapshot = _current()
    cached = snapshot.entries
    missing = [code for code in wanted if (kind, code) not in cached]
    if missing:
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(missing)
        rows = PublishedEntry.objects.filter(kind=kind, code__in=missing, withdrawn=False)
        found.update(rows.values_list("code", "payload"))
        for code, payload in found.items():
            cached[(kind, code)] = payload
    return {code: payload for code in wanted if (payload := cached[(kind, code)]) is not None}


def shared_catalog() -> SharedCatalog:
    """The whole catalog in force (not withdrawn), read once per marker state.

    Info answers and service-code claims name no requested code, so the mapping of a local type
    to its shared code needs every entry, not only those a call asks for.
    """
    snapshot = _current()
    catalog = snapshot.catalog
    if catalog is None:
        rows = PublishedEntry.objects.filter(kind=PublicationKind.CATALOG, withdrawn=False)
        codes, names = set(), {}
        for code, payload in rows.values_list("code", "payload"):
            codes.add(code)
            name = payload.get("certificateType") if isinstance(payload, dict) else None
            if isinstance(name, str) and name:
                names[code] = name
        catalog = SharedCatalog(codes=frozenset(codes), by_name=profile.shared_type_aliases(names))
        snapshot.catalog = catalog
    return catalog


def scenario(item_code: str) -> dict[str, Any] | None:
    """The payload of the scenario list ``item_code`` in force (not withdrawn), or None."""
    return entries(PublicationKind.SCENARIO, [item_code]).get(item_code)


def entry_changed(sender: type, using: str = "default", **kwargs: Any) -> None:
    """Signal receiver (post_save, post_delete of ``PublishedEntry``): move the marker after the commit."""
    transaction.on_commit(changed, using=using)
