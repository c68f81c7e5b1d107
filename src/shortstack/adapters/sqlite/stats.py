"""Click statistics in SQLite: one row per link and day, one per counted value.

`click_folds` remembers which LinkClicked events were added; inserting there
and adding the counts happen in one transaction, so a redelivered event is
recognised and a crash never leaves a click half-counted. Fold records older
than the retention are deleted by `forget_folds_before` (the local stand-in for
DynamoDB's TTL), well after any redelivery could still arrive. Maintenance
moves old days into `click_months`/`click_month_counts` (stats_rollup.py; a
month is dated by its first day).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.analytics import ClickFacts, DailyStats

SCHEMA = """
CREATE TABLE IF NOT EXISTS click_folds (
    event_id  TEXT PRIMARY KEY,
    short_id  TEXT NOT NULL,
    folded_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS click_folds_by_age ON click_folds (folded_at);
CREATE TABLE IF NOT EXISTS click_days (
    short_id TEXT NOT NULL,
    day      TEXT NOT NULL,
    clicks   INTEGER NOT NULL,
    bots     INTEGER NOT NULL,
    PRIMARY KEY (short_id, day)
);
CREATE TABLE IF NOT EXISTS click_counts (
    short_id  TEXT NOT NULL,
    day       TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value     TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (short_id, day, dimension, value)
);
CREATE INDEX IF NOT EXISTS click_days_by_day ON click_days (day);
CREATE TABLE IF NOT EXISTS click_months (
    short_id TEXT NOT NULL,
    month    TEXT NOT NULL,
    clicks   INTEGER NOT NULL,
    bots     INTEGER NOT NULL,
    PRIMARY KEY (short_id, month)
);
CREATE TABLE IF NOT EXISTS click_month_counts (
    short_id  TEXT NOT NULL,
    month     TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value     TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (short_id, month, dimension, value)
);
"""

_ADD_DAY = """
INSERT INTO click_days (short_id, day, clicks, bots) VALUES (?, ?, ?, ?)
ON CONFLICT (short_id, day) DO UPDATE
SET clicks = clicks + excluded.clicks, bots = bots + excluded.bots
"""
_ADD_COUNT = """
INSERT INTO click_counts (short_id, day, dimension, value, count) VALUES (?, ?, ?, ?, 1)
ON CONFLICT (short_id, day, dimension, value) DO UPDATE SET count = count + 1
"""


class SqliteClickStatsRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        db.ensure_schema("click_stats", SCHEMA)

    def fold(self, facts: ClickFacts) -> bool:
        day = facts.day.isoformat()
        with self._db.transaction() as conn:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO click_folds VALUES (?, ?, ?)",
                (facts.event_id, facts.short_id, datetime.now().timestamp()),
            ).rowcount
            if not inserted:
                return False
            conn.execute(_ADD_DAY, (facts.short_id, day, facts.clicks, int(facts.is_bot)))
            conn.executemany(
                _ADD_COUNT,
                [
                    (facts.short_id, day, dimension, value)
                    for dimension, value in facts.dimension_values().items()
                ],
            )
        return True

    def days(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        return _read_periods(
            self._db.connection(), "click_days", "click_counts", "day", short_id, first, last
        )

    def months(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        return _read_periods(
            self._db.connection(),
            "click_months",
            "click_month_counts",
            "month",
            short_id,
            first,
            last,
        )

    def delete_link(self, short_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM click_days WHERE short_id = ?", (short_id,))
            conn.execute("DELETE FROM click_counts WHERE short_id = ?", (short_id,))
            conn.execute("DELETE FROM click_months WHERE short_id = ?", (short_id,))
            conn.execute("DELETE FROM click_month_counts WHERE short_id = ?", (short_id,))

    def forget_folds_before(self, cutoff: datetime) -> int:
        """Delete fold records older than `cutoff`; how many went."""
        with self._db.transaction() as conn:
            return conn.execute(
                "DELETE FROM click_folds WHERE folded_at < ?", (cutoff.timestamp(),)
            ).rowcount


def _read_periods(
    conn: sqlite3.Connection,
    totals_table: str,
    counts_table: str,
    period: str,
    short_id: str,
    first: date,
    last: date,
) -> list[DailyStats]:
    """The days (or months) of one link in [first, last] with their counts, oldest first."""
    bounds = (short_id, first.isoformat(), last.isoformat())
    # The table and column names are this module's constants, never input.
    found = {
        row[period]: DailyStats(
            day=date.fromisoformat(row[period]), clicks=row["clicks"], bots=row["bots"]
        )
        for row in conn.execute(
            f"SELECT {period}, clicks, bots FROM {totals_table}"  # noqa: S608
            f" WHERE short_id = ? AND {period} BETWEEN ? AND ? ORDER BY {period}",
            bounds,
        )
    }
    for row in conn.execute(
        f"SELECT {period}, dimension, value, count FROM {counts_table}"  # noqa: S608
        f" WHERE short_id = ? AND {period} BETWEEN ? AND ?",
        bounds,
    ):
        stats = found.get(row[period])
        if stats is not None and row["dimension"] in stats.counts:
            stats.counts[row["dimension"]][row["value"]] = row["count"]
    return list(found.values())
