"""The Items catalog: a product with a name, a price and a category."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from shortstack.domain.errors import InvalidInput
from shortstack.domain.preconditions import LEGACY_VERSION, Expected, new_version

NAME_MAX = 100
DESCRIPTION_MAX = 500
CATEGORY_MAX = 50
PRICE_MAX = Decimal("1000000000")
# DynamoDB numbers hold magnitudes from 1E-130 and 38 significant digits: a price of 1e-200
# passed "> 0" and then failed the write with a 500. A catalog has no use for prices below a
# millionth, so the rule is stated here, once, for every store.
PRICE_MIN = Decimal("0.000001")
PRICE_DIGITS_MAX = 38


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
    # One more at each write; what its ETag says (domain/preconditions.py).
    version: int = LEGACY_VERSION


@dataclass(frozen=True, slots=True)
class ItemChanges:
    """The fields a partial update sets; None means "leave as is" except for description."""

    name: str | None = None
    description: str | None = None
    clear_description: bool = False
    price: Decimal | None = None
    category: str | None = None
    # If-Match: the stored versions this change may be applied to (None: any).
    expected: Expected | None = None

    def is_empty(self) -> bool:
        return (
            self.name is None
            and self.description is None
            and not self.clear_description
            and self.price is None
            and self.category is None
        )

    def changed_fields(self) -> list[str]:
        """The names of the fields this change touches, for events."""
        return [
            name
            for name, value in (
                ("name", self.name),
                ("description", self.description if not self.clear_description else ""),
                ("price", self.price),
                ("category", self.category),
            )
            if value is not None
        ]


def new_item_id() -> str:
    """A random, unguessable item id."""
    return uuid.uuid4().hex


def _valid_price(price: Decimal) -> bool:
    if not price.is_finite():
        return False
    return PRICE_MIN <= price <= PRICE_MAX and len(price.as_tuple().digits) <= PRICE_DIGITS_MAX


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
    if price is not None and not _valid_price(price):
        raise InvalidInput(
            f"price must be between {PRICE_MIN} and {PRICE_MAX}"
            f" with at most {PRICE_DIGITS_MAX} significant digits",
            field="price",
        )
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
        version=new_version(),
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
        version=item.version + 1,
    )
