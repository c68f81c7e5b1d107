"""API keys in SQLite: the hash is the primary key; only hashes are stored."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.apikeys import ApiKey
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash   TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL UNIQUE,
    owner      TEXT NOT NULL,
    name       TEXT NOT NULL,
    hint       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX IF NOT EXISTS api_keys_by_owner ON api_keys (owner, created_at);
"""


def _to_key(row: sqlite3.Row) -> ApiKey:
    return ApiKey(
        key_id=row["key_id"],
        owner=row["owner"],
        name=row["name"],
        hint=row["hint"],
        key_hash=row["key_hash"],
        created_at=from_iso(row["created_at"]),
        last_used_at=from_iso(row["last_used_at"]) if row["last_used_at"] else None,
    )


class SqliteApiKeyRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("api_keys", SCHEMA)
        # Keys made before `last_used_at` existed keep NULL there: never used.
        db.add_missing_columns("api_keys", (("last_used_at", "TEXT"),))

    def add(self, key: ApiKey) -> None:
        try:
            self._insert(key)
        except sqlite3.IntegrityError as exc:
            raise Conflict("an API key with this hash or id already exists") from exc

    def _insert(self, key: ApiKey) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO api_keys (key_hash, key_id, owner, name, hint, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key.key_hash, key.key_id, key.owner, key.name, key.hint, to_iso(key.created_at)),
            )

    def by_hash(self, key_hash: str) -> ApiKey | None:
        row = (
            self._db.connection()
            .execute("SELECT * FROM api_keys WHERE key_hash = ?", (key_hash,))
            .fetchone()
        )
        return _to_key(row) if row else None

    def list(self, owner: str) -> list[ApiKey]:
        rows = self._db.connection().execute(
            "SELECT * FROM api_keys WHERE owner = ? ORDER BY created_at, key_id", (owner,)
        )
        return [_to_key(row) for row in rows]

    def revoke(self, owner: str, key_id: str) -> bool:
        with self._db.transaction() as conn:
            deleted = conn.execute(
                "DELETE FROM api_keys WHERE owner = ? AND key_id = ?", (owner, key_id)
            ).rowcount
        return bool(deleted)

    def record_use(self, key_hash: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE api_keys SET last_used_at = ? WHERE key_hash = ?", (to_iso(now), key_hash)
            )
