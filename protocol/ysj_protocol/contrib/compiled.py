"""One-row lookups compiled once per process and database, then run again with new values.

A Django adapter, like ``drf``: the hub and the regional nodes both use it. Django compiles a
queryset into SQL every time it is evaluated, and for a one-table filter that costs several
times the query itself. Lookups made on every call (the hub's token checks, the node's
certificate reads) keep their queryset as a ``CompiledLookup``: the SQL is Django's own, compiled
once from the queryset built with sentinel values, and run through ``Manager.raw`` (which applies
the backend's converters and builds the model instances, deferred fields included). The compiled
form is used only if the sentinels come back unchanged, in order, as the statement's parameters;
otherwise every call simply goes through the ORM. Values are strings or integers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

_TEXT_SENTINEL = "\x1fcompiled-lookup-{}\x1f"
_INT_SENTINEL = -7_340_032_000_000  # minus the position: no key or count of ours is negative


def _sentinel(index: int, value: object) -> str | int:
    return _INT_SENTINEL - index if isinstance(value, int) and not isinstance(value, bool) else _TEXT_SENTINEL.format(index)


class CompiledLookup(Generic[M]):
    """``build(*values)`` compiled once; ``first(*values)`` runs it with new string or integer values."""

    def __init__(self, model: type[M], build: Callable[..., QuerySet[M]]) -> None:
        self.model = model
        self.build = build
        self._lock = threading.Lock()
        self._sql: dict[str, str | None] = {}

    def _compiled(self, alias: str, values: tuple[str | int, ...]) -> str | None:
        sentinels = [_sentinel(index, value) for index, value in enumerate(values)]
        key = f"{alias}:{connections[alias].vendor}:{':'.join(type(s).__name__ for s in sentinels)}"
        with self._lock:
            if key in self._sql:
                return self._sql[key]
        queryset = self.build(*sentinels)
        if not queryset.ordered:
            queryset = queryset.order_by("pk")  # as ``first()`` orders
        sql, params = queryset[:1].query.get_compiler(using=alias).as_sql()
        compiled = sql if list(params) == sentinels else None
        with self._lock:
            self._sql[key] = compiled
        return compiled

    def first(self, *values: str | int) -> M | None:
        """The first row the queryset finds for ``values``, as ``queryset.first()`` would give it."""
        alias = router.db_for_read(self.model)
        sql = self._compiled(alias, values)
        if sql is None:
            return self.build(*values).first()
        return next(iter(self.model._default_manager.using(alias).raw(sql, list(values))), None)
