"""Users in SQLite: the primary key and a UNIQUE e-mail column decide conflicts atomically."""

from __future__ import annotations

import sqlite3

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import EmailTaken, UserIdTaken
from shortstack.domain.users import User, normalize_email

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id          TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    email            TEXT NOT NULL,
    email_normalized TEXT NOT NULL UNIQUE,
    created_at       TEXT NOT NULL
);
"""


class SqliteUserRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("users", SCHEMA)

    def add(self, user: User) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                    (
                        user.user_id,
                        user.name,
                        user.email,
                        normalize_email(user.email),
                        to_iso(user.created_at),
                    ),
                )
        except sqlite3.IntegrityError as exc:
            if "email_normalized" in str(exc):
                raise EmailTaken() from exc
            raise UserIdTaken(user.user_id) from exc

    def get(self, user_id: str) -> User | None:
        row = (
            self._db.connection()
            .execute("SELECT * FROM users WHERE user_id = ?", (user_id,))
            .fetchone()
        )
        if row is None:
            return None
        return User(
            user_id=row["user_id"],
            name=row["name"],
            email=row["email"],
            created_at=from_iso(row["created_at"]),
        )

    def delete(self, user_id: str) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
        return cursor.rowcount > 0
