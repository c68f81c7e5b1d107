"""Time helpers: every timestamp in shortstack is timezone-aware UTC."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now in UTC, truncated to milliseconds so that it round-trips through ISO 8601."""
    # From integer milliseconds: cheaper than truncating datetime.now(), and it runs on every
    # redirect (bench/README.md, "Costs the code is shaped around"). A float of ms / 1000 is
    # within 0.3 us of exact, and fromtimestamp rounds to the nearest microsecond, so the
    # result is always a whole millisecond.
    return datetime.fromtimestamp(time.time_ns() // 1_000_000 / 1000, UTC)


def to_iso(moment: datetime) -> str:
    """ISO 8601 with a `Z` suffix and millisecond precision, sortable as text."""
    # isoformat truncates to milliseconds like the format above; it is cheaper than strftime,
    # and this runs twice per redirect (the bench/README.md table has both costs).
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    """Parse what `to_iso` wrote (and other ISO 8601 forms); naive input is taken as UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
