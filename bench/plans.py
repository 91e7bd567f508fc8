"""Which big tables a query would read sequentially: the rule of the plan tests and of bench/api.py.

A missing index shows up as a Seq Scan on one of the tables that grow with the claims. The one
sequential read allowed is the list's capped count (``claims.api.pagination.LargeListPagination``):
under a Limit of cap + 1 rows it stops there, however big the table.
"""

from __future__ import annotations

import re

# Tables that grow with the claims: a sequential read of one of them is a plan that does not scale.
BIG_TABLES = (
    "claims_claim",
    "claims_appearance",
    "claims_claimevent",
    "claims_claimterm",
    "claims_claimindex",
)


def explain(sql: str) -> str:
    """PostgreSQL's plan for ``sql`` on the default database (EXPLAIN, not run)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def sequential_reads(sql: str, plan: str) -> list[str]:
    """The big tables ``plan`` (of ``sql``) reads sequentially, the capped count aside."""
    if sql.startswith("SELECT COUNT(*) FROM (SELECT") and "Limit" in plan.split("Seq Scan")[0]:
        return []
    return [table for table in BIG_TABLES if re.search(rf"Seq Scan on {table}\b", plan)]


def is_select(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT")
