"""The click roll-up in SQLite: old days move into `click_months`, a month at a time.

Each month is one transaction that adds the days to the month's row and counts
(creating them, or adding to a month rolled before) and deletes those days; it
first checks that every day still holds the clicks it was read with, so a late
click leaves the month daily until the next run and is never lost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.stats import ensure_click_schema
from shortstack.domain.analytics import DailyStats, month_start, months_of

_ADD_MONTH = """
INSERT INTO click_months (short_id, month, clicks, bots, uniques) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (short_id, month) DO UPDATE
SET clicks = clicks + excluded.clicks, bots = bots + excluded.bots,
    uniques = uniques + excluded.uniques
"""
_ADD_MONTH_COUNT = """
INSERT INTO click_month_counts (short_id, month, dimension, value, count) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (short_id, month, dimension, value) DO UPDATE SET count = count + excluded.count
"""


class SqliteClickStatsRollUp:
    """The ClickStatsRollUp port on the SQLite click tables."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        ensure_click_schema(db)

    def links_with_days_before(self, boundary: date) -> Iterator[str]:
        rows = (
            self._db.connection()
            .execute(
                "SELECT DISTINCT short_id FROM click_days WHERE day < ?", (boundary.isoformat(),)
            )
            .fetchall()
        )
        for row in rows:
            yield row["short_id"]

    def roll_up_days(self, short_id: str, days: Sequence[DailyStats]) -> int:
        rolled = 0
        for month, total in months_of(days).items():
            in_month = [stats for stats in days if month_start(stats.day) == month]
            with self._db.transaction() as conn:
                if not _unchanged(conn, short_id, in_month):
                    continue  # a late click: the next run takes the whole month again
                month_text = month.isoformat()
                conn.execute(
                    _ADD_MONTH,
                    (short_id, month_text, total.clicks, total.bots, total.unique_visitors),
                )
                conn.executemany(
                    _ADD_MONTH_COUNT,
                    [
                        (short_id, month_text, dimension, value, count)
                        for dimension, counts in total.counts.items()
                        for value, count in counts.items()
                    ],
                )
                conn.executemany(
                    "DELETE FROM click_days WHERE short_id = ? AND day = ?",
                    [(short_id, stats.day.isoformat()) for stats in in_month],
                )
            rolled += len(in_month)
        return rolled


def _unchanged(conn: sqlite3.Connection, short_id: str, days: Sequence[DailyStats]) -> bool:
    """Whether each day still holds the clicks it was read with."""
    for stats in days:
        row = conn.execute(
            "SELECT clicks FROM click_days WHERE short_id = ? AND day = ?",
            (short_id, stats.day.isoformat()),
        ).fetchone()
        if row is None or row["clicks"] != stats.clicks:
            return False
    return True
