"""Appends of the provider path with their SQL built once, not compiled per call.

On this path (search, info, file, status) building and compiling a query costs the node more CPU
than running the statement, and every call writes at least its call-log row. The inserts here are
the same plain ones the ORM would send, with the text kept per shape; values are prepared by the
fields exactly as ``QuerySet.bulk_create`` prepares them. They stay only while
``benchmarks/bench_node_writes.py`` shows them cheaper than ``bulk_create`` by more than the
noise. The reads use the shared ``ysj_protocol.contrib.compiled.CompiledLookup``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connections, models, transaction

M = TypeVar("M", bound=models.Model)


def _quote(using: str, name: str) -> str:
    return connections[using].ops.quote_name(name)


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.generated and not (field.primary_key and isinstance(field, models.AutoField))
    ]


@lru_cache(maxsize=256)
def _insert_sql(model: type[models.Model], rows: int, using: str) -> str:
    fields = _insert_fields(model)
    columns = ", ".join(_quote(using, field.column) for field in fields)
    values = ", ".join([f"({', '.join(['%s'] * len(fields))})"] * rows)
    return f"INSERT INTO {_quote(using, model._meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608


def insert(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert new rows of one model with auto primary keys, as one statement (one per batch).

    Like ``bulk_create``: no signals, primary keys not read back; each value is the field's
    ``pre_save`` (``auto_now_add`` fills in the time) prepared by ``get_db_prep_save``. Several
    batches are written in one transaction.
    """
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    fields = _insert_fields(model)
    batch = max(1, (connection.features.max_query_params or 999) // len(fields))
    params: list[Any] = []
    for obj in objs:
        if type(obj) is not model or obj.pk is not None:
            raise ValueError("insert() takes new rows of one model with auto primary keys")
        params.extend(field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields)
    width = len(fields)
    several = transaction.atomic(using=using, savepoint=False) if len(objs) > batch else nullcontext()
    with several, connection.cursor() as cursor:
        for start in range(0, len(objs), batch):
            rows = min(batch, len(objs) - start)
            cursor.execute(_insert_sql(model, rows, using), params[start * width : (start + rows) * width])
