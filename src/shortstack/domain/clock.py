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
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def from_iso(text: str) -> datetime:
    """Parse what `to_iso` wrote (and other ISO 8601 forms); naive input is taken as UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
