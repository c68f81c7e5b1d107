"""The local event backbone: a durable queue and a dead-letter table in the SQLite file.

It plays the part SQS plays on AWS, with the same semantics:
- at-least-once: a received message stays in the table, invisible for the
  visibility timeout; it is deleted only when its handler succeeded. A process
  killed mid-batch leaves it there, and it is delivered again once the timeout
  passes (after a restart too);
- retries with exponential backoff (base * 2^(attempt-1), capped), up to
  `max_attempts` receives, then the message moves to `event_dead_letters` with
  its last error and attempt count (SQS's redrive policy and DLQ);
- publishing is one INSERT per event, in the caller's transaction if it has one
  (`enqueue`), so a write and the event announcing it commit together.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.domain.clock import Clock, from_iso, to_iso, utc_now
from shortstack.domain.errors import DeadLetterNotFound
from shortstack.domain.events import Event

SCHEMA = """
CREATE TABLE IF NOT EXISTS event_queue (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL,
    body        TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    visible_at  TEXT NOT NULL,
    last_error  TEXT,
    enqueued_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS event_queue_visible ON event_queue (visible_at, seq);
CREATE TABLE IF NOT EXISTS event_dead_letters (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    failed_at  TEXT NOT NULL
);
"""

_INSERT = (
    "INSERT INTO event_queue (event_id, body, attempts, visible_at, enqueued_at)"
    " VALUES (?, ?, 0, ?, ?)"
)
ERROR_MAX = 2000


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    """One received delivery: the event, and which receive of it this is (1-based)."""

    seq: int
    event: Event
    attempt: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    seq: int
    event: Event
    attempts: int
    last_error: str
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    visibility_timeout: timedelta = timedelta(seconds=30)
    backoff_base: timedelta = timedelta(seconds=1)
    backoff_max: timedelta = timedelta(minutes=5)

    def backoff(self, attempt: int) -> timedelta:
        """How long a message that failed its `attempt`-th delivery waits for the next."""
        wait: timedelta = min(self.backoff_base * (2 ** (attempt - 1)), self.backoff_max)
        return wait


def _rows(events: Sequence[Event], now: str) -> list[tuple[str, str, str, str]]:
    return [(event.id, json.dumps(event.to_dict()), now, now) for event in events]


class SqliteEventQueue:
    """Publisher (the EventPublisher port), receiver and dead-letter store in one."""

    def __init__(
        self, db: SqliteDatabase, policy: RetryPolicy | None = None, clock: Clock = utc_now
    ) -> None:
        self._db = db
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._listeners_lock = threading.Lock()
        db.ensure_schema("event_queue", SCHEMA)

    # -- publishing ------------------------------------------------------------------------

    def publish(self, events: Sequence[Event]) -> None:
        """Enqueue events durably (one transaction); the dispatcher is woken up."""
        if not events:
            return
        with self._db.transaction() as conn:
            self.enqueue(conn, events)
            # Inside a group commit the rows are visible only after the batch commits.
            self._db.after_commit(self._notify)

    def enqueue(self, conn: sqlite3.Connection, events: Sequence[Event]) -> None:
        """Enqueue inside the caller's open transaction (outbox style); commit is theirs."""
        conn.executemany(_INSERT, _rows(events, to_iso(self._clock())))

    def on_publish(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every publish (the dispatcher uses it to wake up)."""
        with self._listeners_lock:
            self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- consuming -------------------------------------------------------------------------

    def receive(self, max_messages: int = 10) -> list[QueuedEvent]:
        """Up to `max_messages` visible messages, now invisible for the visibility timeout."""
        now = self._clock()
        hidden_until = to_iso(now + self.policy.visibility_timeout)
        with self._db.transaction() as conn:
            rows = conn.execute(
                "UPDATE event_queue SET attempts = attempts + 1, visible_at = ?"
                " WHERE seq IN (SELECT seq FROM event_queue WHERE visible_at <= ?"
                "               ORDER BY visible_at, seq LIMIT ?)"
                " RETURNING seq, body, attempts",
                (hidden_until, to_iso(now), max_messages),
            ).fetchall()
        received = [
            QueuedEvent(row["seq"], Event.from_dict(json.loads(row["body"])), row["attempts"])
            for row in rows
        ]
        return sorted(received, key=lambda message: message.seq)

    def consume_in_this_thread(self) -> None:
        """The consumer's thread: its receives, handling and deletes need no fsync each.

        A batch a power cut takes is received again, and its events handled again, as
        after any failure (delivery is at least once; the consumers are idempotent).
        """
        self._db.relax_this_threads_durability()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One transaction for handling a batch, or a savepoint inside one (see db.py).

        The dispatcher handles a received batch in one transaction, each event in a
        savepoint, and deletes the done ones before the single COMMIT: the effects of
        50 events cost one commit, not 50 (bench/README.md has the numbers).
        """
        return self._db.transaction()

    def delete(self, *messages: QueuedEvent) -> None:
        """Their handlers succeeded: the messages are done (one transaction)."""
        with self._db.transaction() as conn:
            conn.executemany("DELETE FROM event_queue WHERE seq = ?", [(m.seq,) for m in messages])

    def fail(self, message: QueuedEvent, error: str) -> bool:
        """The handler failed: retry later, or dead-letter it; True when it was dead-lettered."""
        error = error[:ERROR_MAX]
        now = self._clock()
        with self._db.transaction() as conn:
            if message.attempt >= self.policy.max_attempts:
                conn.execute(
                    "INSERT INTO event_dead_letters (event_id, body, attempts, last_error,"
                    " failed_at) SELECT event_id, body, attempts, ?, ? FROM event_queue"
                    " WHERE seq = ?",
                    (error, to_iso(now), message.seq),
                )
                conn.execute("DELETE FROM event_queue WHERE seq = ?", (message.seq,))
                return True
            retry_at = now + self.policy.backoff(message.attempt)
            conn.execute(
                "UPDATE event_queue SET visible_at = ?, last_error = ? WHERE seq = ?",
                (to_iso(retry_at), error, message.seq),
            )
            return False

    def defer(self, message: QueuedEvent, retry_in: timedelta) -> None:
        """Hand the message back for later with the attempt it was received with returned:
        its handler did not try (a webhook receiver resting after a timeout)."""
        retry_at = self._clock() + max(retry_in, timedelta(0))
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE event_queue SET visible_at = ?, attempts = MAX(attempts - 1, 0)"
                " WHERE seq = ?",
                (to_iso(retry_at), message.seq),
            )

    def next_visible_at(self) -> datetime | None:
        """When the earliest waiting message becomes visible (None: the queue is empty)."""
        row = (
            self._db.connection()
            .execute("SELECT MIN(visible_at) AS at FROM event_queue")
            .fetchone()
        )
        return from_iso(row["at"]) if row and row["at"] else None

    def depth(self) -> int:
        return int(self._db.connection().execute("SELECT COUNT(*) FROM event_queue").fetchone()[0])

    # -- dead letters ----------------------------------------------------------------------

    def dead_letter_depths(self) -> dict[str, int]:
        """The DeadLetterGauge port: one local dead-letter table."""
        row = self._db.connection().execute("SELECT COUNT(*) FROM event_dead_letters").fetchone()
        return {"local": int(row[0])}

    def dead_letters(self, limit: int = 1000) -> list[DeadLetter]:
        rows = (
            self._db.connection()
            .execute("SELECT * FROM event_dead_letters ORDER BY seq LIMIT ?", (limit,))
            .fetchall()
        )
        return [
            DeadLetter(
                seq=row["seq"],
                event=Event.from_dict(json.loads(row["body"])),
                attempts=row["attempts"],
                last_error=row["last_error"],
                failed_at=from_iso(row["failed_at"]),
            )
            for row in rows
        ]

    def replay(self, event_id: str | None = None) -> int:
        """Move dead letters (one event id, or all) back to the queue with fresh attempts;
        DeadLetterNotFound when no letter has the id given."""
        # "?1 IS NULL" selects every letter when no id is given: one statement for both cases.
        now = to_iso(self._clock())
        with self._db.transaction() as conn:
            moved = conn.execute(
                "INSERT INTO event_queue (event_id, body, attempts, visible_at, enqueued_at)"
                " SELECT event_id, body, 0, ?2, ?2 FROM event_dead_letters"
                " WHERE ?1 IS NULL OR event_id = ?1 ORDER BY seq",
                (event_id, now),
            ).rowcount
            conn.execute(
                "DELETE FROM event_dead_letters WHERE ?1 IS NULL OR event_id = ?1", (event_id,)
            )
        if not moved and event_id is not None:
            raise DeadLetterNotFound(event_id)
        if moved:
            self._notify()
        return moved

    def purge_dead_letters(self) -> int:
        with self._db.transaction() as conn:
            return conn.execute("DELETE FROM event_dead_letters").rowcount
