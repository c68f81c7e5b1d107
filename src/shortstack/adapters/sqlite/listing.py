"""One owner's rows, newest first, a page at a time: the listing every SQLite table shares.

Each listed table has a `sort_key` column (`<created>#<id>`, unique) and an index
that starts with `owner`; the cursor is the last sort_key shown, so a forged
cursor can only move within the caller's own rows.
"""

from __future__ import annotations

import sqlite3

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.pagination import decode_cursor, encode_cursor


def newest_first(
    db: SqliteDatabase,
    table: str,
    owner: str,
    filters: list[tuple[str, object]],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[sqlite3.Row], str | None]:
    """Up to `limit` rows of `owner` matching every `(sql, parameter)` filter; next cursor."""
    where = ["owner = ?", *(sql for sql, _ in filters)]
    params: list[object] = [owner, *(value for _, value in filters)]
    if cursor:
        where.append("sort_key < ?")
        params.append(decode_cursor(cursor, ("k",))["k"])
    rows = (
        db.connection()
        .execute(
            f"SELECT * FROM {table} WHERE {' AND '.join(where)} "  # noqa: S608 - fixed fragments
            "ORDER BY sort_key DESC LIMIT ?",
            (*params, limit + 1),
        )
        .fetchall()
    )
    more = len(rows) > limit
    next_cursor = encode_cursor({"k": rows[limit - 1]["sort_key"]}) if more else None
    return rows[:limit], next_cursor
