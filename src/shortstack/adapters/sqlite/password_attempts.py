"""Password attempts in SQLite: one row per link, client and window, claimed by upsert."""

from __future__ import annotations

from datetime import datetime

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.clock import to_iso
from shortstack.domain.passwords import Claim

# `wrong` counts the attempts held (checks in flight and wrong passwords), `failed` the
# wrong passwords among them.
SCHEMA = """
CREATE TABLE IF NOT EXISTS password_attempts (
    short_id   TEXT NOT NULL,
    client     TEXT NOT NULL,
    window_start TEXT NOT NULL,
    wrong      INTEGER NOT NULL,
    forget_after TEXT NOT NULL,
    failed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (short_id, client, window_start)
);
"""


class SqlitePasswordAttempts:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("password_attempts", SCHEMA)
        db.add_missing_columns("password_attempts", [("failed", "INTEGER NOT NULL DEFAULT 0")])

    def claim(
        self, short_id: str, client: str, window: datetime, forget_after: datetime, limit: int
    ) -> Claim:
        key = (short_id, client, to_iso(window))
        with self._db.transaction() as conn:
            # Attempts are rare: each one also clears the windows that are over.
            conn.execute("DELETE FROM password_attempts WHERE forget_after < ?", (to_iso(window),))
            # One statement decides and counts: the upsert's WHERE leaves a full window alone.
            claimed = conn.execute(
                "INSERT INTO password_attempts (short_id, client, window_start, wrong,"
                " forget_after) VALUES (?, ?, ?, 1, ?)"
                " ON CONFLICT (short_id, client, window_start) DO UPDATE SET wrong = wrong + 1"
                " WHERE wrong < ?",
                (*key, to_iso(forget_after), limit),
            ).rowcount
            if claimed == 1:
                return Claim.CLAIMED
            [failed] = conn.execute(
                "SELECT failed FROM password_attempts"
                " WHERE short_id = ? AND client = ? AND window_start = ?",
                key,
            ).fetchone()
        return Claim.SPENT if failed >= limit else Claim.BUSY

    def give_back(self, short_id: str, client: str, window: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE password_attempts SET wrong = wrong - 1"
                " WHERE short_id = ? AND client = ? AND window_start = ? AND wrong > failed",
                (short_id, client, to_iso(window)),
            )

    def keep_as_wrong(self, short_id: str, client: str, window: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE password_attempts SET failed = failed + 1"
                " WHERE short_id = ? AND client = ? AND window_start = ? AND failed < wrong",
                (short_id, client, to_iso(window)),
            )
