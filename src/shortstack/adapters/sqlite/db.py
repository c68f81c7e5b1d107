"""One SQLite database file shared by every local adapter.

Why these settings: WAL lets readers run while one writer commits;
`synchronous=FULL` (the default, SQLITE_SYNCHRONOUS) makes each COMMIT return only
once the WAL is fsynced, so an acknowledged write, a click answered with its 302
included, survives a power cut; group commit (group_commit.py) pays one fsync for a
whole group of redirects. `synchronous=NORMAL` keeps committed transactions across
a process crash or SIGKILL (the WAL is in the OS page cache) but may lose the last
ones on a power cut (decision 0104 measures the difference).
Each thread gets its own connection because sqlite3 connections must not be
shared across threads; writes use BEGIN IMMEDIATE so that two writers queue
on the lock instead of failing half-way with SQLITE_BUSY.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Literal

BUSY_TIMEOUT_MS = 10_000
_SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}
CHECKPOINT_EVERY_S = 1.0
_log = logging.getLogger("shortstack.sqlite")
# Writes the items staged for it in one transaction, on that transaction's connection.
Flush = Callable[[sqlite3.Connection, list[Any]], None]


class StagedWriteFailed(Exception):
    """Writing what a transaction staged failed just before its COMMIT; it was rolled back."""


class SqliteDatabase:
    def __init__(self, path: Path | str, synchronous: Literal["full", "normal"] = "full") -> None:
        self.path = Path(path)
        self.synchronous = synchronous
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._schemas: set[str] = set()
        self.connection().execute("PRAGMA journal_mode=WAL")
        self._closing = threading.Event()
        self._checkpointer: threading.Thread | None = None

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute(f"PRAGMA synchronous={_SYNCHRONOUS[self.synchronous]}")
            conn.execute("PRAGMA foreign_keys=ON")
            # No checkpoint inside a COMMIT: a writer would hold the write lock through the
            # checkpoint's fsync and stall every other writer; _checkpoint_forever does it.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def relax_this_threads_durability(self) -> None:
        """This thread's commits return before they reach the disk (synchronous=NORMAL).

        For a background thread whose writes no client waits on and which are redone when
        lost: the event dispatcher (a batch lost to a power cut leaves its events in the
        queue, handled again). Its commits then skip the fsync that held the write lock,
        and redirects waited on, for milliseconds; the next synced commit of any thread
        makes them durable too, since the WAL is one file, synced whole.
        """
        self.connection().execute("PRAGMA synchronous=NORMAL")

    def sync_commits_apart(self) -> bool:
        """This thread's COMMITs return before the WAL reaches the disk; `sync_wal` gets it there.

        For the group-commit writer at FULL: it answers a group only after a `sync_wal` that
        began after the group's COMMIT, from another thread, so the next group is written
        while the last one's fsync runs, instead of after it (the same fsync FULL makes
        inside COMMIT, while it holds the write lock). What this thread's transactions ask
        to run after their commit (`after_commit`) waits too: `take_synced_actions` hands
        it over. False, and nothing changes, when this database does not sync commits.
        """
        if self.synchronous != "full":
            return False
        self.connection().execute("PRAGMA synchronous=NORMAL")
        self._local.held_actions = []
        return True

    def sync_wal(self) -> None:
        """fdatasync the WAL: every transaction committed before the call is then on disk.

        The WAL is the file SQLite itself syncs at a FULL commit; it lives as long as a
        connection to the database is open, which the caller's is.
        """
        fd = os.open(f"{self.path}-wal", os.O_RDONLY)
        try:
            _datasync(fd)
        finally:
            os.close(fd)

    def take_synced_actions(self) -> list[Callable[[], None]]:
        """What this thread's commits left to run once they are synced (`sync_commits_apart`)."""
        held: list[Callable[[], None]] = self._local.held_actions
        self._local.held_actions = []
        return held

    def widen_this_threads_cache(self, kib: int) -> None:
        """Let this thread's connection keep up to `kib` KiB of pages (SQLite's default: 2,000).

        For the group-commit writer: with the default, a click's pages of a few thousand
        links were read from the file again (1.8 read calls a click under load, 0.2-0.5
        with 32 MiB). Only that thread's: every connection has a cache of its own.
        """
        self.connection().execute(f"PRAGMA cache_size=-{kib}")

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction that takes the write lock up front and commits or rolls back.

        Inside a transaction this thread already has open (a group commit, see
        group_commit.py) it is a savepoint instead: its work is undone alone on an
        error, and made durable by the enclosing COMMIT.
        """
        conn = self.connection()
        if conn.in_transaction:
            return _Savepoint(conn, self._staged())
        return self._outermost(conn)

    @contextmanager
    def _outermost(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        # Writers of this process queue on a lock, not in SQLite's busy handler: that one
        # sleeps 1 to 100 ms between tries, which made the local server's p99 latency.
        self._ensure_checkpoints()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                self._flush_staged(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                self._local.after_commit = []
                self._local.staged = []
                raise
            conn.execute("COMMIT")
        self._run_after_commit()

    def savepoint(self, conn: sqlite3.Connection) -> AbstractContextManager[sqlite3.Connection]:
        """Undo only the block's writes if it raises; the enclosing transaction goes on.

        What the block staged (`stage`) is dropped with its writes.
        """
        return _Savepoint(conn, self._staged())

    def stage(self, flush: Flush, item: object) -> None:
        """Write `item` with `flush` just before this thread's open transaction commits.

        `flush` gets every item staged for it in the transaction, in order, once: a group
        commit's clicks are added to their days with a statement per table, not per click.
        An item staged inside a savepoint that rolls back goes with it; a `flush` that
        raises rolls the whole transaction back (StagedWriteFailed). Outside a transaction
        the item is written in one of its own.
        """
        if not self.connection().in_transaction:
            with self.transaction():
                self.stage(flush, item)
            return
        self._staged().append((flush, item))

    def _staged(self) -> list[tuple[Flush, object]]:
        staged: list[tuple[Flush, object]] | None = getattr(self._local, "staged", None)
        if staged is None:
            staged = self._local.staged = []
        return staged

    def _flush_staged(self, conn: sqlite3.Connection) -> None:
        staged = self._staged()
        if not staged:
            return
        self._local.staged = []
        by_flush: dict[Flush, list[Any]] = {}
        for flush, item in staged:
            by_flush.setdefault(flush, []).append(item)
        try:
            for flush, items in by_flush.items():
                flush(conn, items)
        except Exception as exc:
            raise StagedWriteFailed(f"{type(exc).__name__}: {exc}") from exc

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once this thread's open transaction commits (now if none is open).

        Waking a consumer before the rows it should read are committed would wake it
        for nothing; a rolled-back transaction drops its actions.
        """
        if not self.connection().in_transaction:
            action()
            return
        pending: list[Callable[[], None]] = getattr(self._local, "after_commit", [])
        pending.append(action)
        self._local.after_commit = pending

    def _run_after_commit(self) -> None:
        pending: list[Callable[[], None]] = getattr(self._local, "after_commit", [])
        self._local.after_commit = []
        held: list[Callable[[], None]] | None = getattr(self._local, "held_actions", None)
        if held is not None:  # the commit is not on disk yet: sync_commits_apart
            held.extend(pending)
            return
        for action in pending:
            action()

    def ensure_schema(self, name: str, script: str) -> None:
        """Create an adapter's tables once per process (the script uses IF NOT EXISTS)."""
        with self._lock:
            if name in self._schemas:
                return
        conn = self.connection()
        if not conn.in_transaction:
            conn.executescript(script)
            with self._lock:
                self._schemas.add(name)
            return
        # executescript() would COMMIT the open transaction first: run the statements one by
        # one inside it, and count the schema as made only once that transaction commits.
        for statement in _statements(script):
            conn.execute(statement)

        def made() -> None:
            with self._lock:
                self._schemas.add(name)

        self.after_commit(made)

    def add_missing_columns(self, table: str, columns: Sequence[tuple[str, str]]) -> None:
        """Give a table made by an older version the (column, declaration) pairs it lacks.

        Existing rows keep their data and get each column's default.
        """
        conn = self.connection()
        present = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
        for column, declaration in columns:
            if column in present:
                continue
            try:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):  # another process added it meanwhile
                    raise

    def _ensure_checkpoints(self) -> None:
        if self._checkpointer is None:
            with self._lock:
                if self._checkpointer is None and not self._closing.is_set():
                    self._checkpointer = threading.Thread(
                        target=self._checkpoint_forever, name="sqlite-checkpoint", daemon=True
                    )
                    self._checkpointer.start()

    def _checkpoint_forever(self) -> None:
        """Copy the WAL into the database file every second, off every writer's path."""
        while not self._closing.wait(CHECKPOINT_EVERY_S):
            try:
                self.checkpoint()
            except sqlite3.Error:
                _log.debug("checkpoint skipped", exc_info=True)

    def checkpoint(self) -> None:
        """Copy the WAL into the database file, all of it, so that the next write reuses it.

        A writer starts the WAL again from its beginning only if, when its transaction
        began, a checkpoint had copied every frame; under steady writes a transaction is
        always under way while a PASSIVE checkpoint (which waits for no one) runs, and the
        WAL grew without end (150 MB in 10 s of wrk). So a second round copies what the
        first left with this process's writers held off: a few groups' frames, not the
        second's, and none at all when the first copied everything and no write began since.
        """
        conn = self.connection()
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        with self._write_lock:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def close(self) -> None:
        """Close every connection this object opened, in any thread."""
        self._closing.set()
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.join(timeout=10)
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()


class _Savepoint:
    """A savepoint as a plain class: every redirect opens one, and a generator-based
    context manager costs it about a microsecond more each time."""

    __slots__ = ("_conn", "_mark", "_staged")

    def __init__(self, conn: sqlite3.Connection, staged: list[tuple[Flush, object]]) -> None:
        self._conn = conn
        self._staged = staged
        self._mark = 0

    def __enter__(self) -> sqlite3.Connection:
        self._mark = len(self._staged)
        self._conn.execute("SAVEPOINT nested")
        return self._conn

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self._conn.execute("ROLLBACK TO nested")
            del self._staged[self._mark :]
        self._conn.execute("RELEASE nested")


# fsync where the system has no fdatasync (macOS); SQLite's own WAL sync is fdatasync on Linux.
_datasync: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


def _statements(script: str) -> list[str]:
    """The complete SQL statements of `script`, in order."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
