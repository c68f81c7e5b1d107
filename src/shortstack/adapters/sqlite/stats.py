"""Click statistics in SQLite: one row per link and day, one per counted value.

`click_folds` remembers which LinkClicked events were added; inserting there
and adding the counts happen in one transaction, so a redelivered event is
recognised and a crash never leaves a click half-counted. Fold records older
than the retention are deleted by `forget_folds_before` (the local stand-in for
DynamoDB's TTL), well after any redelivery could still arrive, except those of events
the local queue still holds (a dead letter is kept until replayed or purged). Maintenance
moves old days into `click_months`/`click_month_counts` (stats_rollup.py; a
month is dated by its first day).

A link's day is one row of `click_days`: its totals, its visitors and, in `counts`,
its count per value of each dimension (a JSON object, {dimension: {value: count}}),
so a click adds to one row, not to one per dimension (decision 0104). Rows that an
older version kept in `click_counts`, one per value, move into their day's `counts`
when the schema is ensured, and that table is dropped.

The same transaction adds the click to its owner's day (`owner_click_days`,
`owner_click_counts`, which also count clicks per link): the overview of all an
owner's links reads those, never every link. An owner's day keeps a row per value:
its count of each of thousands of links would make one object too large to write
again for every group of clicks. A day's distinct visitors are a VisitorSketch kept
encoded in `visitors` (read, merged and written back inside the transaction); a
rolled-up month keeps their sum in `uniques`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.analytics import ClickFacts, DailyStats
from shortstack.domain.visitor_sketch import (
    EXACT_TAG,
    VisitorSketch,
    add_encoded,
    with_visitors,
)

# The tables every click writes to have no rowid: each row is found by its primary key
# alone, so an upsert updates one B-tree, not a table and its key's index (10-17% less
# time in those statements, measured). Tables made before keep their rowid; nothing reads it.
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
    visitors BLOB,
    counts   TEXT,
    PRIMARY KEY (short_id, day)
) WITHOUT ROWID;
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
CREATE TABLE IF NOT EXISTS owner_click_days (
    owner    TEXT NOT NULL,
    day      TEXT NOT NULL,
    clicks   INTEGER NOT NULL,
    bots     INTEGER NOT NULL,
    visitors BLOB,
    PRIMARY KEY (owner, day)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS owner_click_counts (
    owner     TEXT NOT NULL,
    day       TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value     TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (owner, day, dimension, value)
) WITHOUT ROWID;
"""
# Columns that tables made by an older version lack.
_ADDED_COLUMNS = (
    ("click_days", (("visitors", "BLOB"), ("counts", "TEXT"))),
    ("click_months", (("uniques", "INTEGER NOT NULL DEFAULT 0"),)),
)

# A day's row with what a run of clicks adds: its totals summed in SQL, its visitor sketch
# and counts (?5, ?6) already merged with the stored ones in Python (`_merged_days`). A
# merge in an SQL function would take the GIL back from the event loop twice a row.
_ADD_DAY = """
INSERT INTO click_days (short_id, day, clicks, bots, visitors, counts)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (short_id, day) DO UPDATE
SET clicks = clicks + excluded.clicks, bots = bots + excluded.bots,
    visitors = excluded.visitors, counts = excluded.counts
"""
_ADD_OWNER_DAY = """
INSERT INTO owner_click_days (owner, day, clicks, bots, visitors)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (owner, day) DO UPDATE
SET clicks = clicks + excluded.clicks, bots = bots + excluded.bots,
    visitors = excluded.visitors
"""
_ADD_OWNER_COUNT = """
INSERT INTO owner_click_counts (owner, day, dimension, value, count) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (owner, day, dimension, value) DO UPDATE SET count = count + excluded.count
"""
# Event ids per `IN (...)` query: under SQLite's default limit of bound parameters.
_IDS_PER_QUERY = 500


def ensure_click_schema(db: SqliteDatabase) -> None:
    """The click tables, with the columns later versions added and their rows moved."""
    db.ensure_schema("click_stats", SCHEMA)
    for table, columns in _ADDED_COLUMNS:
        db.add_missing_columns(table, columns)
    if _has_old_counts(db.connection()):
        _pack_counts(db)


def _has_old_counts(conn: sqlite3.Connection) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'click_counts'"
    ).fetchone()
    return found is not None


def _pack_counts(db: SqliteDatabase) -> None:
    """Move the per-value rows of `click_counts` (an older version's) into `click_days`.

    One transaction: a day's counts are added to what its row holds (a click of this
    version may have been added already), then the old table goes. Another process may
    have moved them first: then there is nothing left to do.
    """
    with db.transaction() as conn:
        if not _has_old_counts(conn):
            return
        days: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        for short_id, day, dimension, value, count in conn.execute(
            "SELECT short_id, day, dimension, value, count FROM click_counts"
        ):
            values = days.setdefault((short_id, day), {}).setdefault(dimension, {})
            values[value] = values.get(value, 0) + count
        conn.create_function("merge_counts", 2, _merge_counts, deterministic=True)
        conn.executemany(
            "UPDATE click_days SET counts = merge_counts(counts, ?) WHERE short_id = ? AND day = ?",
            [(_compact(counts), *where) for where, counts in days.items()],
        )
        conn.execute("DROP TABLE click_counts")


class SqliteClickStatsRepository:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        ensure_click_schema(db)

    def fold(self, facts: ClickFacts) -> bool:
        return self.fold_many([facts])[0]

    def fold_many(self, batch: Sequence[ClickFacts]) -> list[bool]:
        """fold() of each in one transaction, with the counts summed per row first.

        The local event dispatcher folds a received run of clicks at once: each row a run
        adds to is written once, with a statement per table, instead of ~15 statements a
        click (bench/README.md, "Local redirect throughput").
        """
        if not batch:
            return []
        with self._db.transaction() as conn:
            ids = list({facts.event_id for facts in batch})
            known = {
                row[0]
                for start in range(0, len(ids), _IDS_PER_QUERY)
                for row in conn.execute(
                    "SELECT event_id FROM click_folds WHERE event_id IN "  # noqa: S608
                    f"({','.join('?' * len(ids[start : start + _IDS_PER_QUERY]))})",
                    ids[start : start + _IDS_PER_QUERY],
                )
            }
            added: list[bool] = []
            fresh: list[ClickFacts] = []
            for facts in batch:
                added.append(facts.event_id not in known)
                if added[-1]:
                    known.add(facts.event_id)
                    fresh.append(facts)
            if fresh:
                write_sums(conn, fresh)
        return added

    def owner_days(self, owner: str, first: date, last: date) -> list[DailyStats]:
        return _read_periods(
            self._db.connection(),
            "owner_click_days",
            "owner_click_counts",
            "day",
            owner,
            first,
            last,
            key="owner",
        )

    def days(self, short_id: str, first: date, last: date) -> list[DailyStats]:
        return _read_periods(
            self._db.connection(), "click_days", None, "day", short_id, first, last
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
            delete_link_stats(conn, short_id)

    def forget_folds_before(self, cutoff: datetime, *, unless_queued: bool = False) -> int:
        """Delete fold records older than `cutoff`; how many went.

        `unless_queued`: keep the record of an event the local event queue (in this
        database) still holds, as a message or a dead letter: a dead letter stays until it
        is replayed or purged, and replayed without its record it would be folded again.
        """
        held = (
            " AND event_id NOT IN (SELECT event_id FROM event_dead_letters"
            " UNION ALL SELECT event_id FROM event_queue)"
            if unless_queued
            else ""
        )
        with self._db.transaction() as conn:
            return conn.execute(
                f"DELETE FROM click_folds WHERE folded_at < ?{held}",  # noqa: S608 (constants)
                (cutoff.timestamp(),),
            ).rowcount


def delete_link_stats(conn: sqlite3.Connection, short_id: str) -> None:
    """A link's days and months, in the caller's transaction (its owner's days keep them)."""
    for table in ("click_days", "click_months", "click_month_counts"):
        # The table names are this module's constants, never input.
        conn.execute(f"DELETE FROM {table} WHERE short_id = ?", (short_id,))  # noqa: S608


def _stored(
    conn: sqlite3.Connection,
    table: str,
    key: str,
    days: Mapping[tuple[str, str], object],
    columns: str,
) -> dict[tuple[str, str], tuple[Any, ...]]:
    """`columns` of the rows of `table` that `days` ((key, day) pairs) will add to.

    Asked by keys and days apart, which SQLite finds by the primary key (a list of
    pairs it would scan for), and the few rows of other pairs left out. The lists go
    as JSON arrays, so that the statement is the same for every group (prepared once)
    whatever its number of keys.
    """
    keys = json.dumps(list({pair[0] for pair in days}))
    dates = json.dumps(list({pair[1] for pair in days}))
    found: dict[tuple[str, str], tuple[Any, ...]] = {}
    # The table and column names are this module's constants, never input.
    for row in conn.execute(
        f"SELECT {key}, day, {columns} FROM {table}"  # noqa: S608
        f" WHERE {key} IN (SELECT value FROM json_each(?1))"
        " AND day IN (SELECT value FROM json_each(?2))",
        (keys, dates),
    ):
        pair = (row[0], row[1])
        if pair in days:
            found[pair] = tuple(row)[2:]
    return found


def _first(row: tuple[Any, ...] | None) -> Any:
    return row[0] if row is not None else None


def _merge_visitors(
    stored: bytes | None,
    added: Sequence[str] | None,
    memo: SketchMemo | None = None,
    where: tuple[str, ...] = (),
) -> bytes | None:
    """A day's stored sketch with the visitors `added` (their hashes) merged in.

    A small (exact) sketch is merged as bytes; a larger one is decoded, or taken from the
    `memo` of what this writer last wrote to the day when the stored bytes are those.
    """
    if not added:
        return stored
    sketch = memo.take(where, stored) if memo is not None else None
    if sketch is None and (not stored or stored[:1] == EXACT_TAG):
        return with_visitors(stored, added)
    encoded, sketch = add_encoded(stored, added, sketch)
    if memo is not None and encoded:
        memo.keep(where, encoded, sketch)
    return encoded


def _merge_counts(stored: str | None, added: str) -> str:
    """A day's stored counts (JSON) with `added`'s added to them.

    Not cached: under a realistic mix of browsers and referrers a day's stored counts
    seldom recur (5-10% of merges would hit a cache of 2,048, 13% one of 16,384).
    """
    if not stored:
        return added
    counts: dict[str, dict[str, int]] = json.loads(stored)
    for dimension, values in _parsed(added).items():
        kept = counts.setdefault(dimension, {})
        for value, count in values.items():
            kept[value] = kept.get(value, 0) + count
    return _compact(counts)


# A day's counts as stored: JSON without the spaces.
_compact = json.JSONEncoder(separators=(",", ":")).encode

# Days whose visitor sketch the group-commit writer keeps decoded: a large sketch (an
# owner's day, a busy link's) is a HyperLogLog decoded in ~50 us for every group of
# clicks. A day's counts are not kept so: 8,192 link-days of them decoded (~19 MB) cost
# more CPU a click than decoding them again (bench/README.md, "The writer's Python a click").
MEMO_SKETCHES = 1024


class SketchMemo:
    """The large visitor sketches the group-commit writer last wrote, decoded.

    The writer is the one that writes a day's sketch as clicks come in, so what it wrote
    is usually what the next group reads: the decoded sketch is kept beside its encoding
    and used only when the stored bytes are that encoding exactly (anything else wrote
    the day since: the dispatcher's fold, the roll-up, a delete, a rolled-back group). An
    entry is taken out while it is added to and put back with what was written, the
    oldest dropped past the bound.
    """

    def __init__(self, size: int = MEMO_SKETCHES) -> None:
        self._size = size
        # Keyed by the table and the day's key: an owner may share a link's id.
        self._kept: dict[tuple[str, ...], tuple[bytes, VisitorSketch]] = {}

    def take(self, where: tuple[str, ...], stored: bytes | None) -> VisitorSketch | None:
        """The day's sketch decoded when `stored` is what was kept for it, else None."""
        kept = self._kept.pop(where, None)
        return kept[1] if kept is not None and kept[0] == stored else None

    def keep(self, where: tuple[str, ...], encoded: bytes, sketch: VisitorSketch) -> None:
        self._kept[where] = (encoded, sketch)
        if len(self._kept) > self._size:
            del self._kept[next(iter(self._kept))]


class _Sums:
    """What a run of clicks adds to the days of one kind of key (links, or owners)."""

    def __init__(self) -> None:
        self.days: dict[tuple[str, str], list[int]] = {}
        self.counts: dict[tuple[str, str, str, str], int] = {}
        self.visitors: dict[tuple[str, str], list[str]] = {}

    def add(self, key: str, day: str, facts: ClickFacts, values: dict[str, str]) -> None:
        totals = self.days.setdefault((key, day), [0, 0])
        totals[0] += facts.clicks
        totals[1] += int(facts.is_bot)
        counts = self.counts
        for dimension, value in values.items():
            where = (key, day, dimension, value)
            counts[where] = counts.get(where, 0) + 1
        if facts.visitor and not facts.is_bot:
            self.visitors.setdefault((key, day), []).append(facts.visitor)


class _PackedSums:
    """What a run of clicks adds to its links' days, each day's counts in one object.

    A day with one click in the run (the usual case) keeps that click's values as they
    are, and its JSON comes from a cache: clicks mostly share a few combinations.
    """

    def __init__(self) -> None:
        self.days: dict[tuple[str, str], list[int]] = {}
        self.first: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        self.counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        self.visitors: dict[tuple[str, str], list[str]] = {}

    def add(self, key: str, day: str, facts: ClickFacts, values: dict[str, str]) -> None:
        where = (key, day)
        totals = self.days.get(where)
        if totals is None:
            totals = self.days[where] = [0, 0]
            self.first[where] = tuple(values.items())
        else:
            counts = self.counts.get(where)
            if counts is None:
                counts = self.counts[where] = {
                    dimension: {value: 1} for dimension, value in self.first[where]
                }
            for dimension, value in values.items():
                kept = counts.setdefault(dimension, {})
                kept[value] = kept.get(value, 0) + 1
        totals[0] += facts.clicks
        totals[1] += int(facts.is_bot)
        if facts.visitor and not facts.is_bot:
            self.visitors.setdefault(where, []).append(facts.visitor)

    def encoded(self, where: tuple[str, str]) -> str:
        """The counts the run adds to the day `where`, as stored."""
        counts = self.counts.get(where)
        return _compact(counts) if counts is not None else _one_click(self.first[where])


@lru_cache(maxsize=4096)
def _one_click(values: tuple[tuple[str, str], ...]) -> str:
    return _compact({dimension: {value: 1} for dimension, value in values})


@lru_cache(maxsize=4096)
def _parsed(counts: str) -> dict[str, dict[str, int]]:
    """Counts a run adds, decoded (cached: the same few recur; callers only read them)."""
    parsed: dict[str, dict[str, int]] = json.loads(counts)
    return parsed


def write_sums(
    conn: sqlite3.Connection,
    batch: Sequence[ClickFacts],
    owners: Mapping[str, str] | None = None,
    memo: SketchMemo | None = None,
) -> None:
    """Add new clicks (never folded before) to their links' and owners' days.

    A click's owner is its facts', else `owners`' entry for its link. `memo`: the large
    sketches this caller wrote last, decoded (the group-commit writer's, used under the
    write lock).

    A click with an event id is marked folded (`click_folds`), so that the event, when
    the dispatcher receives it, is not added again; one without (a click folded in its
    own transaction, whose event was never written) needs no mark.
    """
    now = datetime.now().timestamp()
    marks = [(facts.event_id, facts.short_id, now) for facts in batch if facts.event_id]
    if marks:
        conn.executemany("INSERT INTO click_folds VALUES (?, ?, ?)", marks)
    links, owner_sums = _PackedSums(), _Sums()
    for facts in batch:
        day = facts.day.isoformat()
        links.add(facts.short_id, day, facts, facts.dimension_values())
        owner = facts.owner or (owners.get(facts.short_id) if owners else None)
        if owner:
            owner_sums.add(owner, day, facts, facts.owner_values())
    stored = _stored(conn, "click_days", "short_id", links.days, "visitors, counts")
    visitors = links.visitors
    rows = []
    for where, totals in links.days.items():
        old_sketch, old_counts = stored.get(where, (None, None))
        sketch = _merge_visitors(old_sketch, visitors.get(where), memo, ("click_days", *where))
        rows.append((*where, *totals, sketch, _merge_counts(old_counts, links.encoded(where))))
    conn.executemany(_ADD_DAY, rows)
    stored = _stored(conn, "owner_click_days", "owner", owner_sums.days, "visitors")
    visitors = owner_sums.visitors
    owner_rows = []
    for where, totals in owner_sums.days.items():
        old_sketch = _first(stored.get(where))
        memo_key = ("owner_click_days", *where)
        sketch = _merge_visitors(old_sketch, visitors.get(where), memo, memo_key)
        owner_rows.append((*where, *totals, sketch))
    conn.executemany(_ADD_OWNER_DAY, owner_rows)
    conn.executemany(_ADD_OWNER_COUNT, [(*where, n) for where, n in owner_sums.counts.items()])


def _read_periods(
    conn: sqlite3.Connection,
    totals_table: str,
    counts_table: str | None,
    period: str,
    owner_id: str,
    first: date,
    last: date,
    *,
    key: str = "short_id",
) -> list[DailyStats]:
    """The days (or months) of one link (or owner) in [first, last], oldest first.

    Without `counts_table`, each row's counts are in its `counts` column (a link's days).
    """
    bounds = (owner_id, first.isoformat(), last.isoformat())
    visitors = "uniques" if period == "month" else "visitors"
    packed = ", counts" if counts_table is None else ""
    # The table and column names are this module's constants, never input.
    found = {
        row[period]: _period(row, period, visitors, packed=counts_table is None)
        for row in conn.execute(
            f"SELECT {period}, clicks, bots, {visitors}{packed} FROM {totals_table}"  # noqa: S608
            f" WHERE {key} = ? AND {period} BETWEEN ? AND ? ORDER BY {period}",
            bounds,
        )
    }
    if counts_table is None:
        return list(found.values())
    for row in conn.execute(
        f"SELECT {period}, dimension, value, count FROM {counts_table}"  # noqa: S608
        f" WHERE {key} = ? AND {period} BETWEEN ? AND ?",
        bounds,
    ):
        stats = found.get(row[period])
        if stats is not None:
            stats.counts.setdefault(row["dimension"], {})[row["value"]] = row["count"]
    return list(found.values())


def _period(row: sqlite3.Row, period: str, visitors: str, *, packed: bool) -> DailyStats:
    stats = DailyStats(day=date.fromisoformat(row[period]), clicks=row["clicks"], bots=row["bots"])
    if visitors == "uniques":
        stats.rolled_visitors = row["uniques"] or 0
    else:
        stats.visitors = VisitorSketch.from_bytes(row["visitors"])
    if packed and row["counts"]:
        for dimension, values in json.loads(row["counts"]).items():
            stats.counts.setdefault(dimension, {}).update(values)
    return stats
