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


# 00 to 99, the two digits of each part of a time.
_TWO = tuple(f"{number:02d}" for number in range(100))


def to_iso(moment: datetime) -> str:
    """ISO 8601 with a `Z` suffix and millisecond precision, sortable as text."""
    # The same moment is often written twice in a row: a new link's expiry in its
    # LinkCreated and then in the answer, its created_at and updated_at (one `now`). The
    # last one is kept with its text; holding it, the object cannot be another's.
    global _last
    last = _last
    if last[0] is moment:
        return last[1]
    text = _iso(moment)
    _last = (moment, text)
    return text


def _iso(moment: datetime) -> str:
    # What isoformat(timespec="milliseconds") writes of a UTC time (the milliseconds
    # truncated, not rounded), `Z` for its offset, from the parts' own digits: a third of
    # isoformat's instructions. A create formats four, a page of links four a link, a click
    # on DynamoDB one (bench/README.md, "Costs the code is shaped around").
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    year, milliseconds = moment.year, moment.microsecond // 1000
    return (
        f"{year if year >= 1000 else f'{year:04d}'}-{_TWO[moment.month]}-{_TWO[moment.day]}"
        f"T{_TWO[moment.hour]}:{_TWO[moment.minute]}:{_TWO[moment.second]}"
        f".{milliseconds // 100}{_TWO[milliseconds % 100]}Z"
    )


_last: tuple[datetime | None, str] = (None, "")


def from_iso(text: str) -> datetime:
    """Parse what `to_iso` wrote (and other ISO 8601 forms); naive input is taken as UTC."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
