"""Items kept in a dict, with the same ordering and cursor rules as the real stores."""

from __future__ import annotations

import threading
from datetime import datetime

from shortstack.domain.clock import to_iso
from shortstack.domain.errors import Conflict, ItemNotFound
from shortstack.domain.items import Item, ItemChanges, apply_changes
from shortstack.domain.pagination import Page, decode_cursor, encode_cursor
from shortstack.domain.preconditions import Expected, ensure_allowed


def _sort_key(item: Item) -> str:
    return f"{to_iso(item.created_at)}#{item.item_id}"


class MemoryItemRepository:
    def __init__(self) -> None:
        self._items: dict[str, Item] = {}
        self._lock = threading.Lock()

    def add(self, item: Item) -> None:
        with self._lock:
            if item.item_id in self._items:
                raise Conflict(f"item {item.item_id!r} already exists")
            self._items[item.item_id] = item

    def get(self, owner: str, item_id: str) -> Item | None:
        item = self._items.get(item_id)
        return item if item is not None and item.owner == owner else None

    def update(self, owner: str, item_id: str, changes: ItemChanges, now: datetime) -> Item:
        with self._lock:
            item = self._expected(owner, item_id, changes.expected)
            if item is None:
                raise ItemNotFound(item_id)
            updated = apply_changes(item, changes, now)
            self._items[item_id] = updated
            return updated

    def delete(self, owner: str, item_id: str, expected: Expected | None = None) -> bool:
        with self._lock:
            if self._expected(owner, item_id, expected) is None:
                return False
            del self._items[item_id]
            return True

    def _expected(self, owner: str, item_id: str, expected: Expected | None) -> Item | None:
        item = self.get(owner, item_id)
        if item is not None:
            ensure_allowed(expected, item.version, f"item {item_id!r}")
        return item

    def list(
        self, owner: str, *, category: str | None, limit: int, cursor: str | None
    ) -> Page[Item]:
        after = decode_cursor(cursor, ("k",))["k"] if cursor else None
        with self._lock:
            mine = [
                item
                for item in self._items.values()
                if item.owner == owner and (category is None or item.category == category)
            ]
        mine.sort(key=_sort_key, reverse=True)
        if after is not None:
            mine = [item for item in mine if _sort_key(item) < after]
        page = mine[:limit]
        more = len(mine) > limit
        return Page(page, encode_cursor({"k": _sort_key(page[-1])}) if more and page else None)
