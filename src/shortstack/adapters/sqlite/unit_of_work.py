"""The local unit of work: a change and its events in one SQLite transaction (the outbox).

The repositories' own `transaction()` calls nest inside it as savepoints, and the
queue's INSERTs join it, so a crash between the write and the end of the request
leaves both or neither. The dispatcher is woken once the transaction commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractContextManager
from types import TracebackType

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

    def begin(self) -> _Unit:
        """One transaction (a savepoint inside one already open) for the unit's writes."""
        return _Unit(self._db.transaction(), self._outbox)


class _Unit:
    """A unit of work as a plain class (one per redirect): its transaction, its outbox."""

    __slots__ = ("_outbox", "_transaction")

    def __init__(
        self, transaction: AbstractContextManager[sqlite3.Connection], outbox: _QueueOutbox
    ) -> None:
        self._transaction = transaction
        self._outbox = outbox

    def __enter__(self) -> _QueueOutbox:
        self._transaction.__enter__()
        return self._outbox

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool | None:
        return self._transaction.__exit__(kind, error, trace)
