"""Click analytics: what one LinkClicked event adds to its link's day, and the day totals.

A click is reduced to a few low-cardinality dimensions before it is stored:
the referrer's host (never its path or query, which may carry tokens), the
browser family, the device class, the edge's country code, and the link's rule
or A/B variant that chose the destination. A crawler's or preview fetcher's
visit (LinkVisitedByBot) is no click: it adds to `bots` and to the `bots`
dimension (the bot's name) only, so `clicks` matches the link's click_count.
Aggregates are per link and per UTC day, so a link's stats stay one small
record per day however many clicks it gets. Scheduled maintenance rolls the
days of whole months older than ROLL_UP_AFTER_DAYS into one record per month
(docs/decisions/0900-scheduled-maintenance.md); reports then answer those
months instead of their days, with the same totals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from shortstack.domain.clock import from_iso
from shortstack.domain.errors import InvalidInput
from shortstack.domain.referrers import DIRECT, referrer_host

# UNKNOWN is every dimension's value for what a request did not say readably.
from shortstack.domain.referrers import UNKNOWN as UNKNOWN
from shortstack.domain.visitor_sketch import VisitorSketch

if TYPE_CHECKING:
    from shortstack.domain.local_days import ViewerZone
    from shortstack.domain.visits import Click

# A day's clicks (and bots' visits) per UTC hour, `00` to `23`: what a report in the viewer's
# time zone buckets into local days (docs/decisions/0114). Rolled-up months drop them.
HOURS = "hours"
BOT_HOURS = "bot_hours"
HOURLY = (HOURS, BOT_HOURS)
DIMENSIONS = (
    "referrers",
    "browsers",
    "oses",
    "devices",
    "countries",
    "variants",
    "rules",
    "bots",
)
# An owner's day keeps what the overview shows, and clicks per link (its top links): every
# counter makes the item, written once per owner a window, bigger (docs/decisions/0110).
LINKS = "links"
OWNER_DIMENSIONS = ("referrers", "browsers", "devices", "countries", LINKS, *HOURLY)
VISITOR_MAX = 64
MAX_STATS_DAYS = 366
DEFAULT_STATS_DAYS = 30
TOP_N = 10
ROLL_UP_AFTER_DAYS = 90
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_HOUR = tuple(f"{hour:02d}" for hour in range(24))


@dataclass(frozen=True, slots=True)
class UserAgentFamily:
    browser: str
    device: str  # desktop | mobile | tablet | bot | other
    is_bot: bool
    os: str = UNKNOWN  # the operating system's family (iOS, Android, Windows, ...)


@dataclass(frozen=True, slots=True)
class ClickFacts:
    """What one click contributes to its link's day."""

    event_id: str
    short_id: str
    day: date
    referrer: str
    browser: str
    device: str
    is_bot: bool
    country: str
    os: str = UNKNOWN
    variant: int | None = None
    rule: int | None = None
    visitor: str | None = None  # the visitor's daily hash (visits.visitor_hash), if kept
    owner: str | None = None  # whose link: the fold adds the click to the owner's day too
    hour: int | None = None  # the UTC hour (0-23) of the click; None: not known (an old record)

    @property
    def clicks(self) -> int:
        """What this visit adds to `clicks` (a bot's adds nothing there)."""
        return 0 if self.is_bot else 1

    def dimension_values(self) -> dict[str, str]:
        hour = {} if self.hour is None else {BOT_HOURS if self.is_bot else HOURS: _HOUR[self.hour]}
        if self.is_bot:
            return {"bots": self.browser, **hour}
        values = {
            "referrers": self.referrer,
            "browsers": self.browser,
            "oses": self.os,
            "devices": self.device,
            "countries": self.country,
        }
        if self.variant is not None:
            values["variants"] = str(self.variant)
        if self.rule is not None:
            values["rules"] = str(self.rule)
        values.update(hour)
        return values

    def owner_values(self) -> dict[str, str]:
        """What the click adds to its owner's day: the overview's dimensions and the link (a
        bot's visit: its hour only)."""
        values = {
            name: value
            for name, value in self.dimension_values().items()
            if name in OWNER_DIMENSIONS
        }
        if not self.is_bot:
            values[LINKS] = self.short_id
        return values


@dataclass(slots=True)
class DailyStats:
    """One link's (or owner's) clicks on one UTC day, with a count per value of each dimension.

    `visitors` holds the day's distinct visitor hashes (a sketch); a period made of
    several days (a rolled-up month, a report's totals) keeps the sum of its days'
    unique visitors in `rolled_visitors` instead, because a visitor's hash changes
    every day: over a range, unique visitors are visitor-days.
    """

    day: date
    clicks: int = 0
    bots: int = 0
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: {} for name in DIMENSIONS}
    )
    visitors: VisitorSketch = field(default_factory=VisitorSketch)
    rolled_visitors: int = 0

    @property
    def unique_visitors(self) -> int:
        return self.visitors.estimate() + self.rolled_visitors

    def add(self, facts: ClickFacts, values: Mapping[str, str] | None = None) -> None:
        """Count one click with its dimension values (by default the link's own)."""
        self.clicks += facts.clicks
        self.bots += int(facts.is_bot)
        if facts.visitor and not facts.is_bot:
            self.visitors.add(facts.visitor)
        for dimension, value in (values or facts.dimension_values()).items():
            bucket = self.counts.setdefault(dimension, {})
            bucket[value] = bucket.get(value, 0) + 1

    def absorb(self, other: DailyStats) -> None:
        """Add another period's counts to this one (its unique visitors as a number)."""
        self._add_counts(other)
        self.rolled_visitors += other.unique_visitors

    def merge_day(self, other: DailyStats, dimensions: Iterable[str] | None = None) -> None:
        """Add counts of the same day (of `dimensions` only, if given): its visitor sketch
        merges, a visitor counting once."""
        self._add_counts(other, dimensions)
        self.visitors.merge(other.visitors)
        self.rolled_visitors += other.rolled_visitors

    def _add_counts(self, other: DailyStats, dimensions: Iterable[str] | None = None) -> None:
        self.clicks += other.clicks
        self.bots += other.bots
        kept = None if dimensions is None else set(dimensions)
        for dimension, counts in other.counts.items():
            if kept is not None and dimension not in kept:
                continue
            bucket = self.counts.setdefault(dimension, {})
            for value, count in counts.items():
                bucket[value] = bucket.get(value, 0) + count


def month_start(day: date) -> date:
    """The first day of `day`'s month: how a monthly aggregate is dated."""
    return day.replace(day=1)


def roll_up_boundary(today: date) -> date:
    """The first day kept daily: days before it belong to whole months older than 90 days."""
    return month_start(today - timedelta(days=ROLL_UP_AFTER_DAYS))


def months_of(days: Iterable[DailyStats]) -> dict[date, DailyStats]:
    """The days summed per month, keyed (and dated) by each month's first day."""
    months: dict[date, DailyStats] = {}
    for stats in days:
        start = month_start(stats.day)
        months.setdefault(start, DailyStats(day=start)).absorb(stats)
    for month in months.values():  # a month's hours would bucket into no local day
        for name in HOURLY:
            month.counts.pop(name, None)
    return months


@dataclass(frozen=True, slots=True)
class StatsReport:
    """A link's stats over a range of days: a daily series and the top values overall.

    `months` holds the rolled-up months overlapping the range (each dated by its first
    day, counted whole); their days are left out of `days` unless a late click added one.

    In a time zone other than UTC, `days`, `first_day` and `last_day` are local days, with
    their clicks and bots from the UTC days' hourly counts (local_days.py); `utc_days`
    holds the UTC days of the same dates, whose breakdowns and unique visitors the totals
    and each local day keep. `by_utc_day`: the days that include clicks counted by their
    UTC day (recorded before hours were), in no hour of `hours`, the clicks per local hour
    of the day.
    """

    short_id: str
    first_day: date
    last_day: date
    days: list[DailyStats]
    totals: DailyStats
    months: list[DailyStats] = field(default_factory=list)
    time_zone: str = "UTC"
    hours: list[int] = field(default_factory=lambda: [0] * 24)
    utc_days: list[DailyStats] | None = None
    by_utc_day: list[date] = field(default_factory=list)

    @property
    def dimension_days(self) -> list[DailyStats]:
        """The days whose breakdowns the report counts: UTC days, whatever the zone."""
        return self.days if self.utc_days is None else self.utc_days

    def top(self, dimension: str, n: int = TOP_N) -> list[tuple[str, int]]:
        ranked = sorted(
            self.totals.counts.get(dimension, {}).items(), key=lambda kv: (-kv[1], kv[0])
        )
        return ranked[:n]


def country_code(country: str | None) -> str:
    """An ISO 3166 alpha-2 code as CloudFront sends it, else `(unknown)`."""
    code = (country or "").strip().upper()
    return code if _COUNTRY.match(code) else UNKNOWN


def _index(detail: Mapping[str, object], name: str) -> int | None:
    value = detail.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 100:
        raise InvalidInput(f"{name} must be a small index or null", field=name)
    return value


def click_facts(
    event_id: str, detail: Mapping[str, object], family: UserAgentFamily, is_bot: bool = False
) -> ClickFacts:
    """Reduce a LinkClicked (or, with `is_bot`, a LinkVisitedByBot) detail to its dimensions.

    InvalidInput when it cannot be read.
    """
    short_id = detail.get("short_id")
    occurred_at = detail.get("occurred_at")
    if not isinstance(short_id, str) or not short_id:
        raise InvalidInput("LinkClicked detail needs a short_id", field="short_id")
    if not isinstance(occurred_at, str):
        raise InvalidInput("LinkClicked detail needs occurred_at", field="occurred_at")
    try:
        when: datetime = from_iso(occurred_at)
    except ValueError as exc:
        raise InvalidInput("occurred_at is not ISO 8601", field="occurred_at") from exc
    referrer = detail.get("referrer")
    country = detail.get("country")
    visitor = detail.get("visitor")
    return ClickFacts(
        event_id=event_id,
        short_id=short_id,
        day=when.date(),
        hour=when.hour,
        referrer=referrer_host(referrer if isinstance(referrer, str) else None),
        browser=family.browser,
        device=family.device,
        is_bot=is_bot,
        country=country_code(country if isinstance(country, str) else None),
        os=family.os,
        variant=_index(detail, "variant"),
        rule=_index(detail, "rule"),
        visitor=visitor if isinstance(visitor, str) and 0 < len(visitor) <= VISITOR_MAX else None,
    )


def visit_facts(
    short_id: str,
    click: Click,
    family: UserAgentFamily,
    *,
    rule: int | None = None,
    variant: int | None = None,
    event_id: str = "",
) -> ClickFacts:
    """What a visit adds to its link's day, read from the click itself.

    The same facts `click_facts` reads from the visit's event (LinkClicked, or
    LinkVisitedByBot for a crawler's visit, which carries no referrer or visitor), for a
    store that folds a click in its own transaction, where no event need be written.
    """
    is_bot = click.bot is not None
    visitor = None if is_bot else click.visitor
    at = click.at.astimezone(UTC)
    return ClickFacts(
        event_id=event_id,
        short_id=short_id,
        day=at.date(),
        hour=at.hour,
        referrer=DIRECT if is_bot else referrer_host(click.referrer),
        browser=family.browser,
        device=family.device,
        is_bot=is_bot,
        country=country_code(click.country),
        os=family.os,
        variant=None if is_bot else variant,
        rule=None if is_bot else rule,
        visitor=visitor if visitor and len(visitor) <= VISITOR_MAX else None,
    )


def parse_day(value: str, name: str) -> date:
    """A `YYYY-MM-DD` query value; InvalidInput naming the parameter otherwise."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a date like 2026-01-31", field=name) from exc


def stats_range(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The days a stats request covers: the last 30 by default, at most 366, oldest first."""
    last = last or today
    # The default range starts no earlier than the calendar does (a `to` in January of year 1).
    first = first or last - timedelta(days=min(DEFAULT_STATS_DAYS - 1, (last - date.min).days))
    if first > last:
        raise InvalidInput("from must not be after to", field="from")
    if (last - first).days + 1 > MAX_STATS_DAYS:
        raise InvalidInput(f"at most {MAX_STATS_DAYS} days per request", field="from")
    return first, last


def report(
    short_id: str,
    first: date,
    last: date,
    stored: Iterable[DailyStats],
    stored_months: Iterable[DailyStats] = (),
    zone: ViewerZone | None = None,
) -> StatsReport:
    """Every day of the range (zeros where nothing was stored), its months, and its totals;
    in `zone`'s local days when it is not UTC (`stored` then holds the UTC days around the
    range: local_days.utc_days_around)."""
    # Imported here: the API's and the stream consumer's cold starts never need it.
    from shortstack.domain.local_days import ViewerZone, bucket

    stored = list(stored)
    utc = _utc_report(short_id, first, last, stored, stored_months)
    zone = zone or ViewerZone()
    local = bucket(stored, first, last, zone, HOURLY)
    if zone.is_utc:  # the days are exact; their clicks without an hour are in no hour
        return replace(utc, hours=local.hours, by_utc_day=sorted(local.by_utc_day))
    rolled = {month.day for month in utc.months}
    utc_by_day = {stats.day: stats for stats in utc.days}
    days = []
    for offset in range((last - first).days + 1):
        current = first + timedelta(days=offset)
        counted = local.days.get(current)
        if counted is None and month_start(current) in rolled:
            continue
        clicks, bots = counted or (0, 0)
        same_date = utc_by_day.get(current)
        day = DailyStats(day=current, clicks=clicks, bots=bots)
        if same_date is not None:
            day.visitors, day.rolled_visitors = same_date.visitors, same_date.rolled_visitors
        days.append(day)
    totals = DailyStats(
        day=first,
        clicks=sum(d.clicks for d in (*days, *utc.months)),
        bots=sum(d.bots for d in (*days, *utc.months)),
        counts=utc.totals.counts,
        rolled_visitors=utc.totals.unique_visitors,
    )
    return StatsReport(
        short_id,
        first,
        last,
        days,
        totals,
        utc.months,
        time_zone=zone.name,
        hours=local.hours,
        utc_days=utc.days,
        by_utc_day=sorted(local.by_utc_day),
    )


def _utc_report(
    short_id: str,
    first: date,
    last: date,
    stored: Iterable[DailyStats],
    stored_months: Iterable[DailyStats],
) -> StatsReport:
    by_day = {stats.day: stats for stats in stored if first <= stats.day <= last}
    months = sorted(
        (m for m in stored_months if month_start(first) <= m.day <= last),
        key=lambda m: m.day,
    )
    rolled = {m.day for m in months}
    days = []
    totals = DailyStats(day=first)
    for month in months:
        totals.absorb(month)
    # Counted, not stepped past `last`: the day after 9999-12-31 does not exist.
    for offset in range((last - first).days + 1):
        current = first + timedelta(days=offset)
        stored_day = by_day.get(current)
        if stored_day is None and month_start(current) not in rolled:
            stored_day = DailyStats(day=current)
        if stored_day is not None:
            days.append(stored_day)
            totals.absorb(stored_day)
    return StatsReport(short_id, first, last, days, totals, months)
