"""A stats report in the viewer's time zone, from days stored per UTC day and hour.

Every store keeps a day's clicks (and bots' visits) per UTC hour inside the day's
record (`hours`, `bot_hours`: analytics.HOURLY). A report in a zone reads the UTC days
around the viewer's local range and puts each hour's count into the local day, and the
local hour of the day, that holds that hour: exact across daylight-saving changes (a
local day of 23 or 25 hours gets 23 or 25 UTC hours), and for zones whose offset is not
a whole hour (+05:30, +05:45, +12:45) one UTC hour a day straddles local midnight: it
goes to the local day that holds most of it (its middle; half and half: the later one).

What stays per UTC day whatever the zone: unique visitors (a visitor's hash is a UTC
day's) and the dimension breakdowns (referrers, countries, ...), read from the UTC days
with the local range's dates. Clicks recorded before hours existed have no hour: they
count on the local day with their UTC day's date, and the report lists those days.
Rolled-up months have no hours either and stay UTC months. (docs/decisions/0114)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import TYPE_CHECKING

from shortstack.domain.errors import InvalidInput

if TYPE_CHECKING:
    from shortstack.domain.analytics import DailyStats

UTC_NAME = "UTC"
TZ_EXAMPLES = "Europe/Paris, America/Los_Angeles, Asia/Kolkata or UTC"
# An IANA name: letters, digits, `_`, `-` and `+` in `/`-separated parts; never `.`, so
# never a path out of the zone database (zoneinfo refuses those too, with other errors).
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}")
ZONE_NAME_MAX = 64


@dataclass(frozen=True, slots=True)
class ViewerZone:
    """The zone a report's days are in: its IANA name, and its rules (None: UTC)."""

    name: str = UTC_NAME
    rules: tzinfo | None = None

    @property
    def is_utc(self) -> bool:
        return self.rules is None

    def today(self, now: datetime) -> date:
        """The local date at `now`."""
        return now.astimezone(self.rules or UTC).date()


def viewer_zone(name: str | None) -> ViewerZone:
    """The zone an IANA name names (None, `UTC`: UTC); InvalidInput (`tz`) otherwise."""
    if name is None or name == UTC_NAME:
        return ViewerZone()
    refused = InvalidInput(
        f"tz must be an IANA time zone name such as {TZ_EXAMPLES}; {name[:ZONE_NAME_MAX]!r} "
        "is not one",
        field="tz",
    )
    if len(name) > ZONE_NAME_MAX or not _ZONE_NAME.fullmatch(name) or name not in zone_names():
        raise refused
    # zoneinfo reads the system's zone database, else the tzdata package's (Lambda's
    # python3.12 image may have no /usr/share/zoneinfo; decision 0114).
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        rules = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a directory's name
        raise refused from exc
    return ViewerZone(name, rules)


@cache
def zone_names() -> frozenset[str]:
    """The IANA zone names, as the tzdata package lists them: the same on every host. A
    system's zone database also holds files that name no zone (`localtime`, the host's own;
    `posixrules`; the `right/` and `posix/` copies), which Lambda's may not have."""
    from importlib.resources import files

    listed = files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in listed.splitlines() if line.strip())


def utc_days_around(first: date, last: date) -> tuple[date, date]:
    """The UTC days whose hours may fall in local days `first`..`last` in any zone (offsets
    run from -12 to +14 hours), within the calendar."""
    return (
        first - timedelta(days=1) if first > date.min else first,
        last + timedelta(days=1) if last < date.max else last,
    )


@dataclass(slots=True)
class LocalCounts:
    """Clicks and bots' visits bucketed into local days and local hours of the day."""

    days: dict[date, list[int]] = field(default_factory=dict)  # [clicks, bots]
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    by_utc_day: set[date] = field(default_factory=set)

    def add(self, day: date, which: int, count: int) -> None:
        self.days.setdefault(day, [0, 0])[which] += count


def bucket(
    stored: Iterable[DailyStats],
    first: date,
    last: date,
    zone: ViewerZone,
    hour_names: tuple[str, str],
) -> LocalCounts:
    """The stored UTC days' hourly counts in local days `first`..`last` of `zone`.

    `hour_names`: the dimensions holding clicks and bots per UTC hour. What a day counted
    beyond its hours (recorded before hours existed) goes to the local day of its date.
    """
    rules = zone.rules or UTC
    local = LocalCounts()
    for stats in stored:
        for which, (name, total) in enumerate(
            zip(hour_names, (stats.clicks, stats.bots), strict=True)
        ):
            counted = 0
            for hour_text, count in stats.counts.get(name, {}).items():
                hour = _hour(hour_text)
                if hour is None:
                    continue
                counted += count
                try:
                    middle = datetime.combine(stats.day, time(hour, 30), UTC).astimezone(rules)
                except OverflowError:  # past the calendar's first or last day there
                    continue
                if first <= middle.date() <= last:
                    local.add(middle.date(), which, count)
                    if which == 0:
                        local.hours[middle.hour] += count
            rest = total - counted
            if rest > 0 and first <= stats.day <= last:
                local.add(stats.day, which, rest)
                local.by_utc_day.add(stats.day)
    return local


def _hour(text: str) -> int | None:
    return int(text) if len(text) == 2 and text.isdigit() and int(text) < 24 else None
