"""Stand-ins the tests share: clocks a test sets and moves, and ports that fail on purpose.

The in-memory adapters (`shortstack.adapters.memory`) are the fakes of the storage and
event ports; what lives here is what no adapter provides: time under the test's control
and collaborators that are unreachable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

A_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class FakeClock:
    """A `Clock` that stands at `now` until moved; with a `step` it moves before each reading.

    A step makes every reading distinct and increasing, which keeps orders by time
    deterministic when a test creates several things in a row.
    """

    def __init__(self, now: datetime = A_MORNING, *, step: timedelta = timedelta(0)) -> None:
        self.now = now
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock on by `timedelta(**delta)`: `advance(minutes=1)`."""
        self.now += timedelta(**delta)


class FakeMonotonicClock:
    """Monotonic seconds (a `time.monotonic` stand-in) that move only when the test says."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeDeadLetterGauge:
    """Reports the given dead-letter depths, or raises `error` as an unreachable SQS does."""

    def __init__(
        self, depths: dict[str, int] | None = None, *, error: Exception | None = None
    ) -> None:
        self.depths = depths or {}
        self.error = error

    def dead_letter_depths(self) -> dict[str, int]:
        if self.error is not None:
            raise self.error
        return dict(self.depths)
