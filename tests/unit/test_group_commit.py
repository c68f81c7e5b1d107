"""Group commit on SQLite: every caller answered after its own writes are committed, once."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.group_commit import GroupCommitter
from tests.concurrency import run_on_own_loop


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "group.sqlite3")
    database.connection().execute("CREATE TABLE hits (name TEXT PRIMARY KEY, n INTEGER)")
    yield database
    database.close()


def committed(db: SqliteDatabase, sql: str) -> list[tuple[object, ...]]:
    """What another connection sees: only committed rows."""
    with sqlite3.connect(db.path) as other:
        return other.execute(sql).fetchall()


def test_concurrent_callers_share_commits_and_each_gets_its_own_answer(
    db: SqliteDatabase,
) -> None:
    committer = GroupCommitter(db)

    def hit(name: str) -> str:
        db.connection().execute("INSERT INTO hits VALUES (?, 1)", (name,))
        return name.upper()

    async def all_at_once() -> list[str]:
        return await asyncio.gather(*(committer.run(lambda n=f"h{i}": hit(n)) for i in range(300)))

    try:
        answers = run_on_own_loop(all_at_once())
    finally:
        committer.close()
    assert answers == [f"H{i}" for i in range(300)]
    assert committed(db, "SELECT count(*) FROM hits") == [(300,)]
    assert 1 <= committer.batches < 300


def test_a_failing_caller_loses_only_its_own_writes(db: SqliteDatabase) -> None:
    committer = GroupCommitter(db)

    def write(name: str, fail: bool) -> str:
        db.connection().execute("INSERT INTO hits VALUES (?, 1)", (name,))
        if fail:
            raise ValueError(f"{name} failed")
        return name

    async def mixed() -> list[object]:
        return await asyncio.gather(
            *(committer.run(lambda i=i: write(f"h{i}", i % 3 == 0)) for i in range(30)),
            return_exceptions=True,
        )

    try:
        outcomes = run_on_own_loop(mixed())
    finally:
        committer.close()
    failed = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, ValueError)]
    assert failed == list(range(0, 30, 3))
    stored = {name for (name,) in committed(db, "SELECT name FROM hits")}
    assert stored == {f"h{i}" for i in range(30) if i % 3}


def test_a_nested_transaction_is_a_savepoint_and_waits_for_the_outer_commit(
    db: SqliteDatabase,
) -> None:
    seen_after_commit: list[list[tuple[object, ...]]] = []
    with db.transaction() as conn:
        with db.transaction():
            conn.execute("INSERT INTO hits VALUES ('kept', 1)")
            db.after_commit(lambda: seen_after_commit.append(committed(db, "SELECT * FROM hits")))

        def undone() -> None:
            with db.transaction():
                conn.execute("INSERT INTO hits VALUES ('undone', 1)")
                raise RuntimeError("roll this savepoint back")

        with pytest.raises(RuntimeError):
            undone()
        assert committed(db, "SELECT * FROM hits") == []  # nothing visible before COMMIT
        assert seen_after_commit == []
    assert seen_after_commit == [[("kept", 1)]]


def test_a_schema_made_inside_a_transaction_does_not_commit_it_early(
    db: SqliteDatabase,
) -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO hits VALUES ('a', 1)")
        db.ensure_schema("extra", "CREATE TABLE IF NOT EXISTS extra (x INTEGER);\n")
        assert conn.in_transaction
        assert committed(db, "SELECT * FROM hits") == []
    assert committed(db, "SELECT count(*) FROM extra") == [(0,)]


def test_close_answers_what_is_waiting_then_stops(db: SqliteDatabase) -> None:
    committer = GroupCommitter(db)

    async def one() -> int:
        return await committer.run(lambda: 7)

    assert run_on_own_loop(one()) == 7
    committer.close()
    committer.close()  # idempotent


def _synchronous(db: SqliteDatabase) -> int:
    return int(db.connection().execute("PRAGMA synchronous").fetchone()[0])


def test_every_connection_syncs_each_commit_to_disk_by_default(tmp_path: Path) -> None:
    # FULL (2): a commit, a group's included, returns once the WAL is fsynced, so a click
    # answered with its 302 survives a power cut, not only a crash of the process.
    database = SqliteDatabase(tmp_path / "full.sqlite3")
    seen: list[int] = []
    other = threading.Thread(target=lambda: seen.append(_synchronous(database)))
    other.start()
    other.join()
    assert [_synchronous(database), *seen] == [2, 2]
    database.close()
    relaxed = SqliteDatabase(tmp_path / "normal.sqlite3", synchronous="normal")
    assert _synchronous(relaxed) == 1
    relaxed.close()


def test_the_setting_reaches_the_server_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortstack.bootstrap import bootstrap
    from shortstack.config import Settings

    assert Settings().sqlite_synchronous == "full"
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "normal")
    container = bootstrap(Settings(data_dir=tmp_path))
    assert container.group_commit is not None
    assert _synchronous(container.group_commit._db) == 1
    container.close()
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "off")
    with pytest.raises(ValueError, match="sqlite_synchronous"):
        Settings()


def run_each(
    committer: GroupCommitter, write: Callable[[int], int], n: int, self_contained: bool = False
) -> list[object]:
    """write(0) ... write(n - 1) through the committer at once: each answer or exception."""

    async def all_at_once() -> list[object]:
        return await asyncio.gather(
            *(committer.run(lambda i=i: write(i), self_contained=self_contained) for i in range(n)),
            return_exceptions=True,
        )

    try:
        return run_on_own_loop(all_at_once())
    finally:
        committer.close()


def test_what_a_group_stages_is_written_once_and_a_failed_items_share_goes_with_it(
    db: SqliteDatabase,
) -> None:
    committer = GroupCommitter(db)
    flushes: list[list[object]] = []

    def flush(conn: sqlite3.Connection, items: list[object]) -> None:
        flushes.append(items)
        conn.executemany("INSERT INTO hits VALUES (?, 1)", [(f"s{item}",) for item in items])

    def write(i: int) -> int:
        db.stage(flush, i)
        if i % 4 == 0:
            raise ValueError(f"{i} failed")
        return i

    outcomes = run_each(committer, write, 20)
    assert [i for i, o in enumerate(outcomes) if isinstance(o, ValueError)] == [0, 4, 8, 12, 16]
    assert len(flushes) == committer.batches  # one write per transaction, not per item
    stored = {name for (name,) in committed(db, "SELECT name FROM hits")}
    assert stored == {f"s{i}" for i in range(20) if i % 4}


def test_when_a_groups_staged_write_fails_each_item_runs_again_alone(
    db: SqliteDatabase,
) -> None:
    committer = GroupCommitter(db)
    runs: list[int] = []

    def flush(conn: sqlite3.Connection, items: list[object]) -> None:
        if 7 in items:
            raise sqlite3.IntegrityError("item 7 cannot be written")
        conn.executemany("INSERT INTO hits VALUES (?, 1)", [(f"s{item}",) for item in items])

    def write(i: int) -> int:
        runs.append(i)
        db.connection().execute("INSERT INTO hits VALUES (?, 1)", (f"w{i}",))
        db.stage(flush, i)
        return i

    outcomes = run_each(committer, write, 12)
    assert [i for i, o in enumerate(outcomes) if isinstance(o, Exception)] == [7]
    assert [o for o in outcomes if not isinstance(o, Exception)] == [*range(7), *range(8, 12)]
    stored = {name for (name,) in committed(db, "SELECT name FROM hits")}
    assert stored == {f"{kind}{i}" for i in range(12) if i != 7 for kind in "ws"}
    assert runs.count(7) >= 2  # in its group, then alone


def test_self_contained_items_share_the_groups_transaction_without_savepoints(
    db: SqliteDatabase,
) -> None:
    committer = GroupCommitter(db)
    statements: list[str] = []
    db.connection()  # the writer thread's own connection is traced below
    runs: list[int] = []

    def write(i: int) -> int:
        conn = db.connection()
        conn.set_trace_callback(statements.append)
        runs.append(i)
        with db.transaction():  # a unit of work: its own savepoint
            conn.execute("INSERT INTO hits VALUES (?, 1)", (f"h{i}",))
        if i == 5 and runs.count(5) == 1:
            raise RuntimeError("a self-contained item raised after all")
        return i

    outcomes = run_each(committer, write, 10, self_contained=True)
    assert outcomes == list(range(10))  # item 5 raised in its group: each ran again alone
    assert runs.count(5) == 2
    stored = {name for (name,) in committed(db, "SELECT name FROM hits")}
    assert stored == {f"h{i}" for i in range(10)}
    savepoints = [s for s in statements if s.startswith("SAVEPOINT")]
    assert len(savepoints) <= len(runs)  # one savepoint a run: the unit of work's


def test_the_writer_keeps_a_larger_page_cache_than_other_connections(
    db: SqliteDatabase,
) -> None:
    from shortstack.adapters.sqlite.group_commit import WRITER_CACHE_KIB

    committer = GroupCommitter(db)

    def cache_size() -> int:
        return int(db.connection().execute("PRAGMA cache_size").fetchone()[0])

    try:
        writers = run_on_own_loop(committer.run(cache_size))
    finally:
        committer.close()
    assert writers == -WRITER_CACHE_KIB
    assert cache_size() == -2000  # SQLite's default, this thread's connection


def test_at_full_a_caller_is_answered_once_an_fsync_begun_after_its_commit_returned(
    db: SqliteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The writer's COMMIT does not wait for the disk; a second thread fsyncs the WAL while
    # the next group is written, and only then answers: a 302 still follows its fsync.
    on_disk: set[str] = set()
    order: list[str] = []
    real_sync = db.sync_wal

    def sync() -> None:
        committed_before = {name for (name,) in committed(db, "SELECT name FROM hits")}
        real_sync()
        on_disk.update(committed_before)
        order.append("sync")

    monkeypatch.setattr(db, "sync_wal", sync)
    committer = GroupCommitter(db)

    def hit(i: int) -> int:
        conn = db.connection()
        conn.execute("INSERT INTO hits VALUES (?, 1)", (f"h{i}",))
        db.after_commit(lambda: order.append(f"after h{i}"))
        return int(conn.execute("PRAGMA synchronous").fetchone()[0])

    async def answered(i: int) -> tuple[int, bool]:
        level = await committer.run(lambda: hit(i))
        return level, f"h{i}" in on_disk

    async def all_at_once() -> list[tuple[int, bool]]:
        return await asyncio.gather(*(answered(i) for i in range(50)))

    try:
        outcomes = run_on_own_loop(all_at_once())
    finally:
        committer.close()
    assert outcomes == [(1, True)] * 50  # the writer's own commits skip the fsync
    assert order[0] == "sync"  # what a commit runs afterwards waits for its fsync too
    assert sorted(o for o in order if o != "sync") == sorted(f"after h{i}" for i in range(50))
    assert _synchronous(db) == 2  # every other connection still syncs its own commits


def test_a_failed_fsync_fails_the_callers_it_should_have_covered(
    db: SqliteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sync() -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(db, "sync_wal", sync)
    outcomes = run_each(GroupCommitter(db), lambda i: i, 5)
    assert all(isinstance(outcome, OSError) for outcome in outcomes)


def test_without_full_the_writer_answers_at_commit_with_no_fsync_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    relaxed = SqliteDatabase(tmp_path / "normal.sqlite3", synchronous="normal")
    syncs: list[None] = []
    monkeypatch.setattr(relaxed, "sync_wal", lambda: syncs.append(None))
    try:
        assert run_each(GroupCommitter(relaxed), lambda i: i, 5) == list(range(5))
    finally:
        relaxed.close()
    assert syncs == []


def _wal_frames(db: SqliteDatabase) -> int:
    with sqlite3.connect(db.path) as other:
        return int(other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])


def test_a_checkpoint_during_a_write_still_lets_the_next_write_start_the_wal_again(
    db: SqliteDatabase,
) -> None:
    # Under steady writes a transaction is always open while the checkpoint runs: without
    # the second round, held against writers, the WAL never started over and grew without end.
    for i in range(200):
        with db.transaction() as conn:
            conn.execute("INSERT INTO hits VALUES (?, 1)", (f"h{i}",))
    writing, checkpointing = threading.Event(), threading.Event()

    def slow_write() -> None:
        with db.transaction() as conn:
            conn.execute("INSERT INTO hits VALUES ('during', 1)")
            writing.set()
            checkpointing.wait(5)
            time.sleep(0.05)  # the checkpoint's first round runs while this one is open

    writer = threading.Thread(target=slow_write)
    writer.start()
    writing.wait(5)
    checkpointer = threading.Thread(target=lambda: (checkpointing.set(), db.checkpoint()))
    checkpointer.start()
    writer.join()
    checkpointer.join()
    with db.transaction() as conn:
        conn.execute("INSERT INTO hits VALUES ('after', 1)")
    assert _wal_frames(db) <= 3  # the last write's frames only, from the WAL's start
