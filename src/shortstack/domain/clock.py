"""Time helpers: every timestamp in shortstack is timezone-aware UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now in UTC, truncated to milliseconds so that it round-trips through ISO 8601."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


def to_iso(moment: datetime) -> str:
    """ISO 8601 with a `Z` suffix and millisecond precision, sortable as text."""
    # isoformat truncates to milliseconds like the format above; it is twice as fast as
    # strftime, and this runs twice per redirect.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    """Parse what `to_iso` wrote (and other ISO 8601 forms); naive input is taken as UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
