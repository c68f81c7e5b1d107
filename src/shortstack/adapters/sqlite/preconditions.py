"""If-Match and If-None-Match as a WHERE clause: the version check happens in the UPDATE or
DELETE itself."""

from __future__ import annotations

import sqlite3

from shortstack.domain.preconditions import Expected, refusal


def version_clause(expected: Expected | None) -> tuple[str, list[int]]:
    """ " AND version IN (...) AND version NOT IN (...)" and its parameters; nothing when
    any version will do."""
    if expected is None:
        return "", []
    if (expected.versions is not None and not expected.versions) or expected.excluded is None:
        return " AND 0", []  # no version can match
    clause, values = "", []
    for operator, versions in (("IN", expected.versions), ("NOT IN", expected.excluded)):
        if versions:
            clause += f" AND version {operator} ({', '.join('?' for _ in versions)})"
            values += sorted(versions)
    return clause, values


def refuse_stale(
    conn: sqlite3.Connection,
    table: str,
    id_column: str,
    record_id: str,
    owner: str,
    kind: str,
    expected: Expected | None,
) -> None:
    """After a conditional write that changed nothing, in its transaction: raise
    PreconditionFailed if the owner's record is there (so its version was the reason)."""
    row = conn.execute(
        f"SELECT version FROM {table} WHERE {id_column} = ? AND owner = ?",  # noqa: S608 - fixed names
        (record_id, owner),
    ).fetchone()
    if row is not None:
        raise refusal(f"{kind} {record_id!r}", expected, row[0])
