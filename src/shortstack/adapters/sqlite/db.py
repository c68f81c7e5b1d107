"""One SQLite database file shared by every local adapter.

Why these settings: WAL lets readers run while one writer commits;
`synchronous=NORMAL` in WAL mode keeps every committed transaction across a
process crash or SIGKILL (the WAL is in the OS page cache) and only risks the
last transactions on a power cut, which is the documented local durability.
Each thread gets its own connection because sqlite3 connections must not be
shared across threads; writes use BEGIN IMMEDIATE so that two writers queue
on the lock instead of failing half-way with SQLITE_BUSY.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000


class SqliteDatabase:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._schemas: set[str] = set()
        self.connection().execute("PRAGMA journal_mode=WAL")

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
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the write lock up front and commits or rolls back."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def ensure_schema(self, name: str, script: str) -> None:
        """Create an adapter's tables once per process (the script uses IF NOT EXISTS)."""
        with self._lock:
            if name in self._schemas:
                return
            self._schemas.add(name)
        self.connection().executescript(script)

    def close(self) -> None:
        """Close every connection this object opened, in any thread."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()
