"""Group commit: many small SQLite writes from the event loop, one COMMIT for all waiting.

A redirect on the local server writes twice (the click UPDATE and its LinkClicked
event), and each autocommit pays for its own commit. `GroupCommitter.run(work)`
hands `work` to one writer thread; the writer takes every work item waiting,
runs each in its own savepoint inside one `BEGIN IMMEDIATE` transaction, commits
once, and only then resolves the callers' futures, so no caller is answered before
its writes are committed (docs/decisions/0104-group-commit-of-local-redirects.md).

At `synchronous=FULL` the writer's COMMIT does not wait for the disk itself: a second
thread fdatasyncs the WAL (the call FULL makes inside COMMIT) and answers every group
committed before that call began, while the writer already runs the next group. A
caller is still answered only once its writes are on disk, and what a transaction runs
after its commit (`SqliteDatabase.after_commit`) waits for that fsync as well; a failed
fsync fails every caller it should have covered.

A work item that raises has its savepoint rolled back and its caller gets the
exception; the others commit. A self-contained item (a redirect: its writes sit in a
unit of work's savepoint, and it answers instead of raising) runs without a savepoint
of the group's, so a click costs one savepoint, not two; should one raise after all,
its writes cannot be told from the others', and the group runs again one item at a
time. What the items staged for the end of the transaction
(their clicks' stats, adapters/sqlite/visit_fold.py) is written once for the whole
group; if that fails, the group is rolled back and each item runs again alone, in a
transaction of its own, so only the items whose writes fail get an error. A failed
COMMIT fails every caller of the batch.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from shortstack.adapters.sqlite.db import SqliteDatabase, StagedWriteFailed

T = TypeVar("T")
MAX_BATCH = 256
# The writer's page cache: every click reads its link's pages, and those of its day.
WRITER_CACHE_KIB = 32 * 1024
_log = logging.getLogger("shortstack.sqlite")
_STOP = object()


class _Waiter(Protocol):
    """What a caller waits on: its asyncio future, or a callback (`submit`)."""

    def get_loop(self) -> asyncio.AbstractEventLoop: ...
    def cancelled(self) -> bool: ...
    def set_result(self, value: Any, /) -> None: ...
    def set_exception(self, exc: BaseException, /) -> None: ...


_Item = tuple[Callable[[], Any], _Waiter, bool]
# A caller's future, whether its work succeeded, and its result or exception.
_Answer = tuple[_Waiter, bool, Any]
# A committed group's answers and what its transactions run once it is on disk.
_Synced = tuple[list[_Answer], list[Callable[[], None]]]


class _Undivided(Exception):
    """A self-contained item raised: its writes are mixed with the rest of its group's."""


class GroupCommitter:
    def __init__(self, db: SqliteDatabase, max_batch: int = MAX_BATCH) -> None:
        self._db = db
        self._max_batch = max_batch
        self._pending: queue.SimpleQueue[_Item | object] = queue.SimpleQueue()
        self._to_sync: queue.SimpleQueue[_Synced | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        # What `submit` was given during the current turn of each event loop.
        self._held: dict[asyncio.AbstractEventLoop, list[_Item]] = {}
        self._start_lock = threading.Lock()
        self.batches = 0  # committed transactions, for tests and benchmarks

    async def run(self, work: Callable[[], T], *, self_contained: bool = False) -> T:
        """`work()`'s result, once the transaction it ran in has committed.

        `self_contained`: `work` undoes its own writes when it fails (they sit in savepoints
        of its own) and answers rather than raises, so it needs no savepoint of the group's.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._ensure_started()
        self._pending.put((work, future, self_contained))
        return await future

    def submit(
        self,
        work: Callable[[], T],
        then: Callable[[bool, Any], None],
        *,
        self_contained: bool = False,
    ) -> None:
        """Run `work` as `run` does, then call `then(True, result)` or `then(False, exception)`
        on the running event loop once its transaction is durable.

        No future and no task: the local server's HTTP protocol answers a redirect from
        `then` itself (entrypoints/http/protocol.py). `then` must not raise; should it, the
        error is logged and the other callers of its group are answered all the same.
        """
        loop = asyncio.get_running_loop()
        held = self._held.get(loop)
        if held is None:
            # Handed over together once this turn of the loop has read every request ready,
            # as the ASGI cycle's tasks, which run after the reads, hand theirs over: the
            # writer is woken once for them, not between one read and the next.
            held = self._held[loop] = []
            loop.call_soon(self._hand_over, loop)
        held.append((work, _Then(loop, then), self_contained))

    def _hand_over(self, loop: asyncio.AbstractEventLoop) -> None:
        self._ensure_started()
        for item in self._held.pop(loop):
            self._pending.put(item)

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._write_forever, name="sqlite-group-commit", daemon=True
                    )
                    self._thread.start()

    def close(self) -> None:
        """Finish the waiting work, then stop the writer thread."""
        with self._start_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._pending.put(_STOP)
            thread.join(timeout=10)

    def _next_batch(self) -> tuple[list[_Item], bool]:
        """Every waiting item (blocking for the first one), and whether to stop after them."""
        first = self._pending.get()
        if first is _STOP:
            return [], True
        batch: list[_Item] = [first]  # type: ignore[list-item]
        while len(batch) < self._max_batch:
            try:
                item = self._pending.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)  # type: ignore[arg-type]
        return batch, False

    def _write_forever(self) -> None:
        self._db.widen_this_threads_cache(WRITER_CACHE_KIB)
        syncer = None
        if self._db.sync_commits_apart():
            syncer = threading.Thread(
                target=self._sync_forever, name="sqlite-group-sync", daemon=True
            )
            syncer.start()
        while True:
            batch, stop = self._next_batch()
            if batch:
                answers = self._write(batch)
                if syncer is None:
                    _wake(answers)
                else:
                    self._to_sync.put((answers, self._db.take_synced_actions()))
            if stop:
                if syncer is not None:
                    self._to_sync.put(_STOP)
                    syncer.join(timeout=10)
                return

    def _sync_forever(self) -> None:
        """Answer committed groups once an fsync begun after their COMMIT has returned.

        One fsync covers every group committed before it began: while it runs (without the
        GIL), the writer already runs the next group.
        """
        while True:
            done = [self._to_sync.get()]
            while True:
                try:
                    done.append(self._to_sync.get_nowait())
                except queue.Empty:
                    break
            stop = done[-1] is _STOP
            groups: list[_Synced] = [group for group in done if group is not _STOP]  # type: ignore[misc]
            if groups:
                self._answer_synced(groups)
            if stop:
                return

    def _answer_synced(self, groups: list[_Synced]) -> None:
        answers = [answer for group, _ in groups for answer in group]
        try:
            self._db.sync_wal()
        except Exception as exc:
            _log.exception("WAL sync failed", extra={"batch": len(answers)})
            answers = [(future, False, exc) for future, _, _ in answers]
        else:
            for _, actions in groups:
                for action in actions:
                    try:
                        action()
                    except Exception:
                        _log.exception("an action after a commit failed")
        _wake(answers)

    def _write(self, batch: list[_Item]) -> list[_Answer]:
        """Run a batch; each caller's future with (True, result) or (False, exception)."""
        try:
            outcomes = self._together(batch)
        except (StagedWriteFailed, _Undivided):
            _log.exception("group failed as a whole: each item again alone")
            outcomes = [self._alone(work) for work, _, _ in batch]
        except Exception as exc:
            _log.exception("group commit failed", extra={"batch": len(batch)})
            outcomes = [(False, exc)] * len(batch)
        return [
            (future, ok, value) for (_, future, _), (ok, value) in zip(batch, outcomes, strict=True)
        ]

    def _together(self, batch: list[_Item]) -> list[tuple[bool, Any]]:
        """Every item in one transaction: (True, result) or (False, exception) each."""
        outcomes: list[tuple[bool, Any]] = []
        with self._db.transaction() as conn:
            for work, _, self_contained in batch:
                if self_contained:
                    try:
                        outcomes.append((True, work()))
                    except Exception as exc:
                        raise _Undivided from exc
                    continue
                try:
                    with self._db.savepoint(conn):
                        outcomes.append((True, work()))
                except Exception as exc:
                    outcomes.append((False, exc))
        self.batches += 1
        return outcomes

    def _alone(self, work: Callable[[], Any]) -> tuple[bool, Any]:
        try:
            with self._db.transaction():
                result = work()
            self.batches += 1
        except Exception as exc:
            return False, exc
        return True, result


class _Then:
    """Stands in for a caller's future: `_resolve` hands the outcome to a callback."""

    __slots__ = ("_loop", "_then")

    def __init__(self, loop: asyncio.AbstractEventLoop, then: Callable[[bool, Any], None]) -> None:
        self._loop = loop
        self._then = then

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def cancelled(self) -> bool:
        return False

    def set_result(self, value: Any) -> None:
        self._call(True, value)

    def set_exception(self, exc: BaseException) -> None:
        self._call(False, exc)

    def _call(self, ok: bool, value: Any) -> None:
        try:
            self._then(ok, value)
        except Exception:
            _log.exception("a committed write's callback failed")


def _wake(answers: list[_Answer]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[_Answer]] = {}
    for answer in answers:
        by_loop.setdefault(answer[0].get_loop(), []).append(answer)
    for loop, resolved in by_loop.items():
        # One wake-up of each waiting loop per batch, not one per caller.
        try:
            loop.call_soon_threadsafe(_resolve, resolved)
        except RuntimeError:
            _log.warning("a caller's event loop closed before its answer")


def _resolve(resolved: list[_Answer]) -> None:
    for future, ok, value in resolved:
        if future.cancelled():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
