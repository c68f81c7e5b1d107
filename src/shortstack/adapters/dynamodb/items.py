"""Items in the single table; listing queries GSI1 (owner) or GSI2 (owner + category)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from shortstack.adapters.dynamodb import keys
from shortstack.adapters.dynamodb.codec import from_attributes, to_attribute, to_attributes
from shortstack.adapters.dynamodb.errors import is_conditional_check_failure
from shortstack.domain.clock import from_iso, to_iso
from shortstack.domain.errors import Conflict, InvalidCursor, ItemNotFound
from shortstack.domain.items import Item, ItemChanges
from shortstack.domain.pagination import Page, decode_cursor, encode_cursor

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
    )


class DynamoDBItemRepository:
    def __init__(self, client: Any, table_name: str) -> None:
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
        }
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_attributes(record),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                raise Conflict(f"item {item.item_id!r} already exists") from exc
            raise

    def get(self, owner: str, item_id: str) -> Item | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_attributes(keys.item_key(item_id)), ConsistentRead=True
        )
        raw = response.get("Item")
        if raw is None or raw.get("owner", {}).get("S") != owner:
            return None
        return _to_item(raw)

    def update(self, owner: str, item_id: str, changes: ItemChanges, now: datetime) -> Item:
        # SET only the fields sent, so concurrent partial updates never lose each other's fields.
        names = {"#owner": "owner", "#updated_at": "updated_at"}
        values: dict[str, Any] = {":owner": owner, ":now": to_iso(now)}
        sets = ["#updated_at = :now"]
        for field, value in (
            ("name", changes.name),
            ("description", changes.description),
            ("price", changes.price),
            ("category", changes.category),
        ):
            if value is not None:
                names[f"#{field}"] = field
                values[f":{field}"] = value
                sets.append(f"#{field} = :{field}")
        if changes.category is not None:
            names["#gsi2pk"] = keys.GSI2PK
            values[":gsi2pk"] = keys.items_of_owner_in_category(owner, changes.category)
            sets.append("#gsi2pk = :gsi2pk")
        expression = "SET " + ", ".join(sets)
        if changes.clear_description:
            names["#description"] = "description"
            expression += " REMOVE #description"
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_attributes(keys.item_key(item_id)),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(PK) AND #owner = :owner",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={k: to_attribute(v) for k, v in values.items()},
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                raise ItemNotFound(item_id) from exc
            raise
        return _to_item(response["Attributes"])

    def delete(self, owner: str, item_id: str) -> bool:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=to_attributes(keys.item_key(item_id)),
                ConditionExpression="attribute_exists(PK) AND #owner = :owner",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":owner": to_attribute(owner)},
            )
        except ClientError as exc:
            if is_conditional_check_failure(exc):
                return False
            raise
        return True

    def list(
        self, owner: str, *, category: str | None, limit: int, cursor: str | None
    ) -> Page[Item]:
        if category is None:
            index, pk_name, sk_name = keys.GSI1, keys.GSI1PK, keys.GSI1SK
            partition = keys.items_of_owner(owner)
        else:
            index, pk_name, sk_name = keys.GSI2, keys.GSI2PK, keys.GSI2SK
            partition = keys.items_of_owner_in_category(owner, category)
        start_key: dict[str, Any] | None = None
        if cursor:
            # The cursor holds only the sort position; the partition always comes
            # from the caller, so a forged cursor cannot reach another owner's data.
            position = decode_cursor(cursor, ("k",))["k"]
            item_id = position.rpartition("#")[2]
            if not item_id:
                raise InvalidCursor()
            start_key = to_attributes(
                {**keys.item_key(item_id), pk_name: partition, sk_name: position}
            )
        found: list[Item] = []
        while len(found) <= limit:
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": index,
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": pk_name},
                "ExpressionAttributeValues": {":pk": to_attribute(partition)},
                "ScanIndexForward": False,
                "Limit": limit + 1 - len(found),
            }
            if start_key:
                request["ExclusiveStartKey"] = start_key
            try:
                response = self._client.query(**request)
            except ClientError as exc:
                if cursor and "ExclusiveStartKey" in str(exc):
                    raise InvalidCursor() from exc
                raise
            found.extend(_to_item(raw) for raw in response.get("Items", []))
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                break
        page = found[:limit]
        next_cursor = (
            encode_cursor({"k": _sort_key(page[-1].created_at, page[-1].item_id)})
            if len(found) > limit
            else None
        )
        return Page(page, next_cursor)
