"""Items in the single table; listing queries GSI1 (owner) or GSI2 (owner + category)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attributes
from shortstack.adapters.dynamodb.owned import (
    Listing,
    Versioned,
    delete_owned,
    list_newest_first,
    put_new,
    update_owned,
)
from shortstack.adapters.dynamodb.streamed import CHANGED
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict, ItemNotFound
from shortstack.domain.items import Item, ItemChanges
from shortstack.domain.pagination import Page
from shortstack.domain.preconditions import LEGACY_VERSION, Expected

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ENTITY = "item"


def _sort_key(created_at: datetime, item_id: str) -> str:
    return f"{to_iso(created_at)}#{item_id}"


def _to_item(raw: dict[str, Any]) -> Item:
    values = from_attributes(raw)
    return Item(
        item_id=values["item_id"],
        owner=values["owner"],
        name=values["name"],
        description=values.get("description"),
        price=values["price"],
        category=values["category"],
        created_at=from_iso(values["created_at"]),
        updated_at=from_iso(values["updated_at"]),
        version=int(values.get("version", LEGACY_VERSION)),
    )


class DynamoDBItemRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, item: Item) -> None:
        sort_key = _sort_key(item.created_at, item.item_id)
        record = {
            **keys.item_key(item.item_id),
            keys.GSI1PK: keys.items_of_owner(item.owner),
            keys.GSI1SK: sort_key,
            keys.GSI2PK: keys.items_of_owner_in_category(item.owner, item.category),
            keys.GSI2SK: sort_key,
            "entity": ENTITY,
            "item_id": item.item_id,
            "owner": item.owner,
            "name": item.name,
            "description": item.description,
            "price": item.price,
            "category": item.category,
            "created_at": to_iso(item.created_at),
            "updated_at": to_iso(item.updated_at),
            "version": item.version,
        }
        if not put_new(self._client, self._table, record):
            raise Conflict(f"item {item.item_id!r} already exists")

    def get(self, owner: str, item_id: str) -> Item | None:
        key = keys.item_key(item_id)
        if not keys.storable(key):
            return None
        response = self._client.get_item(
            TableName=self._table, Key=to_attributes(key), ConsistentRead=True
        )
        raw = response.get("Item")
        if raw is None or raw.get("owner", {}).get("S") != owner:
            return None
        return _to_item(raw)

    def update(self, owner: str, item_id: str, changes: ItemChanges, now: datetime) -> Item:
        # SET only the fields sent, so concurrent partial updates never lose each other's fields.
        # `changed_fields` tells the stream consumer what ItemUpdated names (stream_events.py).
        sets: dict[str, Any] = {"updated_at": to_iso(now), CHANGED: changes.changed_fields()}
        for name, value in (
            ("name", changes.name),
            ("description", changes.description),
            ("price", changes.price),
            ("category", changes.category),
        ):
            if value is not None:
                sets[name] = value
        if changes.category is not None:
            sets[keys.GSI2PK] = keys.items_of_owner_in_category(owner, changes.category)
        removes = ["description"] if changes.clear_description else []
        key, versioned = keys.item_key(item_id), Versioned(f"item {item_id!r}", changes.expected)
        raw = update_owned(self._client, self._table, key, owner, sets, removes, versioned)
        if raw is None:
            raise ItemNotFound(item_id)
        return _to_item(raw)

    def delete(self, owner: str, item_id: str, expected: Expected | None = None) -> bool:
        versioned = Versioned(f"item {item_id!r}", expected)
        return delete_owned(self._client, self._table, keys.item_key(item_id), owner, versioned)

    def list(
        self, owner: str, *, category: str | None, limit: int, cursor: str | None
    ) -> Page[Item]:
        if category is None:
            index, partition = keys.GSI1, keys.items_of_owner(owner)
        else:
            index, partition = keys.GSI2, keys.items_of_owner_in_category(owner, category)
        listing = Listing(
            index=index,
            partition=partition,
            key_of=keys.item_key,
            parse=_to_item,
            position_of=lambda item: _sort_key(item.created_at, item.item_id),
        )
        return list_newest_first(self._client, self._table, listing, limit, cursor)
