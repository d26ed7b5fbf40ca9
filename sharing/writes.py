"""Writing the records of one call together, in as few database round trips as the backend allows.

A search writes its retrieval record, the record's items, the certificate IDs it hands out and the
call records of its region fan-out. Through the ORM in one transaction that is six round trips
(BEGIN, four INSERTs, COMMIT), each waiting for the database process on the same host. On
PostgreSQL the same rows go in one statement: data-modifying CTEs, the parent's ``RETURNING id``
feeding the children's foreign key. One statement is atomic on its own, so it is still all or
nothing. Other backends take the ORM path in a transaction. The INSERTs are Django's own (its
insert compiler: defaults, ``auto_now_add``, value preparation), only their composition is ours.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, router, transaction
from django.db.models import Model
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery

PARENT_CTE = "ysj_parent"


def save_together(parent: Model, children: Sequence[Model], fk_name: str, *others: Sequence[Model]) -> None:
    """Insert ``parent``, its ``children`` (``fk_name`` pointing at it) and ``others``; all or nothing.

    ``parent.pk`` is set afterwards; the children's and the others' primary keys are set only on
    the ORM path (callers of the one-statement path must not need them).
    """
    alias = router.db_for_write(type(parent))
    connection = connections[alias]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=alias):
            parent.save(force_insert=True, using=alias)
            for child in children:
                setattr(child, fk_name, parent)
            if children:
                type(children[0]).objects.using(alias).bulk_create(children)
            for rows in others:
                if rows:
                    type(rows[0]).objects.using(alias).bulk_create(rows)
        return
    fk_attname = type(children[0])._meta.get_field(fk_name).attname if children else ""
    for child in children:
        # A constant subquery naming our own CTE; no value is interpolated.
        setattr(child, fk_attname, RawSQL(f'(SELECT "id" FROM {PARENT_CTE})', ()))  # noqa: S608, S611
    parent_sql, params = _insert_sql([parent], connection)
    ctes = [f'{PARENT_CTE} AS ({parent_sql} RETURNING "id")']
    for index, rows in enumerate([children, *others]):
        if rows:
            sql, row_params = _insert_sql(list(rows), connection)
            ctes.append(f"ysj_rows_{index} AS ({sql})")
            params.extend(row_params)
    with connection.cursor() as cursor:
        # Django's compiled INSERTs with their placeholders; every value travels in ``params``.
        cursor.execute(f'WITH {", ".join(ctes)} SELECT "id" FROM {PARENT_CTE}', params)  # noqa: S608
        (parent.pk,) = cursor.fetchone()
    parent._state.adding = False
    parent._state.db = alias
    for child in children:  # the placeholder expression must not outlive the statement
        setattr(child, fk_attname, parent.pk)


def _insert_sql(objs: list[Model], connection) -> tuple[str, list]:  # noqa: ANN001 - a DB wrapper
    """Django's INSERT for ``objs`` (every concrete field but an unset auto primary key)."""
    opts = objs[0]._meta
    fields = [
        field
        for field in opts.local_concrete_fields
        if not getattr(field, "generated", False) and not (field.primary_key and objs[0].pk is None)
    ]
    query = InsertQuery(type(objs[0]))
    query.insert_values(fields, objs, raw=False)
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)
