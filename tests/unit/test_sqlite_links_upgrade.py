"""Tables made by an older version (links, imports) are upgraded in place, data kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.links import SqliteLinkRepository
from shortstack.domain.clock import from_iso
from shortstack.domain.links import LinkChanges

OLD_SCHEMA = """
CREATE TABLE links (
    short_id TEXT PRIMARY KEY, owner TEXT NOT NULL, url TEXT NOT NULL, title TEXT,
    tags TEXT NOT NULL DEFAULT '[]', is_active INTEGER NOT NULL, redirect_status INTEGER NOT NULL,
    expires_at TEXT, max_visits INTEGER, click_count INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sort_key TEXT NOT NULL
);
INSERT INTO links VALUES ('old1234', 'alice', 'https://example.com/', NULL, '[]', 1, 302,
    NULL, NULL, 7, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
    '2026-01-01T00:00:00.000Z#old1234');
"""


def _old_database(tmp_path: Path, script: str) -> SqliteDatabase:
    """A database file an older version made (`script`), opened by this one."""
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
    return SqliteDatabase(path)


def test_an_old_links_table_gains_the_new_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    db = _old_database(tmp_path, OLD_SCHEMA)
    try:
        repo = SqliteLinkRepository(db)
        link = repo.get("old1234")
        assert link is not None
        assert (link.click_count, link.rules, link.password_protected, link.bot_count) == (
            7,
            (),
            False,
            0,
        )
        assert link.imported_clicks == 0
        now = from_iso("2026-02-01T00:00:00Z")
        changed = repo.update("alice", "old1234", LinkChanges(forward_query=True), now)
        assert changed.forward_query is True
        SqliteLinkRepository(db)  # a second opening finds nothing left to add
    finally:
        db.close()


def test_an_old_imports_table_gains_the_format_column(tmp_path: Path) -> None:
    from shortstack.adapters.sqlite.imports import SqliteImportRepository

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE imports (import_id TEXT PRIMARY KEY, owner TEXT NOT NULL,"
            " status TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0,"
            " valid INTEGER NOT NULL DEFAULT 0, invalid INTEGER NOT NULL DEFAULT 0,"
            " chunk_count INTEGER NOT NULL DEFAULT 0, error TEXT, filename TEXT,"
            " secret TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
            "INSERT INTO imports VALUES ('imp1', 'alice', 'succeeded', 1, 1, 0, 1, NULL,"
            " 'a.csv', 's', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');"
        )
    db = SqliteDatabase(path)
    try:
        job = SqliteImportRepository(db).get("imp1")
        assert job is not None
        assert (job.format, job.filename) == ("shortstack", "a.csv")
    finally:
        db.close()


OLD_CLICK_TABLES = """
CREATE TABLE click_days (
    short_id TEXT NOT NULL, day TEXT NOT NULL, clicks INTEGER NOT NULL, bots INTEGER NOT NULL,
    visitors BLOB, PRIMARY KEY (short_id, day)
) WITHOUT ROWID;
CREATE TABLE click_counts (
    short_id TEXT NOT NULL, day TEXT NOT NULL, dimension TEXT NOT NULL, value TEXT NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (short_id, day, dimension, value)
) WITHOUT ROWID;
INSERT INTO click_days VALUES ('old1234', '2026-01-01', 3, 1, NULL),
    ('old1234', '2026-01-02', 1, 0, NULL);
INSERT INTO click_counts VALUES ('old1234', '2026-01-01', 'browsers', 'Firefox', 2),
    ('old1234', '2026-01-01', 'browsers', 'Chrome', 1),
    ('old1234', '2026-01-01', 'countries', 'DE', 3),
    ('old1234', '2026-01-01', 'bots', 'curl', 1),
    ('old1234', '2026-01-02', 'browsers', 'Chrome', 1);
"""


def test_old_per_value_click_counts_move_into_their_days_and_keep_counting(
    tmp_path: Path,
) -> None:
    from datetime import date

    from shortstack.adapters.sqlite.stats import SqliteClickStatsRepository
    from shortstack.domain.analytics import ClickFacts

    db = _old_database(tmp_path, OLD_CLICK_TABLES)
    try:
        stats = SqliteClickStatsRepository(db)
        first, second = stats.days("old1234", date(2026, 1, 1), date(2026, 1, 2))
        assert (first.clicks, first.bots, second.clicks) == (3, 1, 1)
        assert first.counts["browsers"] == {"Firefox": 2, "Chrome": 1}
        assert first.counts["countries"] == {"DE": 3}
        assert first.counts["bots"] == {"curl": 1}
        assert second.counts["browsers"] == {"Chrome": 1}
        old_table = "SELECT 1 FROM sqlite_master WHERE name = 'click_counts'"
        assert db.connection().execute(old_table).fetchone() is None
        click = ClickFacts(
            "e1", "old1234", date(2026, 1, 1), "example.org", "Chrome", "desktop", False, "DE"
        )
        assert stats.fold(click)
        SqliteClickStatsRepository(db)  # a second opening finds nothing left to move
        # Nor does a process that saw the old table before another one moved it.
        from shortstack.adapters.sqlite.stats import _pack_counts

        _pack_counts(db)
        (day,) = stats.days("old1234", date(2026, 1, 1), date(2026, 1, 1))
        assert day.clicks == 4
        assert day.counts["browsers"] == {"Firefox": 2, "Chrome": 2}
        assert day.counts["countries"] == {"DE": 4}
        assert day.counts["referrers"] == {"example.org": 1}
    finally:
        db.close()
