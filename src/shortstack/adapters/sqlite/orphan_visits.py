"""Orphan-visit counters in SQLite: one row per (day, path, referrer host, browser).

A visit is one UPDATE of its row, run on the connection of whoever calls (inside the
local server's group commit, it commits with the batch). Only a new key reads how many
its day holds, through the primary key's prefix, to stay under the cap.
"""

from __future__ import annotations

from datetime import date, datetime

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.orphan_visits import (
    OrphanVisitKey,
    OrphanVisits,
    decode_position,
    encode_position,
)
from shortstack.domain.pagination import Page

SCHEMA = """
CREATE TABLE IF NOT EXISTS orphan_visits (
    day           TEXT NOT NULL,
    path          TEXT NOT NULL,
    referrer_host TEXT NOT NULL,
    browser       TEXT NOT NULL,
    visits        INTEGER NOT NULL,
    last_visit_at TEXT NOT NULL,
    PRIMARY KEY (day, path, referrer_host, browser)
) WITHOUT ROWID;
"""
_COUNT = (
    "UPDATE orphan_visits SET visits = visits + ?, last_visit_at = max(last_visit_at, ?)"
    " WHERE day = ? AND path = ? AND referrer_host = ? AND browser = ?"
)
# A new key, unless its day is full; a concurrent insert of the same key counts instead.
_ADD = (
    "INSERT INTO orphan_visits SELECT ?, ?, ?, ?, ?, ?"
    " WHERE (SELECT count(*) FROM orphan_visits WHERE day = ?) < ?"
    " ON CONFLICT (day, path, referrer_host, browser)"
    " DO UPDATE SET visits = visits + excluded.visits,"
    " last_visit_at = max(last_visit_at, excluded.last_visit_at)"
)
_AFTER = "(day < ? OR (day = ? AND (path, referrer_host, browser) > (?, ?, ?)))"


class SqliteOrphanVisitRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("orphan_visits", SCHEMA)

    def record(
        self,
        key: OrphanVisitKey,
        at: datetime,
        *,
        daily_keys: int,
        forget_after: datetime,
        visits: int = 1,
    ) -> bool:
        # Autocommit outside a transaction; a savepoint's statements inside the group commit.
        conn = self._db.connection()
        day = key.day.isoformat()
        fields = (key.path, key.referrer_host, key.browser)
        if conn.execute(_COUNT, (visits, to_iso(at), day, *fields)).rowcount:
            return True
        added = (day, *fields, visits, to_iso(at), day, daily_keys)
        return conn.execute(_ADD, added).rowcount == 1

    def list(self, *, limit: int, cursor: str | None) -> Page[OrphanVisits]:
        where, params = "", tuple[str, ...]()
        if cursor:
            after = decode_position(cursor)
            day = after.day.isoformat()
            where = f"WHERE {_AFTER}"
            params = (day, day, after.path, after.referrer_host, after.browser)
        rows = (
            self._db.connection()
            .execute(
                f"SELECT * FROM orphan_visits {where}"  # noqa: S608 (fixed fragments only)
                " ORDER BY day DESC, path, referrer_host, browser LIMIT ?",
                (*params, limit + 1),
            )
            .fetchall()
        )
        found = [
            OrphanVisits(
                OrphanVisitKey(
                    date.fromisoformat(row["day"]),
                    row["path"],
                    row["referrer_host"],
                    row["browser"],
                ),
                row["visits"],
                from_iso(row["last_visit_at"]),
            )
            for row in rows
        ]
        page = found[:limit]
        return Page(page, encode_position(page[-1].key) if len(found) > limit else None)

    def forget_before(self, day: date) -> int:
        with self._db.transaction() as conn:
            return conn.execute(
                "DELETE FROM orphan_visits WHERE day < ?", (day.isoformat(),)
            ).rowcount
