"""On DynamoDB the table's stream is the outbox: a use case publishes nothing after its write.

Each use case writes once, atomically, and that committed change is a record in
the table's stream, from which the stream consumer derives the very event the
use case announces (stream_events.py; docs/decisions/0105). A second call to
EventBridge after the write, which a crash or a throttle could lose, is what
this replaces. An event type the consumer cannot derive is refused here, loudly:
announcing it would lose it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shortstack.domain.events import Event

# Every event a use case announces; the stream consumer's tests derive each one.
DERIVED_DETAIL_TYPES = frozenset(
    {
        "ItemCreated",
        "ItemUpdated",
        "ItemDeleted",
        "UserCreated",
        "UserDeleted",
        "LinkCreated",
        "LinkUpdated",
        "LinkDeleted",
        "LinkClicked",
        "LinkVisitedByBot",
        "ImportRequested",
        "ImportFinished",
    }
)


class UnderivableEvent(LookupError):
    """A use case announced an event the table's stream does not carry."""


class StreamOutbox:
    """The outbox of every unit of work on DynamoDB, and the unit itself: nothing to begin,
    nothing to publish at its end."""

    def add(self, events: Sequence[Event]) -> None:
        for event in events:
            if event.detail_type not in DERIVED_DETAIL_TYPES:
                unknown = sorted({event.detail_type for event in events} - DERIVED_DETAIL_TYPES)
                raise UnderivableEvent(f"the stream consumer derives no {', '.join(unknown)} event")

    def __enter__(self) -> StreamOutbox:
        return self

    def __exit__(self, *_: object) -> None:
        return None


class StreamUnitOfWork:
    """The UnitOfWork port on DynamoDB: the write commits alone; the stream announces it."""

    # The outbox keeps nothing: the redirect, whose click's UpdateItem carries the visit's
    # facts for the stream consumer, builds no LinkClicked at all.
    keeps_events = False
    _outbox = StreamOutbox()

    def begin(self) -> StreamOutbox:
        return self._outbox
