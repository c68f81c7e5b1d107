"""The SQLite table behind Powertools idempotency locally, and its expiry.

Kept apart from adapters/idempotency.py (which imports Powertools) so scheduled
maintenance can expire records without loading the idempotency utility.
"""

from __future__ import annotations

import time

from shortstack.adapters.sqlite.db import SqliteDatabase

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS idempotency_records (
    key                TEXT PRIMARY KEY,
    status             TEXT NOT NULL,
    expiry             INTEGER NOT NULL,
    in_progress_expiry INTEGER,
    response_data      TEXT NOT NULL DEFAULT '',
    payload_hash       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS idempotency_by_expiry ON idempotency_records (expiry);
"""


def ensure_idempotency_schema(db: SqliteDatabase) -> None:
    """Create the table at start-up, outside any transaction: the local dispatcher builds
    the Powertools guard lazily, inside a batch's transaction, where a failed event's
    rollback would take a table created there with it."""
    db.ensure_schema("idempotency", SQLITE_SCHEMA)


def forget_expired_records(db: SqliteDatabase) -> int:
    """Delete expired records (the local stand-in for DynamoDB's TTL); how many went."""
    ensure_idempotency_schema(db)
    with db.transaction() as conn:
        return conn.execute(
            "DELETE FROM idempotency_records WHERE expiry < ?", (int(time.time()),)
        ).rowcount
