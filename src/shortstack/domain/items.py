"""The Items catalog: a product with a name, a price and a category."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from shortstack.domain.errors import InvalidInput

NAME_MAX = 100
DESCRIPTION_MAX = 500
CATEGORY_MAX = 50
PRICE_MAX = Decimal("1000000000")


@dataclass(frozen=True, slots=True)
class Item:
    item_id: str
    owner: str
    name: str
    description: str | None
    price: Decimal
    category: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ItemChanges:
    """The fields a partial update sets; None means "leave as is" except for description."""

    name: str | None = None
    description: str | None = None
    clear_description: bool = False
    price: Decimal | None = None
    category: str | None = None

    def is_empty(self) -> bool:
        return (
            self.name is None
            and self.description is None
            and not self.clear_description
            and self.price is None
            and self.category is None
        )


def new_item_id() -> str:
    """A random, unguessable item id."""
    return uuid.uuid4().hex


def check_item_fields(
    name: str | None, description: str | None, price: Decimal | None, category: str | None
) -> None:
    """Enforce the catalog's limits; the HTTP schema checks them too, this guards other callers."""
    if name is not None and not 1 <= len(name.strip()) <= NAME_MAX:
        raise InvalidInput(f"name must be 1-{NAME_MAX} characters", field="name")
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"description must be at most {DESCRIPTION_MAX} characters", "description"
        )
    if price is not None and not (price.is_finite() and Decimal(0) < price <= PRICE_MAX):
        raise InvalidInput(f"price must be greater than 0 and at most {PRICE_MAX}", field="price")
    if category is not None and not 1 <= len(category.strip()) <= CATEGORY_MAX:
        raise InvalidInput(f"category must be 1-{CATEGORY_MAX} characters", field="category")


def create_item(
    *,
    owner: str,
    name: str,
    description: str | None,
    price: Decimal,
    category: str,
    now: datetime,
    item_id: str | None = None,
) -> Item:
    """A new item, validated."""
    check_item_fields(name, description, price, category)
    return Item(
        item_id=item_id or new_item_id(),
        owner=owner,
        name=name,
        description=description,
        price=price,
        category=category,
        created_at=now,
        updated_at=now,
    )


def apply_changes(item: Item, changes: ItemChanges, now: datetime) -> Item:
    """The item with `changes` applied and `updated_at` moved to `now`."""
    check_item_fields(changes.name, changes.description, changes.price, changes.category)
    if changes.clear_description:
        description = None
    elif changes.description is not None:
        description = changes.description
    else:
        description = item.description
    return replace(
        item,
        name=changes.name if changes.name is not None else item.name,
        description=description,
        price=changes.price if changes.price is not None else item.price,
        category=changes.category if changes.category is not None else item.category,
        updated_at=max(now, item.updated_at),
    )
