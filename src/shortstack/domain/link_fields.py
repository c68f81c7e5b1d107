"""Which values a link's fields may take: tags, title, visit limit, status, expiry, start.

Each rule raises InvalidInput naming the field, so the API and an import report the
same message; the HTTP schemas take their bounds from the constants here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from shortstack.domain.errors import InvalidInput

TITLE_MAX_LENGTH = 200
TAG_PATTERN = r"^[a-z0-9_.-]{1,32}$"
# The whitespace stripped around a tag (or any text the API documents by a pattern): JSON
# Schema's \s, ECMA-262's. str.strip() also takes \x1c-\x1f and \x85, which the documented
# patterns refuse: "\x1cabc\x85" became the tag "abc".
SPACES = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
TAGS_MAX = 10
_TAG = re.compile(TAG_PATTERN)
MAX_VISITS_LIMIT = 1_000_000_000

REDIRECT_STATUSES = (301, 302, 307, 308)
DEFAULT_REDIRECT_STATUS = 302
DEFAULT_TTL_DAYS = 30
MAX_TTL_DAYS = 3650


def normalize_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags lower-cased, trimmed and de-duplicated in order; InvalidInput on a bad one."""
    seen: dict[str, None] = {}
    for raw in tags:
        tag = raw.strip(SPACES).lower()
        if not _TAG.match(tag):
            raise InvalidInput("each tag must be 1-32 characters of a-z 0-9 _ . -", field="tags")
        seen.setdefault(tag, None)
    if len(seen) > TAGS_MAX:
        raise InvalidInput(f"at most {TAGS_MAX} tags", field="tags")
    return tuple(seen)


def normalize_tag(tag: str) -> str:
    """One tag as stored (for list filters, whose parameter is `tag`, not `tags`)."""
    try:
        return normalize_tags([tag])[0]
    except InvalidInput as exc:
        raise InvalidInput("a tag is 1-32 characters of a-z 0-9 _ . -", field="tag") from exc


def check_title(title: str | None) -> None:
    """A title of at most TITLE_MAX_LENGTH characters, or none."""
    if title is not None and len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput(f"title must be at most {TITLE_MAX_LENGTH} characters", field="title")


def check_max_visits(max_visits: int | None) -> None:
    """A visit limit of 1 to MAX_VISITS_LIMIT, or none."""
    if max_visits is not None and not 1 <= max_visits <= MAX_VISITS_LIMIT:
        raise InvalidInput(f"max_visits must be 1-{MAX_VISITS_LIMIT}", field="max_visits")


def check_redirect_status(status: int | None) -> None:
    """One of the redirect statuses a link may answer with, or none."""
    if status is not None and status not in REDIRECT_STATUSES:
        raise InvalidInput("redirect_status must be 301, 302, 307 or 308", "redirect_status")


def check_expiry(expires_at: datetime, now: datetime) -> None:
    """An explicit expiry: with a time zone, after `now`, within MAX_TTL_DAYS."""
    if expires_at.tzinfo is None:
        raise InvalidInput("expires_at needs a time zone (e.g. a trailing Z)", "expires_at")
    if expires_at <= now:
        raise InvalidInput("expires_at must be in the future", field="expires_at")
    if expires_at > now + timedelta(days=MAX_TTL_DAYS):
        raise InvalidInput(f"expires_at must be within {MAX_TTL_DAYS} days", "expires_at")


def choose_expiry(
    now: datetime, expires_at: datetime | None = None, ttl_days: int | None = None
) -> datetime:
    """When a new link expires: an explicit moment, or now plus ttl_days (30 by default)."""
    if expires_at is not None and ttl_days is not None:
        raise InvalidInput("give expires_at or ttl_days, not both", field="expires_at")
    if expires_at is not None:
        check_expiry(expires_at, now)
        return expires_at
    days = DEFAULT_TTL_DAYS if ttl_days is None else ttl_days
    if not 1 <= days <= MAX_TTL_DAYS:
        raise InvalidInput(f"ttl_days must be 1-{MAX_TTL_DAYS}", field="ttl_days")
    return now + timedelta(days=days)


def check_valid_since(
    valid_since: datetime | None, expires_at: datetime | None, now: datetime
) -> None:
    """A start that has a time zone, is not too far ahead and comes before the expiry."""
    if valid_since is None:
        return
    if valid_since.tzinfo is None:
        raise InvalidInput("valid_since needs a time zone (e.g. a trailing Z)", "valid_since")
    if valid_since > now + timedelta(days=MAX_TTL_DAYS):
        raise InvalidInput(f"valid_since must be within {MAX_TTL_DAYS} days", "valid_since")
    if expires_at is not None and valid_since >= expires_at:
        raise InvalidInput("valid_since must be before expires_at", field="valid_since")
