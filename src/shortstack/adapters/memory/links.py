"""Links kept in a dict; one lock makes creates, updates and click counts atomic."""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from datetime import datetime

from shortstack.domain.clock import to_iso
from shortstack.domain.errors import DomainError, LinkNotFound, ShortIdTaken
from shortstack.domain.imports import ExistingLink, PlannedLink, link_of
from shortstack.domain.links import (
    Link,
    LinkChanges,
    Target,
    apply_changes,
    ensure_countable,
)
from shortstack.domain.pagination import Page, decode_cursor, encode_cursor
from shortstack.domain.preconditions import Expected, ensure_allowed
from shortstack.domain.visits import Click

_LINK_FIELDS = tuple(field.name for field in fields(Link))
_set = object.__setattr__
# A link's values in one C call, for Link's own straight-line __init__ (domain/slotted.py).
_link_values = operator.attrgetter(*_LINK_FIELDS)


def _counted(link: Link, counter: str) -> Link:
    """`link` with one more on `counter`: what dataclasses.replace returns, for two fifths
    of its cost (bench/README.md, "Costs the code is shaped around"), on every click of the
    warm benchmark's store."""
    copy = Link(*_link_values(link))
    _set(copy, counter, getattr(link, counter) + 1)
    return copy


def sort_position(link: Link) -> str:
    """A link's place in its owner's listing: creation time, then id (newest first)."""
    return f"{to_iso(link.created_at)}#{link.short_id}"


class MemoryLinkRepository:
    def __init__(self, forget_stats: Callable[[str], None] | None = None) -> None:
        self._links: dict[str, Link] = {}
        self._lock = threading.Lock()
        # A deleted link's stats go with it, under the lock, before its id can be taken
        # again (as SQLite's delete and DynamoDB's do).
        self._forget_stats = forget_stats or (lambda short_id: None)

    def add(self, link: Link) -> None:
        with self._lock:
            if link.short_id in self._links:
                raise ShortIdTaken(link.short_id)
            self._links[link.short_id] = link

    def add_many(self, links: Sequence[Link]) -> list[DomainError | None]:
        results: list[DomainError | None] = []
        with self._lock:
            for link in links:
                if link.short_id in self._links:
                    results.append(ShortIdTaken(link.short_id))
                else:
                    self._links[link.short_id] = link
                    results.append(None)
        return results

    def add_new(
        self, owner: str, links: Sequence[PlannedLink], created_at: datetime
    ) -> list[ExistingLink | None]:
        """The LinkSink port: store each link whose id is free, in row order."""
        results: list[ExistingLink | None] = []
        with self._lock:
            for planned in links:
                held = self._links.get(planned.short_id)
                if held is None:
                    self._links[planned.short_id] = link_of(owner, planned, created_at)
                    results.append(None)
                else:
                    results.append(ExistingLink(held.owner, held.url, held.created_at))
        return results

    def get(self, short_id: str, *, consistent: bool = True) -> Link | None:
        return self._links.get(short_id)

    def owner_of(self, short_id: str) -> str | None:
        link = self._links.get(short_id)
        return link.owner if link is not None else None

    def update(self, owner: str, short_id: str, changes: LinkChanges, now: datetime) -> Link:
        with self._lock:
            link = self._links.get(short_id)
            if link is None or link.owner != owner:
                raise LinkNotFound(short_id)
            ensure_allowed(changes.expected, link.version, f"short link {short_id!r}")
            updated = apply_changes(link, changes, now)
            self._links[short_id] = updated
            return updated

    def delete(self, owner: str, short_id: str, expected: Expected | None = None) -> bool:
        with self._lock:
            link = self._links.get(short_id)
            if link is None or link.owner != owner:
                return False
            ensure_allowed(expected, link.version, f"short link {short_id!r}")
            del self._links[short_id]
            self._forget_stats(short_id)
            return True

    def expired_before(self, cutoff: datetime) -> Iterator[str]:
        with self._lock:
            found = [
                link.short_id
                for link in self._links.values()
                if link.expires_at is not None and link.expires_at < cutoff
            ]
        yield from found

    def delete_expired(self, short_id: str, cutoff: datetime) -> str | None:
        with self._lock:
            link = self._links.get(short_id)
            if link is None or link.expires_at is None or link.expires_at >= cutoff:
                return None
            del self._links[short_id]
            self._forget_stats(short_id)
            return link.owner

    def list(self, owner: str, *, tag: str | None, limit: int, cursor: str | None) -> Page[Link]:
        after = decode_cursor(cursor, ("k",))["k"] if cursor else None
        with self._lock:
            mine = [
                link
                for link in self._links.values()
                if link.owner == owner and (tag is None or tag in link.tags)
            ]
        mine.sort(key=sort_position, reverse=True)
        if after is not None:
            mine = [link for link in mine if sort_position(link) < after]
        page = mine[:limit]
        more = len(mine) > limit
        return Page(page, encode_cursor({"k": sort_position(page[-1])}) if more else None)

    def record_click(self, short_id: str, click: Click, unlocked_with: str | None = None) -> Target:
        with self._lock:
            link = self._links.get(short_id)
            if link is None:
                raise LinkNotFound(short_id)
            ensure_countable(link, click.at, unlocked_with)
            counted = _counted(link, "click_count")
            self._links[short_id] = counted
            return Target.of(counted)

    def record_bot_visit(self, short_id: str, click: Click) -> Target:
        with self._lock:
            link = self._links.get(short_id)
            if link is None:
                raise LinkNotFound(short_id)
            ensure_countable(link, click.at)
            self._links[short_id] = _counted(link, "bot_count")
            return Target.of(link)
