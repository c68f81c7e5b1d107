"""The local server's event consumer: a background thread draining the SQLite queue.

It is the local counterpart of the SQS-triggered Lambda: it receives batches,
hands each event to the same `EventConsumer`, deletes what succeeded and
reports what failed to the queue, which retries it with backoff or moves it to
the dead letters. It sleeps until a publish wakes it or the next retry is due,
so an idle server costs no polling work beyond one query a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

from shortstack.adapters.sqlite.event_queue import QueuedEvent, SqliteEventQueue
from shortstack.domain.clock import utc_now
from shortstack.service_layer.events import BatchHandler, Deferred, EventConsumer

_log = logging.getLogger("shortstack.events")
IDLE_WAIT_S = 1.0
GATHER_S = 0.05


class LocalEventDispatcher:
    def __init__(
        self,
        queue: SqliteEventQueue,
        consumer: EventConsumer,
        *,
        batch_size: int = 500,
    ) -> None:
        self.queue = queue
        self.consumer = consumer
        self.batch_size = batch_size
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        queue.on_publish(self._wake.set)

    def run_once(self) -> int:
        """Receive and handle one batch; how many messages it held."""
        batch = self.queue.receive(self.batch_size)
        if not batch:
            return 0
        # Calls to other systems (webhooks) run before the transaction opens: a slow
        # receiver must never hold the database's write lock, which redirects wait on.
        sent = {message.seq: self._send(message) for message in batch}
        # One commit for the whole batch; each event in a savepoint, so a failing handler
        # leaves none of its writes behind while the others' stay. Our own stores take
        # every event, whatever its receivers answered: a receiver that is down must not
        # keep clicks out of the stats. The handlers apply an event once, so the retry a
        # failed delivery brings changes nothing here.
        with self.queue.transaction():
            handled = self._handle_all(batch)
            done = []
            for message in batch:
                if message.seq not in handled:
                    continue
                outcome = sent[message.seq]
                if outcome is None:
                    done.append(message)
                elif isinstance(outcome, Deferred):
                    self.queue.defer(message, timedelta(seconds=outcome.retry_in_s))
                else:
                    self._failed(message, outcome)
            if done:
                self.queue.delete(*done)
        return len(batch)

    def _send(self, message: QueuedEvent) -> Exception | None:
        """Run the event's outbound handlers; what stopped them, or None."""
        try:
            self.consumer.handle_outbound(message.event)
        except Exception as exc:  # any failure means: deliver it again later
            return exc
        return None

    def _handle_all(self, batch: list[QueuedEvent]) -> set[int]:
        """Handle each event in order, runs of one batchable type at once; the seqs handled.

        A run of clicks is folded with a statement per table instead of ~15 a click
        (bench/README.md, "Local redirect throughput"); one failing event sends its run
        back to one event at a time, so only that one is retried.
        """
        handled: set[int] = set()
        for run in _runs(batch, self.consumer):
            if len(run) > 1 and self._handled_together(run):
                handled.update(message.seq for message in run)
            else:
                handled.update(message.seq for message in run if self._handled(message))
        return handled

    def _handled_together(self, run: list[QueuedEvent]) -> bool:
        """Handle a run with its batch handler in one savepoint; False (nothing kept) on failure."""
        handle = self.consumer.batch_handler(run[0].event.detail_type)
        if handle is None:
            return False
        try:
            with self.queue.transaction():
                handle([message.event for message in run])
        except Exception:  # which event failed is unknown: each on its own, then
            return False
        return True

    def _handled(self, message: QueuedEvent) -> bool:
        """Handle one event; on failure, schedule its retry (or dead-letter it) and say so."""
        try:
            with self.queue.transaction():
                self.consumer.handle_in_store(message.event)
        except Exception as exc:  # any failure means: deliver it again later
            self._failed(message, exc)
            return False
        return True

    def _failed(self, message: QueuedEvent, exc: Exception) -> None:
        dead = self.queue.fail(message, f"{type(exc).__name__}: {exc}")
        log = _log.error if dead else _log.warning
        log(
            "event handler failed" + (" (dead-lettered)" if dead else ", will retry"),
            extra={
                "event_id": message.event.id,
                "detail_type": message.event.detail_type,
                "attempt": message.attempt,
                "error": f"{type(exc).__name__}: {exc}"[:500],
            },
        )

    def drain(self, timeout_s: float = 10.0) -> None:
        """Handle messages until none is visible now (tests and the CLI use it)."""
        deadline = time.monotonic() + timeout_s
        while self.run_once() and time.monotonic() < deadline:
            pass

    def start(self) -> None:
        """Run in a daemon thread until `stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="event-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _seconds_until_next(self) -> float:
        due = self.queue.next_visible_at()
        if due is None:
            return IDLE_WAIT_S
        return max(0.0, min(IDLE_WAIT_S, (due - utc_now()).total_seconds()))

    def _loop(self) -> None:
        self.queue.consume_in_this_thread()
        while not self._stop.is_set():
            try:
                received = self.run_once()
                if received >= self.batch_size:
                    continue
                if received:
                    # A part batch: let more events gather before the next one (they are
                    # durable in the queue already), so busy times fold in fewer, larger
                    # batches; a stop still ends the wait at once.
                    self._stop.wait(GATHER_S)
                    continue
                self._wake.clear()
                if self._stop.is_set():  # stop() may have set the wake-up we just cleared
                    break
                self._wake.wait(self._seconds_until_next())
            except Exception:  # the database may be closing; never let the thread die silently
                _log.exception("event dispatcher error")
                self._stop.wait(IDLE_WAIT_S)


def _runs(batch: list[QueuedEvent], consumer: EventConsumer) -> Iterator[list[QueuedEvent]]:
    """The batch in order, cut into runs of consecutive events of one batch handler (an
    event with none is a run of its own)."""
    run: list[QueuedEvent] = []
    current: BatchHandler | None = None
    for message in batch:
        handler = consumer.batch_handler(message.event.detail_type)
        if run and (handler is None or handler != current):
            yield run
            run = []
        run.append(message)
        current = handler
    if run:
        yield run
