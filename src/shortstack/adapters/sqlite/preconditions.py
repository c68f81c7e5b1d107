"""An If-Match as a WHERE clause: the version check happens in the UPDATE or DELETE itself."""

from __future__ import annotations

import sqlite3

from shortstack.domain.errors import PreconditionFailed
from shortstack.domain.preconditions import Expected, entity_tag


def version_clause(expected: Expected | None) -> tuple[str, list[int]]:
    """ " AND version IN (...)" and its parameters; nothing when any version will do."""
    if expected is None or expected.versions is None:
        return "", []
    if not expected.versions:
        return " AND 0", []
    marks = ", ".join("?" for _ in expected.versions)
    return f" AND version IN ({marks})", [*sorted(expected.versions)]


def refuse_stale(
    conn: sqlite3.Connection, table: str, id_column: str, record_id: str, owner: str, kind: str
) -> None:
    """After a conditional write that changed nothing, in its transaction: raise
    PreconditionFailed if the owner's record is there (so its version was the reason)."""
    row = conn.execute(
        f"SELECT version FROM {table} WHERE {id_column} = ? AND owner = ?",  # noqa: S608 - fixed names
        (record_id, owner),
    ).fetchone()
    if row is not None:
        raise PreconditionFailed(f"{kind} {record_id!r}", entity_tag(row[0]))
