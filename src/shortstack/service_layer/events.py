"""Consuming events: a handler per detail type, each event's effect applied once.

The same `EventConsumer` runs behind the local queue's dispatcher and behind
the SQS Lambda. Handlers that are idempotent by construction (the click fold
records each event id in the same transaction as its counts) say so and skip
the generic guard; every other handler runs through the `Idempotency` port
(Powertools idempotency on DynamoDB or SQLite). An event of a type nobody
handles is acknowledged, not retried: nothing could ever succeed for it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from shortstack.domain.events import Event
from shortstack.service_layer.ports import EventPublisher

Handler = Callable[[Event], None]
BatchHandler = Callable[[Sequence[Event]], None]


class Deferred(Exception):
    """A handler asks for the event again later, without it counting as a failed attempt.

    Only a consumer that can hand an attempt back (the local queue) catches it; to any
    other it is a failure like another.
    """

    def __init__(self, reason: str, retry_in_s: float) -> None:
        super().__init__(reason)
        self.retry_in_s = retry_in_s


_log = logging.getLogger("shortstack.events")


class Idempotency(Protocol):
    def wrap(self, handler: Handler) -> Handler:
        """The handler, made to apply each event's effect at most once."""
        ...

    def use_lambda_context(self, context: object) -> None:
        """Bind the Lambda invocation being served; a guard without a time budget ignores it."""
        ...


class NoIdempotency:
    """For handlers and tests that need no guard (every call runs)."""

    def wrap(self, handler: Handler) -> Handler:
        return handler

    def use_lambda_context(self, context: object) -> None:
        return None


class LazyIdempotency:
    """An Idempotency built on first use.

    Powertools' idempotency utility is a heavy import (bench/README.md, "Costs the code
    is shaped around"); every Lambda builds the consumer, but only the events Lambda and
    the local dispatcher ever handle an event.
    """

    def __init__(self, build: Callable[[], Idempotency]) -> None:
        self._build = build
        self._built: Idempotency | None = None
        self._lock = threading.Lock()

    def resolve(self) -> Idempotency:
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
        return self._built

    def wrap(self, handler: Handler) -> Handler:
        guarded: list[Handler] = []

        def handle(event: Event) -> None:
            if not guarded:
                guarded.append(self.resolve().wrap(handler))
            guarded[0](event)

        return handle

    def use_lambda_context(self, context: object) -> None:
        """Forwarded to the built guard (Powertools reads the remaining time from it)."""
        self.resolve().use_lambda_context(context)


@dataclass
class EventConsumer:
    idempotency: Idempotency
    _handlers: dict[str, list[Handler]] = field(default_factory=dict)
    _outbound: dict[str, list[Handler]] = field(default_factory=dict)
    _batched: dict[str, BatchHandler] = field(default_factory=dict)

    def register(
        self,
        detail_type: str,
        handler: Handler,
        *,
        self_idempotent: bool = False,
        outbound: bool = False,
        batch: BatchHandler | None = None,
    ) -> None:
        """Handle `detail_type` with `handler`; guarded unless it is idempotent by itself.

        An `outbound` handler calls other systems over the network (webhooks): a consumer
        that holds a store transaction while it handles events runs these outside it.
        `batch`, when given, does what `handler` does to each of a run of such events, at
        once (the local dispatcher's batches; see `batch_handler`).
        """
        if batch is not None:
            if outbound or not self_idempotent:
                raise ValueError("a batch handler works on our stores and is idempotent by itself")
            self._batched[detail_type] = batch
        guarded = handler if self_idempotent else self.idempotency.wrap(handler)
        (self._outbound if outbound else self._handlers).setdefault(detail_type, []).append(guarded)

    def batch_handler(self, detail_type: str) -> BatchHandler | None:
        """What handles a run of such events at once, when it is their only store handler.

        A failing run leaves nothing behind only inside a transaction the caller opens, and
        says nothing of which event failed: the caller then handles each on its own.
        """
        if len(self._handlers.get(detail_type, ())) != 1:
            return None
        return self._batched.get(detail_type)

    def handles(self, detail_type: str) -> bool:
        return detail_type in self._handlers or detail_type in self._outbound

    def handle(self, event: Event) -> None:
        """Run every handler of the event's type; an exception means "deliver it again"."""
        if not self.handles(event.detail_type):
            _log.debug("no handler", extra={"event_id": event.id, "detail_type": event.detail_type})
            return
        self.handle_in_store(event)
        self.handle_outbound(event)

    def handle_in_store(self, event: Event) -> None:
        """Only the handlers that work on our own stores."""
        for handler in self._handlers.get(event.detail_type, ()):
            handler(event)

    def handle_outbound(self, event: Event) -> None:
        """Only the handlers that call other systems."""
        for handler in self._outbound.get(event.detail_type, ()):
            handler(event)


class _Pending:
    """One unit's outbox, and the unit itself: its events are published when its block ends
    without an exception. A class, not a generator-based context manager, which costs a
    redirect on the fakes ~1 us more (bench/README.md, "Costs the code is shaped around")."""

    __slots__ = ("events", "publisher")

    def __init__(self, publisher: EventPublisher) -> None:
        self.publisher = publisher
        self.events: list[Event] = []

    def add(self, events: Sequence[Event]) -> None:
        self.events.extend(events)

    def __enter__(self) -> _Pending:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None and self.events:
            self.publisher.publish(self.events)


@dataclass
class PublishingUnitOfWork:
    """A UnitOfWork for stores with no outbox of their own (the memory fakes).

    The unit's events are published once its block has succeeded; a failure between
    the write and the publish would lose them, which only the fakes may accept.
    """

    publisher: EventPublisher
    keeps_events = True

    def begin(self) -> _Pending:
        return _Pending(self.publisher)
