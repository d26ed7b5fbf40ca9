"""Admin pagination of the outbox tables, which only grow (one delivery per region per change).

The admin's paginator counts every row of the list to number the pages. On the unfiltered
delivery list that is a full scan of a table growing by four rows per publication, on every
page view. On PostgreSQL, above ``EXACT_UP_TO`` rows, the planner's estimate of the table size
(``pg_class.reltuples``, kept current by autovacuum) numbers the pages instead: the rows shown
are exact, the total is approximate. Filtered lists, small tables and SQLite count exactly.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

EXACT_UP_TO = 50_000


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where and not queryset.query.combinator:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                table = queryset.model._meta.db_table
                # One query either way: the exact count is an InitPlan, run only when the estimate is small.
                # The table name is the model's own, quoted; the values are parameters.
                exact = f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}"  # noqa: S608
                sql = (
                    "SELECT CASE WHEN c.reltuples > %s THEN c.reltuples::bigint ELSE (" + exact + ") END "
                    "FROM pg_class c WHERE c.oid = %s::regclass"
                )
                with connection.cursor() as cursor:
                    cursor.execute(sql, [EXACT_UP_TO, connection.ops.quote_name(table)])
                    row = cursor.fetchone()
                if row is not None:
                    return int(row[0])
        return super().count
