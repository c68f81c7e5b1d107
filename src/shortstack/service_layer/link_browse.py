"""Search, filter, sort and count one owner's links: what the links page asks for.

Every store lists an owner's links newest first from an index (on DynamoDB a Query of
the owner's GSI1 partition, never a Scan). A browse walks those pages and keeps only
what the answer needs: the count of matches, and the matches of the requested page
(for a sort by clicks, a heap of the best `offset + limit`). So memory stays bounded
and every store answers alike. Each request reads at most READ_LIMIT links: past that
the total is a lower bound and the answer says so; the UI debounces typing, so a
search costs one bounded Query per pause, not one per keystroke.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from shortstack.domain.link_state import LinkState, state_of
from shortstack.domain.links import Link
from shortstack.service_layer.ports import LinkRepository

READ_LIMIT = 10_000
_PAGE = 100
EXPORT_PAGE = 500
Sort = Literal["created", "clicks"]


@dataclass(frozen=True, slots=True)
class LinkQuery:
    """Which links, in which order. `text` matches the alias, target or title, any case."""

    text: str | None = None
    tag: str | None = None
    states: frozenset[LinkState] = field(default_factory=frozenset)
    sort: Sort = "created"

    def matches(self, link: Link, now: datetime) -> bool:
        if self.states and state_of(link, now) not in self.states:
            return False
        if not self.text:
            return True
        needle = self.text.casefold()
        return any(
            needle in value.casefold() for value in (link.short_id, link.url, link.title or "")
        )


@dataclass(frozen=True, slots=True)
class Browse:
    """One page of matches and how many matched; `exact` is False past READ_LIMIT links."""

    items: list[Link]
    total: int
    exact: bool


def _walk(links: LinkRepository, owner: str, tag: str | None, cut: list[bool]) -> Iterator[Link]:
    """The owner's links newest first, at most READ_LIMIT; `cut` says if more were left."""
    cursor: str | None = None
    read = 0
    while True:
        page = links.list(owner, tag=tag, limit=min(_PAGE, READ_LIMIT - read), cursor=cursor)
        yield from page.items
        read += len(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return
        if read >= READ_LIMIT:
            cut.append(True)
            return


def every_match(
    links: LinkRepository, owner: str, query: LinkQuery, now: datetime
) -> Iterator[Link]:
    """Every link of the owner that matches `query`, newest first, one store page at a time.

    For exports: nothing is kept, so memory stays flat however many links there are; the
    query's sort does not apply (a sort by clicks would have to hold them all).
    """
    cursor: str | None = None
    while True:
        page = links.list(owner, tag=query.tag, limit=EXPORT_PAGE, cursor=cursor)
        yield from (link for link in page.items if query.matches(link, now))
        cursor = page.next_cursor
        if cursor is None:
            return


def browse(
    links: LinkRepository, owner: str, query: LinkQuery, now: datetime, offset: int, limit: int
) -> Browse:
    """Matches `offset` to `offset + limit` of the owner's links in the query's order."""
    total = 0
    cut: list[bool] = []
    kept: list[tuple[int, int, Link]] = []  # (clicks, -arrival, link): a min-heap of the best
    newest: list[Link] = []
    for link in _walk(links, owner, query.tag, cut):
        if not query.matches(link, now):
            continue
        if query.sort == "clicks":
            entry = (link.click_count, -total, link)
            if len(kept) < offset + limit:
                heapq.heappush(kept, entry)
            elif entry[:2] > kept[0][:2]:
                heapq.heapreplace(kept, entry)
        elif offset <= total < offset + limit:
            newest.append(link)
        total += 1
    if query.sort == "clicks":
        ranked = [link for *_, link in sorted(kept, key=lambda e: e[:2], reverse=True)]
        newest = ranked[offset : offset + limit]
    return Browse(newest, total, exact=not cut)
