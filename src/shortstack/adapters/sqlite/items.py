"""Items in SQLite; list queries walk an (owner, category, sort_key) index, newest first."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.listing import newest_first
from shortstack.adapters.sqlite.preconditions import refuse_stale, version_clause
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict, ItemNotFound
from shortstack.domain.items import Item, ItemChanges
from shortstack.domain.pagination import Page
from shortstack.domain.preconditions import Expected

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    item_id     TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    price       TEXT NOT NULL,
    category    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    sort_key    TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS items_by_owner ON items (owner, sort_key);
CREATE INDEX IF NOT EXISTS items_by_owner_category ON items (owner, category, sort_key);
"""


def _row_to_item(row: sqlite3.Row) -> Item:
    return Item(
        item_id=row["item_id"],
        owner=row["owner"],
        name=row["name"],
        description=row["description"],
        price=Decimal(row["price"]),
        category=row["category"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        version=row["version"],
    )


class SqliteItemRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("items", SCHEMA)
        # Tables made before ETags: their items read as version 0 (preconditions.py).
        db.add_missing_columns("items", [("version", "INTEGER NOT NULL DEFAULT 0")])

    def add(self, item: Item) -> None:
        created = to_iso(item.created_at)
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO items (item_id, owner, name, description, price, category,"
                    " created_at, updated_at, sort_key, version)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        item.item_id,
                        item.owner,
                        item.name,
                        item.description,
                        str(item.price),
                        item.category,
                        created,
                        to_iso(item.updated_at),
                        f"{created}#{item.item_id}",
                        item.version,
                    ),
                )
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"item {item.item_id!r} already exists") from exc

    def get(self, owner: str, item_id: str) -> Item | None:
        row = (
            self._db.connection()
            .execute("SELECT * FROM items WHERE item_id = ? AND owner = ?", (item_id, owner))
            .fetchone()
        )
        return _row_to_item(row) if row else None

    def update(self, owner: str, item_id: str, changes: ItemChanges, now: datetime) -> Item:
        # One UPDATE that touches only the given columns: concurrent partial
        # updates of different fields never overwrite each other. Its WHERE checks If-Match.
        assignments = ["updated_at = max(updated_at, ?)", "version = version + 1"]
        params: list[object] = [to_iso(now)]
        for column, value in (
            ("name", changes.name),
            ("description", changes.description),
            ("price", str(changes.price) if changes.price is not None else None),
            ("category", changes.category),
        ):
            if value is not None:
                assignments.append(f"{column} = ?")
                params.append(value)
        if changes.clear_description:
            assignments.append("description = NULL")
        condition, versions = version_clause(changes.expected)
        with self._db.transaction() as conn:
            row = conn.execute(
                f"UPDATE items SET {', '.join(assignments)} "  # noqa: S608 - column names are fixed above
                f"WHERE item_id = ? AND owner = ?{condition} RETURNING *",
                (*params, item_id, owner, *versions),
            ).fetchone()
            if row is None:
                refuse_stale(conn, "items", "item_id", item_id, owner, "item", changes.expected)
                raise ItemNotFound(item_id)
        return _row_to_item(row)

    def delete(self, owner: str, item_id: str, expected: Expected | None = None) -> bool:
        condition, versions = version_clause(expected)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM items WHERE item_id = ? AND owner = ?{condition}",  # noqa: S608
                (item_id, owner, *versions),
            )
            if cursor.rowcount == 0:
                refuse_stale(conn, "items", "item_id", item_id, owner, "item", expected)
        return cursor.rowcount > 0

    def list(
        self, owner: str, *, category: str | None, limit: int, cursor: str | None
    ) -> Page[Item]:
        filters: list[tuple[str, object]] = []
        if category is not None:
            filters.append(("category = ?", category))
        rows, next_cursor = newest_first(
            self._db, "items", owner, filters, limit=limit, cursor=cursor
        )
        return Page([_row_to_item(row) for row in rows], next_cursor)
