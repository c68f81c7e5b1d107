"""The local unit of work: a change and its events in one SQLite transaction (the outbox).

The repositories' own `transaction()` calls nest inside it as savepoints, and the
queue's INSERTs join it, so a crash between the write and the end of the request
leaves both or neither. The dispatcher is woken once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from shortstack.adapters.sqlite.db import SqliteDatabase
from shortstack.adapters.sqlite.event_queue import SqliteEventQueue
from shortstack.domain.events import Event


class _QueueOutbox:
    def __init__(self, queue: SqliteEventQueue) -> None:
        self._queue = queue

    def add(self, events: Sequence[Event]) -> None:
        # Inside the unit's open transaction this is a savepoint of it (db.py).
        self._queue.publish(events)


class SqliteUnitOfWork:
    keeps_events = True  # the queue's rows are the events the dispatcher hands on

    def __init__(self, db: SqliteDatabase, queue: SqliteEventQueue) -> None:
        self._db = db
        self._outbox = _QueueOutbox(queue)

    @contextmanager
    def begin(self) -> Iterator[_QueueOutbox]:
        """One transaction (a savepoint inside one already open) for the unit's writes."""
        with self._db.transaction():
            yield self._outbox
