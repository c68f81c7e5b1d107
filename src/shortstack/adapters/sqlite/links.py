"""Links in SQLite: the primary key decides id conflicts, one UPDATE counts a click.

The redirect's click is a single `UPDATE ... RETURNING` whose WHERE clause
holds the redirect rules (active, not expired, under max_visits): the check and
the count are one atomic statement, so concurrent visits are counted exactly and
a visit limit is never exceeded. Only when it matches nothing does a second read
find out why (404 or 410). It commits by itself (autocommit) or, on the local
server, with other redirects in one group commit (group_commit.py, decision 0104).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime

from shortstack.adapters.link_routing_codec import (
    preview_from_text,
    preview_to_text,
    rules_from_text,
    rules_to_text,
    variants_from_text,
    variants_to_text,
)
from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.listing import newest_first
from shortstack.adapters.sqlite.preconditions import refuse_stale, version_clause
from shortstack.adapters.sqlite.stats import delete_link_stats, ensure_click_schema
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import DomainError, LinkGone, LinkNotFound, ShortIdTaken
from shortstack.domain.imports import ExistingLink, PlannedLink, link_of
from shortstack.domain.links import Link, LinkChanges, Target, ensure_countable
from shortstack.domain.pagination import Page
from shortstack.domain.preconditions import Expected
from shortstack.domain.visits import Click

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    short_id        TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    url             TEXT NOT NULL,
    title           TEXT,
    tags            TEXT NOT NULL DEFAULT '[]',
    is_active       INTEGER NOT NULL,
    redirect_status INTEGER NOT NULL,
    expires_at      TEXT,
    max_visits      INTEGER,
    click_count     INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sort_key        TEXT NOT NULL,
    valid_since     TEXT,
    fallback_url    TEXT,
    password_hash   TEXT,
    forward_query   INTEGER NOT NULL DEFAULT 0,
    rules           TEXT,
    variants        TEXT,
    preview         TEXT,
    bot_count       INTEGER NOT NULL DEFAULT 0,
    imported_clicks INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS links_by_owner ON links (owner, sort_key);
CREATE INDEX IF NOT EXISTS links_by_expiry ON links (expires_at, short_id)
    WHERE expires_at IS NOT NULL;
"""

_CLICK_ATTEMPTS = 3
_EXPIRED_PAGE = 500
# One statement decides and counts: started, active, not expired, under the limit, and no
# password unless the visit brings its hash (a NULL parameter never equals one). A crawler's
# visit has its own counter: it never moves click_count or uses up the limit.
_COUNT = """
UPDATE links SET {counter} = {counter} + 1
WHERE short_id = ? AND is_active = 1
  AND (valid_since IS NULL OR valid_since <= ?)
  AND (expires_at IS NULL OR expires_at > ?)
  AND (max_visits IS NULL OR click_count < max_visits)
  AND (password_hash IS NULL OR password_hash = ?)
RETURNING url, redirect_status, expires_at, max_visits, rules, variants, forward_query, preview
"""
_COUNT_CLICK = _COUNT.format(counter="click_count")
_COUNT_BOT_VISIT = _COUNT.format(counter="bot_count")


# Columns a database made before they existed lacks; added in place when it is opened.
_ADDED_COLUMNS = (
    ("valid_since", "TEXT"),
    ("fallback_url", "TEXT"),
    ("password_hash", "TEXT"),
    ("forward_query", "INTEGER NOT NULL DEFAULT 0"),
    ("rules", "TEXT"),
    ("variants", "TEXT"),
    ("preview", "TEXT"),
    ("bot_count", "INTEGER NOT NULL DEFAULT 0"),
    ("imported_clicks", "INTEGER NOT NULL DEFAULT 0"),
    ("version", "INTEGER NOT NULL DEFAULT 0"),  # links made before ETags read as version 0
)
_PLACEHOLDERS = ", ".join("?" * 23)
_INSERT = f"INSERT INTO links VALUES ({_PLACEHOLDERS})"  # noqa: S608 - placeholders only
_INSERT_NEW = f"INSERT OR IGNORE INTO links VALUES ({_PLACEHOLDERS})"  # noqa: S608


def _row(link: Link) -> tuple[object, ...]:
    created = to_iso(link.created_at)
    return (
        link.short_id,
        link.owner,
        link.url,
        link.title,
        json.dumps(list(link.tags)),
        int(link.is_active),
        link.redirect_status,
        to_iso(link.expires_at) if link.expires_at else None,
        link.max_visits,
        link.click_count,
        created,
        to_iso(link.updated_at),
        f"{created}#{link.short_id}",
        to_iso(link.valid_since) if link.valid_since else None,
        link.fallback_url,
        link.password_hash,
        int(link.forward_query),
        rules_to_text(link.rules),
        variants_to_text(link.variants),
        preview_to_text(link.preview),
        link.bot_count,
        link.imported_clicks,
        link.version,
    )


def _to_link(row: sqlite3.Row) -> Link:
    return Link(
        short_id=row["short_id"],
        owner=row["owner"],
        url=row["url"],
        title=row["title"],
        tags=tuple(json.loads(row["tags"])),
        is_active=bool(row["is_active"]),
        redirect_status=row["redirect_status"],
        expires_at=from_iso(row["expires_at"]) if row["expires_at"] else None,
        max_visits=row["max_visits"],
        click_count=row["click_count"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        valid_since=from_iso(row["valid_since"]) if row["valid_since"] else None,
        fallback_url=row["fallback_url"],
        password_hash=row["password_hash"],
        forward_query=bool(row["forward_query"]),
        rules=rules_from_text(row["rules"]),
        variants=variants_from_text(row["variants"]),
        preview=preview_from_text(row["preview"]),
        bot_count=row["bot_count"],
        imported_clicks=row["imported_clicks"],
        version=row["version"],
    )


def _to_target(row: sqlite3.Row) -> Target:
    url, status, expires_at, max_visits, rules, variants, forward_query, preview = row
    return Target(
        url,
        status,
        from_iso(expires_at) if expires_at else None,
        max_visits,
        rules_from_text(rules),
        variants_from_text(variants),
        bool(forward_query),
        preview_from_text(preview),
    )


class SqliteLinkRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("links", SCHEMA)
        db.add_missing_columns("links", _ADDED_COLUMNS)
        # A deleted link's stats go in its delete's transaction: clicks are folded in
        # theirs, so a link made again under the alias must find none of the old ones.
        ensure_click_schema(db)

    def add(self, link: Link) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(_INSERT, _row(link))
        except sqlite3.IntegrityError as exc:
            raise ShortIdTaken(link.short_id) from exc

    def add_many(self, links: Sequence[Link]) -> list[DomainError | None]:
        """One transaction: the primary key refuses a held id, the other rows go in."""
        with self._db.transaction() as conn:
            return [
                None
                if conn.execute(_INSERT_NEW, _row(link)).rowcount
                else ShortIdTaken(link.short_id)
                for link in links
            ]

    def add_new(
        self, owner: str, links: Sequence[PlannedLink], created_at: datetime
    ) -> list[ExistingLink | None]:
        """The LinkSink port: a chunk of imported links in one transaction, in row order."""
        results: list[ExistingLink | None] = []
        with self._db.transaction() as conn:
            for planned in links:
                link = link_of(owner, planned, created_at)
                inserted = conn.execute(_INSERT_NEW, _row(link)).rowcount
                if inserted:
                    results.append(None)
                    continue
                held = conn.execute(
                    "SELECT owner, url, created_at FROM links WHERE short_id = ?",
                    (planned.short_id,),
                ).fetchone()
                results.append(ExistingLink(held[0], held[1], from_iso(held[2])))
        return results

    def get(self, short_id: str, *, consistent: bool = True) -> Link | None:
        row = (
            self._db.connection()
            .execute("SELECT * FROM links WHERE short_id = ?", (short_id,))
            .fetchone()
        )
        return _to_link(row) if row else None

    def owner_of(self, short_id: str) -> str | None:
        row = (
            self._db.connection()
            .execute("SELECT owner FROM links WHERE short_id = ?", (short_id,))
            .fetchone()
        )
        return str(row["owner"]) if row else None

    def update(self, owner: str, short_id: str, changes: LinkChanges, now: datetime) -> Link:
        # One UPDATE that sets only the given columns: concurrent partial updates of
        # different fields, and concurrent clicks, never overwrite each other. Its WHERE
        # checks If-Match.
        assignments = ["updated_at = max(updated_at, ?)", "version = version + 1"]
        params: list[object] = [to_iso(now)]
        for column, value, cleared in (
            ("url", changes.url, False),
            ("is_active", None if changes.is_active is None else int(changes.is_active), False),
            ("expires_at", changes.expires_at and to_iso(changes.expires_at), changes.clear_expiry),
            ("title", changes.title, changes.clear_title),
            ("tags", None if changes.tags is None else json.dumps(list(changes.tags)), False),
            ("max_visits", changes.max_visits, changes.clear_max_visits),
            ("redirect_status", changes.redirect_status, False),
            (
                "valid_since",
                changes.valid_since and to_iso(changes.valid_since),
                changes.clear_valid_since,
            ),
            ("fallback_url", changes.fallback_url, changes.clear_fallback_url),
            ("password_hash", changes.password_hash, changes.clear_password),
            (
                "forward_query",
                None if changes.forward_query is None else int(changes.forward_query),
                False,
            ),
            ("rules", None if changes.rules is None else rules_to_text(changes.rules) or "", False),
            (
                "variants",
                None if changes.variants is None else variants_to_text(changes.variants) or "",
                False,
            ),
            ("preview", preview_to_text(changes.preview), changes.clear_preview),
        ):
            if cleared:
                assignments.append(f"{column} = NULL")
            elif value is not None:
                assignments.append(f"{column} = ?")
                params.append(value)
        condition, versions = version_clause(changes.expected)
        with self._db.transaction() as conn:
            rows = conn.execute(
                f"UPDATE links SET {', '.join(assignments)} "  # noqa: S608 - fixed column names
                f"WHERE short_id = ? AND owner = ?{condition} RETURNING *",
                (*params, short_id, owner, *versions),
            ).fetchall()
            if not rows:
                refuse_stale(
                    conn, "links", "short_id", short_id, owner, "short link", changes.expected
                )
                raise LinkNotFound(short_id)
        return _to_link(rows[0])

    def delete(self, owner: str, short_id: str, expected: Expected | None = None) -> bool:
        condition, versions = version_clause(expected)
        with self._db.transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM links WHERE short_id = ? AND owner = ?{condition}",  # noqa: S608
                (short_id, owner, *versions),
            )
            if cursor.rowcount > 0:
                delete_link_stats(conn, short_id)
            else:
                refuse_stale(conn, "links", "short_id", short_id, owner, "short link", expected)
        return cursor.rowcount > 0

    def expired_before(self, cutoff: datetime) -> Iterator[str]:
        # Keyset pages over the expiry index: no read transaction stays open while the
        # caller deletes what it is given.
        position = ("", "")
        while True:
            rows = (
                self._db.connection()
                .execute(
                    "SELECT expires_at, short_id FROM links"
                    " WHERE expires_at IS NOT NULL AND expires_at < ?"
                    " AND (expires_at, short_id) > (?, ?)"
                    " ORDER BY expires_at, short_id LIMIT ?",
                    (to_iso(cutoff), *position, _EXPIRED_PAGE),
                )
                .fetchall()
            )
            for row in rows:
                yield row["short_id"]
            if len(rows) < _EXPIRED_PAGE:
                return
            position = (rows[-1]["expires_at"], rows[-1]["short_id"])

    def delete_expired(self, short_id: str, cutoff: datetime) -> str | None:
        with self._db.transaction() as conn:
            row = conn.execute(
                "DELETE FROM links WHERE short_id = ? AND expires_at < ? RETURNING owner",
                (short_id, to_iso(cutoff)),
            ).fetchone()
            if row:
                delete_link_stats(conn, short_id)
        return str(row["owner"]) if row else None

    def list(self, owner: str, *, tag: str | None, limit: int, cursor: str | None) -> Page[Link]:
        filters: list[tuple[str, object]] = []
        if tag is not None:
            filters.append(
                ("EXISTS (SELECT 1 FROM json_each(links.tags) WHERE json_each.value = ?)", tag)
            )
        rows, next_cursor = newest_first(
            self._db, "links", owner, filters, limit=limit, cursor=cursor
        )
        return Page([_to_link(row) for row in rows], next_cursor)

    def record_click(self, short_id: str, click: Click, unlocked_with: str | None = None) -> Target:
        return self._count(_COUNT_CLICK, short_id, click.at, unlocked_with)

    def record_bot_visit(self, short_id: str, click: Click) -> Target:
        return self._count(_COUNT_BOT_VISIT, short_id, click.at, None)

    def _count(
        self, statement: str, short_id: str, now: datetime, unlocked_with: str | None
    ) -> Target:
        # Autocommit: the statement is its own transaction. fetchall() runs it to the end,
        # which is what commits it (a half-read RETURNING statement would hold the lock).
        at = to_iso(now)
        for _ in range(_CLICK_ATTEMPTS):
            rows = (
                self._db.connection()
                .execute(statement, (short_id, at, at, unlocked_with))
                .fetchall()
            )
            if rows:
                return _to_target(rows[0])
            link = self.get(short_id)
            if link is None:
                raise LinkNotFound(short_id)
            ensure_countable(link, now, unlocked_with)
            # Countable after all: a concurrent PATCH re-enabled it in between. Count again.
        raise LinkGone(short_id, "link is changing; try again")
