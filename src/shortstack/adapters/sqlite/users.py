"""Users in SQLite: the primary key and a UNIQUE e-mail column decide conflicts atomically."""

from __future__ import annotations

import sqlite3

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import EmailTaken, UserIdTaken
from shortstack.domain.pagination import Page, decode_cursor, encode_cursor
from shortstack.domain.users import User, listing_position, normalize_email

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
        return None if row is None else _user(row)

    def list(self, *, limit: int, cursor: str | None) -> Page[User]:
        # The directory is small next to links and items: ordering by the position without
        # an index of its own costs a scan of this table only.
        position = "created_at || '#' || user_id"
        where, params = "", []
        if cursor:
            where = f"WHERE {position} < ?"
            params.append(decode_cursor(cursor, ("k",))["k"])
        rows = (
            self._db.connection()
            .execute(
                f"SELECT * FROM users {where} ORDER BY {position} DESC LIMIT ?",  # noqa: S608
                (*params, limit + 1),
            )
            .fetchall()
        )
        users = [_user(row) for row in rows]
        more = len(users) > limit
        page = users[:limit]
        return Page(page, encode_cursor({"k": listing_position(page[-1])}) if more else None)

    def delete(self, user_id: str) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute("DELETE FROM users WHERE user_id = ?", (user_id,))
        return cursor.rowcount > 0


def _user(row: sqlite3.Row) -> User:
    return User(
        user_id=row["user_id"],
        name=row["name"],
        email=row["email"],
        created_at=from_iso(row["created_at"]),
    )
