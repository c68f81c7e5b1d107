"""Password attempts in SQLite: one row per link, client and window, claimed by upsert."""

from __future__ import annotations

from datetime import datetime

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.clock import to_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS password_attempts (
    short_id   TEXT NOT NULL,
    client     TEXT NOT NULL,
    window_start TEXT NOT NULL,
    wrong      INTEGER NOT NULL,
    forget_after TEXT NOT NULL,
    PRIMARY KEY (short_id, client, window_start)
);
"""


class SqlitePasswordAttempts:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("password_attempts", SCHEMA)

    def claim(
        self, short_id: str, client: str, window: datetime, forget_after: datetime, limit: int
    ) -> bool:
        with self._db.transaction() as conn:
            # Attempts are rare: each one also clears the windows that are over.
            conn.execute("DELETE FROM password_attempts WHERE forget_after < ?", (to_iso(window),))
            # One statement decides and counts: the upsert's WHERE leaves a full window alone.
            claimed = conn.execute(
                "INSERT INTO password_attempts VALUES (?, ?, ?, 1, ?)"
                " ON CONFLICT (short_id, client, window_start) DO UPDATE SET wrong = wrong + 1"
                " WHERE wrong < ?",
                (short_id, client, to_iso(window), to_iso(forget_after), limit),
            ).rowcount
        return claimed == 1

    def give_back(self, short_id: str, client: str, window: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE password_attempts SET wrong = wrong - 1"
                " WHERE short_id = ? AND client = ? AND window_start = ? AND wrong > 0",
                (short_id, client, to_iso(window)),
            )
