"""Use cases of the Items catalog."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shortstack.domain import events
from shortstack.domain.clock import Clock, utc_now
from shortstack.domain.errors import ItemNotFound
from shortstack.domain.items import Item, ItemChanges, check_item_fields, create_item
from shortstack.domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from shortstack.domain.preconditions import Expected
from shortstack.service_layer.ports import ItemRepository, UnitOfWork


@dataclass
class ItemsService:
    items: ItemRepository
    uow: UnitOfWork
    clock: Clock = utc_now

    def create(
        self, owner: str, *, name: str, description: str | None, price: Decimal, category: str
    ) -> Item:
        """Create an item owned by `owner` and announce it."""
        now = self.clock()
        item = create_item(
            owner=owner, name=name, description=description, price=price, category=category, now=now
        )
        with self.uow.begin() as outbox:
            self.items.add(item)
            outbox.add([events.item_created(item.item_id, owner, item.category, now)])
        return item

    def get(self, owner: str, item_id: str) -> Item:
        """The owner's item; another owner's item is reported as missing."""
        item = self.items.get(owner, item_id)
        if item is None:
            raise ItemNotFound(item_id)
        return item

    def update(self, owner: str, item_id: str, changes: ItemChanges) -> Item:
        """Change only the fields given; `updated_at` moves even for an empty change.

        With `changes.expected` (If-Match), only if the stored version is one it allows:
        raises PreconditionFailed otherwise, ItemNotFound first."""
        check_item_fields(changes.name, changes.description, changes.price, changes.category)
        now = self.clock()
        with self.uow.begin() as outbox:
            item = self.items.update(owner, item_id, changes, now)
            outbox.add([events.item_updated(item_id, owner, changes.changed_fields(), now)])
        return item

    def delete(self, owner: str, item_id: str, expected: Expected | None = None) -> None:
        """Delete the owner's item or raise ItemNotFound (or PreconditionFailed, as update)."""
        with self.uow.begin() as outbox:
            if not self.items.delete(owner, item_id, expected):
                raise ItemNotFound(item_id)
            outbox.add([events.item_deleted(item_id, owner, self.clock())])

    def list(
        self,
        owner: str,
        *,
        category: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> Page[Item]:
        """One page of the owner's items, optionally in one category."""
        limit = max(1, min(limit, MAX_PAGE_SIZE))
        return self.items.list(owner, category=category, limit=limit, cursor=cursor)
