"""Items as the HTTP API reads and writes them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from shortstack.domain.items import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    NAME_MAX,
    PRICE_MAX,
    PRICE_MIN,
    Item,
)
from shortstack.entrypoints.http.schemas.common import (
    IsoTime,
    MultiLine,
    SingleLine,
    StrictModel,
    no_null_defaults,
)

Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX), SingleLine]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX), MultiLine]
Price = Annotated[float, Field(ge=float(PRICE_MIN), le=float(PRICE_MAX), allow_inf_nan=False)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=CATEGORY_MAX), SingleLine]


def to_decimal(price: float) -> Decimal:
    """The price as an exact decimal of its shortest float representation (9.99 stays 9.99)."""
    return Decimal(repr(price))


class ItemCreate(StrictModel):
    name: Name
    description: Description | None = None
    price: Price
    category: Category


class ItemUpdate(StrictModel):
    """A partial update: only the fields sent change; `description: null` clears it,
    name, price and category cannot be null."""

    # The route answers 422 to a null name, price or category: SkipJsonSchema keeps null out
    # of their documented schema (schemathesis sent one as "valid" data and got that 422).
    model_config = ConfigDict(json_schema_extra=no_null_defaults)

    name: Name | SkipJsonSchema[None] = None
    description: Description | None = None
    price: Price | SkipJsonSchema[None] = None
    category: Category | SkipJsonSchema[None] = None


class ItemPublic(BaseModel):
    item_id: str
    name: str
    description: str | None
    price: float
    category: str
    created_at: IsoTime
    updated_at: IsoTime

    @classmethod
    def of(cls, item: Item) -> ItemPublic:
        return cls(
            item_id=item.item_id,
            name=item.name,
            description=item.description,
            price=float(item.price),
            category=item.category,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )
