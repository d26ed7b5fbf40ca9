"""A per-process cache of the governance registry, kept current by a generation counter.

Every section-12 call resolves its caller (``trust.parties``), checks its scenario list
(``scenarios.usage``) and, for the fused search, reads the active regions. That is governance data
changed a few times a day in the admin, yet read through the ORM it was a large share of every
search's time, most of it query compilation. Here each such read is cached per process under the
registry's generation: one row (``RegistryGeneration``) that every committed change to a watched
model increments. A call reads the generation with one small query and reloads whatever was cached
under an older one, so a change made in any worker is seen by the next call of every worker.

The counter is bumped after the change commits (never inside it, so governance transactions do not
queue on one row). For the few milliseconds between the two a call may still see the previous
state. In the process that made the change the cache is dropped at once. ``YSJ_REGISTRY_CACHE_SECONDS``
bounds the age of any cached value (a safety net for changes made outside the ORM, such as direct
SQL), and 0 turns the cache off.

Cached values are shared between request threads: callers must treat them as read-only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Model
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")
logger = logging.getLogger(__name__)

#: Most entries kept per process (callers and scenario lists); the least recently used go first.
MAX_ENTRIES = 4096

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()


def _ttl() -> float:
    return float(getattr(settings, "YSJ_REGISTRY_CACHE_SECONDS", 60) or 0)


def generation() -> int | None:
    """The registry's generation, or None when the counter row is missing (then nothing is cached)."""
    from .models import RegistryGeneration

    table = connection.ops.quote_name(RegistryGeneration._meta.db_table)
    try:
        with connection.cursor() as cursor:
            # A constant statement: the table name comes from the model, no value is interpolated.
            cursor.execute(f"SELECT value FROM {table} WHERE id = 1")  # noqa: S608
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return int(row[0]) if row else None


def cached(key: Hashable, load: Callable[[], T]) -> T:
    """``load()``'s value for ``key``, loaded again when the registry changed or it grew too old.

    None is never kept: what is not registered is looked up again (and unknown names sent by
    anyone cannot fill the cache).
    """
    ttl = _ttl()
    if ttl <= 0:
        return load()
    current = generation()
    if current is None:
        return load()
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
        if entry is not None and entry[0] == current and now - entry[1] < ttl:
            _entries.move_to_end(key)
            return entry[2]
    value = load()  # loaded after reading the generation: at least as new as ``current``
    if value is None:
        return value
    with _lock:
        _entries[key] = (current, now, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    """Drop every cached value of this process."""
    with _lock:
        _entries.clear()


def bump() -> None:
    """Count one committed change, so other processes reload; a failure only delays them (TTL)."""
    from .models import RegistryGeneration

    try:
        RegistryGeneration.objects.filter(pk=1).update(value=F("value") + 1)
    except DatabaseError:
        logger.warning("could not count a registry change; other workers see it within the cache age", exc_info=True)


def changed(**_: Any) -> None:
    """Signal receiver for watched models: drop this process's cache now, bump after commit."""
    clear()
    transaction.on_commit(bump)
    transaction.on_commit(clear)


def watch(*models: type[Model]) -> None:
    """Keep the cache current across saves, deletions and many-to-many changes of ``models``."""
    for model in models:
        uid = f"trust-registry-{model._meta.label_lower}"
        post_save.connect(changed, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(changed, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                changed, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}", weak=False
            )
