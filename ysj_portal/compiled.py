"""One-row lookups compiled once per process and database, then run again with new values.

Django compiles a queryset into SQL every time it is evaluated: for a one-table filter that is
about 0.8 ms here, three times the query itself. The token checks run on every section-12 call,
so each keeps its queryset as a ``CompiledLookup``: the SQL is Django's own, compiled once from
the queryset built with sentinel values, and run through ``Manager.raw`` (which applies the
backend's converters and builds the model instances, deferred fields included). The compiled
form is used only if the sentinels come back unchanged, in order, as the statement's parameters;
otherwise every call simply goes through the ORM.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

_SENTINEL = "\x1fcompiled-lookup-{}\x1f"


class CompiledLookup(Generic[M]):
    """``build(*values)[:1]`` compiled once; ``first(*values)`` runs it with new string values."""

    def __init__(self, model: type[M], build: Callable[..., QuerySet[M]]) -> None:
        self.model = model
        self.build = build
        self._lock = threading.Lock()
        self._sql: dict[str, str | None] = {}

    def _compiled(self, alias: str, arity: int) -> str | None:
        key = f"{alias}:{connections[alias].vendor}:{arity}"
        with self._lock:
            if key in self._sql:
                return self._sql[key]
        sentinels = [_SENTINEL.format(index) for index in range(arity)]
        queryset = self.build(*sentinels)
        if not queryset.ordered:
            queryset = queryset.order_by("pk")  # as ``first()`` orders
        sql, params = queryset[:1].query.get_compiler(using=alias).as_sql()
        compiled = sql if list(params) == sentinels else None
        with self._lock:
            self._sql[key] = compiled
        return compiled

    def first(self, *values: str) -> M | None:
        """The first row the queryset finds for ``values``, as ``queryset.first()`` would give it."""
        alias = router.db_for_read(self.model)
        sql = self._compiled(alias, len(values))
        if sql is None:
            return self.build(*values).first()
        return next(iter(self.model._default_manager.using(alias).raw(sql, list(values))), None)
