"""Orphan visits: GETs of short-link-shaped paths that name no link, counted per day.

A visit is kept as a counter keyed by (UTC day, path, referrer host, browser), never
as a row per request: a scanner repeating itself costs nothing but a count. The
number of distinct keys a day may add is capped, so no stream of made-up paths,
referrers or User-Agents can grow the store without bound; past the cap a new key
is dropped, and an existing one still counts.

The browser is a family read from the User-Agent's product tokens here, cheaply:
ua-parser (adapters/useragent.py) costs a redirect's cold start more than the 404
it would label (docs/decisions/0112-orphan-visits.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from shortstack.domain.errors import InvalidCursor
from shortstack.domain.pagination import decode_cursor, encode_cursor
from shortstack.domain.referrers import UNKNOWN, referrer_host

DAILY_KEYS_DEFAULT = 1000
RETENTION_DAYS_DEFAULT = 30
PATH_MAX = 64
BROWSER_MAX = 32
# (token, family), first match wins: browsers built on Chrome or Safari name themselves
# before the engine's token, so their own token is looked for first.
_BROWSER_TOKENS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("YaBrowser/", "Yandex Browser"),
    ("Vivaldi/", "Vivaldi"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox iOS"),
    ("CriOS/", "Chrome Mobile iOS"),
    ("Chrome/", "Chrome"),
    ("Version/", "Safari"),
)


@dataclass(frozen=True, slots=True)
class OrphanVisitKey:
    """What an orphan visit is counted by."""

    day: date
    path: str
    referrer_host: str
    browser: str


@dataclass(frozen=True, slots=True)
class OrphanVisits:
    """The visits one key counted, and when the last one came."""

    key: OrphanVisitKey
    visits: int
    last_visit_at: datetime


def browser_family(user_agent: str | None) -> str:
    """The browser family of a User-Agent, or its first product's name (`curl`, `Go-http-client`).

    `unknown` without one. Bounded to BROWSER_MAX characters.
    """
    if not user_agent or not user_agent.strip():
        return UNKNOWN
    for token, family in _BROWSER_TOKENS:
        if token in user_agent:
            return family
    product = user_agent.strip().split(None, 1)[0].split("/", 1)[0]
    if product == "Mozilla" or not product.isprintable():
        return "Other"
    return product[:BROWSER_MAX]


def orphan_visit_key(
    path: str, at: datetime, referrer: str | None, user_agent: str | None
) -> OrphanVisitKey:
    """The key one visit of `path` at `at` counts under."""
    return OrphanVisitKey(
        day=at.date(),
        path=path[:PATH_MAX],
        referrer_host=referrer_host(referrer),
        browser=browser_family(user_agent),
    )


def forget_after(day: date, retention_days: int) -> datetime:
    """When a day's counters may be deleted (a TTL on AWS, the maintenance task locally)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=retention_days + 1)


def encode_position(key: OrphanVisitKey) -> str:
    """The cursor that resumes a listing after `key`."""
    return encode_cursor(
        {"d": key.day.isoformat(), "p": key.path, "r": key.referrer_host, "b": key.browser}
    )


def decode_position(cursor: str) -> OrphanVisitKey:
    """The key a cursor resumes after; InvalidCursor when it is not one of ours."""
    position = decode_cursor(cursor, ("d", "p", "r", "b"))
    try:
        day = date.fromisoformat(position["d"])
    except ValueError as exc:
        raise InvalidCursor() from exc
    return OrphanVisitKey(day, position["p"], position["r"], position["b"])
