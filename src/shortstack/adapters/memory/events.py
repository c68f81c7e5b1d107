"""An event publisher that keeps what it was given, for tests and benchmarks."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from shortstack.domain.events import Event


class MemoryEventPublisher:
    def __init__(self) -> None:
        self.published: list[Event] = []
        self._lock = threading.Lock()

    def publish(self, events: Sequence[Event]) -> None:
        with self._lock:
            self.published.extend(events)

    def of_type(self, detail_type: str) -> list[Event]:
        """The published events of one detail type, in order."""
        with self._lock:
            return [event for event in self.published if event.detail_type == detail_type]
