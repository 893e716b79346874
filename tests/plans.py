"""What PostgreSQL's planner does with a query when its statistics mislead it.

Autovacuum may analyse a table at a moment when every row in it was rolled back (as the test
suite's transactions are, and as a bulk load that failed would be). It then records the table as
empty though its pages remain, and plans every later query as if each scan found one row: nested
loops that are linear when the estimate is right turn quadratic or worse when it is not. A query
that must stay fast whatever the statistics say is tested under that belief, by the rows its plan
touches (never by seconds).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

# What a plan node reports of the rows it read and threw away, besides those it returned.
DISCARDED = (
    "Rows Removed by Filter",
    "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck",
)


def believe_tables_empty(*models: type[Model]) -> None:
    """For the rest of the test's transaction (rolled back with it), the planner believes these
    models' tables and their indexes hold no rows in the pages they have."""
    assert connection.in_atomic_block, "the statistics are changed inside the test's transaction"
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE pg_class SET reltuples = 0, relpages = greatest(relpages, 1)
            WHERE oid IN (
                SELECT table_class.oid FROM pg_class table_class
                WHERE table_class.relname = ANY(%(tables)s)
                UNION
                SELECT index.indexrelid FROM pg_index index
                JOIN pg_class table_class ON table_class.oid = index.indrelid
                WHERE table_class.relname = ANY(%(tables)s)
            )
            """,
            {"tables": tables},
        )
        assert cursor.rowcount >= len(tables)


def rows_touched(queryset: QuerySet[Any]) -> int:
    """Every row each node of the query's executed plan returned or discarded, times its loops:
    the work the database did, independent of the machine's speed."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        [(document,)] = cursor.fetchall()
    return _touched(document[0]["Plan"])


def _touched(node: dict[str, Any]) -> int:
    rows = node["Actual Rows"] + sum(node.get(key, 0) for key in DISCARDED)
    own = round(rows * node["Actual Loops"])
    return own + sum(_touched(child) for child in node.get("Plans", ()))
