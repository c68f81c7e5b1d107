"""The group-commit writer's memo of the sketches it wrote: the rows it writes are the same.

`write_sums` with a `SketchMemo` keeps large visitor sketches decoded between groups, and
merges small ones as bytes; the rows must be exactly those written without the memo, also
when something else wrote a day in between (the dispatcher's fold, a delete) or a group
was rolled back, and the bytes `VisitorSketch` itself encodes.
"""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.stats import (
    SketchMemo,
    SqliteClickStatsRepository,
    delete_link_stats,
    write_sums,
)
from shortstack.domain.analytics import ClickFacts
from shortstack.domain.visitor_sketch import VisitorSketch, with_visitors

DAYS = (date(2026, 12, 2), date(2026, 12, 3))
LINKS = [f"link{n}" for n in range(12)]
# An owner sharing a link's id: their days' sketches must not be mixed up.
OWNERS = {short_id: ("link0" if n % 3 else "alice") for n, short_id in enumerate(LINKS)}


def clicks(draw: random.Random, count: int) -> list[ClickFacts]:
    found = []
    for _ in range(count):
        bot = draw.random() < 0.1
        found.append(
            ClickFacts(
                event_id="",
                short_id=draw.choice(LINKS[:4] if draw.random() < 0.6 else LINKS),
                day=draw.choice(DAYS),
                referrer=draw.choice(["(direct)", "t.co", "google.com", f"s{draw.randrange(9)}"]),
                browser=draw.choice(["Chrome", "Safari", "Firefox"]),
                device=draw.choice(["mobile", "desktop"]),
                is_bot=bot,
                country=draw.choice(["DE", "(unknown)"]),
                os=draw.choice(["iOS", "Android", "Windows"]),
                variant=draw.choice([None, 0, 1]),
                visitor=None if bot else f"visitor{draw.randrange(160)}",
            )
        )
    return found


def rows(db: SqliteDatabase) -> list[tuple[Any, ...]]:
    conn = db.connection()
    found = []
    for table in ("click_days", "owner_click_days", "owner_click_counts"):
        found += [(table, *row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3")]  # noqa: S608
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_memo_writes_the_bytes_written_without_it(tmp_path: Path, seed: int) -> None:
    plain = SqliteDatabase(tmp_path / "plain.sqlite3", synchronous="normal")
    memoised = SqliteDatabase(tmp_path / "memo.sqlite3", synchronous="normal")
    stats = [SqliteClickStatsRepository(db) for db in (plain, memoised)]
    memo = SketchMemo(size=3)  # small: entries are dropped and taken again
    draw = random.Random(seed)
    for group in range(60):
        batch = clicks(draw, draw.randrange(1, 40))
        for db, with_memo in ((plain, None), (memoised, memo)):
            with db.transaction() as conn:
                write_sums(conn, batch, OWNERS, with_memo)
        if group % 7 == 3:  # the dispatcher folds events into the same days
            folded = [
                dataclasses.replace(facts, event_id=f"e{group}-{n}")
                for n, facts in enumerate(clicks(draw, 5))
            ]
            for repository in stats:
                repository.fold_many(folded)
        if group % 11 == 5:  # a link deleted
            for db in (plain, memoised):
                with db.transaction() as conn:
                    delete_link_stats(conn, LINKS[1])
        if group % 13 == 6:  # a group rolled back after its writes
            with pytest.raises(sqlite3.OperationalError):
                write_then_fail(memoised, clicks(draw, 20), memo)
        assert rows(memoised) == rows(plain)
    for table in ("click_days", "owner_click_days"):  # large sketches were written
        sketches = [row[5] for row in rows(plain) if row[0] == table]
        assert any(VisitorSketch.from_bytes(sketch).registers is not None for sketch in sketches)


def write_then_fail(db: SqliteDatabase, batch: list[ClickFacts], memo: SketchMemo) -> None:
    with db.transaction() as conn:
        write_sums(conn, batch, OWNERS, memo)
        conn.execute("SELECT * FROM no_such_table")


@pytest.mark.parametrize("stored_visitors", [0, 1, 5, 23, 24, 25, 200])
@pytest.mark.parametrize("added", [[], ["a"], ["v1", "v1", "new"], [f"x{n}" for n in range(30)]])
def test_visitors_merged_as_bytes_encode_as_the_sketch_does(
    stored_visitors: int, added: list[str]
) -> None:
    for empty in (None, b""):
        stored: bytes | None = empty
        if stored_visitors:
            sketch = VisitorSketch()
            for n in range(stored_visitors):
                sketch.add(f"v{n}")
            stored = sketch.to_bytes()
        expected = VisitorSketch.from_bytes(stored)
        changed = False
        for visitor in added:
            changed = expected.add(visitor) or changed
        want = stored if not added or (not changed and stored is not None) else expected.to_bytes()
        assert with_visitors(stored, added) == want
